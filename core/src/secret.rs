//! Secrets and keys: `whsec_` HMAC secrets, `whpk_` ed25519 public keys, `whsk_`
//! ed25519 signing keys, and the [`KeyRing`] a receiver verifies against.

use std::fmt;

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// Standard base64 alphabet that accepts both padded and unpadded input, as the
/// Svix and Standard Webhooks peer libraries do.
pub(crate) const LENIENT_B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

crate::readable_debug::readable_debug!(SecretError);

/// Decodes the data characters [`python_b64_data`] keeps: standard alphabet,
/// no padding, and non-zero trailing bits allowed (Python ignores them).
const PYTHON_B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// The base64 data characters Python's `base64.b64decode(s + "==")` decodes
/// (what the official `standardwebhooks` and `svix` signers do with a
/// secret), or `None` where Python raises:
///
/// * characters outside the standard alphabet are skipped (white space, `-`,
///   `_`, `.`, …), but a non-ASCII one is an error;
/// * a `=` ends the data once it completes a group (two data characters and
///   two `=`, or three and one); any other `=` is skipped;
/// * one data character more than a multiple of four is an error.
///
/// The kept characters are then decoded by the `base64` crate, allowing the
/// non-zero trailing bits Python ignores.
fn python_b64_data(s: &str) -> Option<String> {
    if !s.is_ascii() {
        return None;
    }
    let mut data = String::with_capacity(s.len());
    let (mut quad, mut pads) = (0usize, 0usize);
    for b in s.bytes().chain(*b"==") {
        if b == b'=' {
            if quad >= 2 {
                pads += 1;
                if quad + pads >= 4 {
                    return Some(data);
                }
            }
            continue;
        }
        if b.is_ascii_alphanumeric() || b == b'+' || b == b'/' {
            data.push(char::from(b));
            quad = (quad + 1) % 4;
            pads = 0;
        }
    }
    // The appended `==` ends every group of two or three; what is left is a
    // whole number of groups, or one stray character.
    (quad == 0).then_some(data)
}

/// Decodes a `whsec_` secret's base64 exactly as the Python signers do.
fn decode_like_python(s: &str) -> Option<Vec<u8>> {
    PYTHON_B64.decode(python_b64_data(s)?).ok()
}

const HMAC_PREFIX: &str = "whsec_";
const PUBLIC_PREFIX: &str = "whpk_";
const SIGNING_PREFIX: &str = "whsk_";

/// Why a secret or key could not be used. Raised when a receiver is built, never
/// at request time. The message says what a valid value looks like and never
/// repeats the value itself.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// The value was empty (or only the prefix).
    #[error("the webhook secret is empty; a valid secret looks like `whsec_` followed by base64, e.g. `whsec_dGhpcyBpcyBhbiBleGFtcGxl`")]
    Empty,
    /// The part after the prefix is not base64.
    #[error("the webhook secret is not valid base64 after its `{prefix}` prefix; copy it exactly as the sender's portal shows it (e.g. `whsec_dGhpcyBpcyBhbiBleGFtcGxl`)")]
    NotBase64 {
        /// The prefix the value carried (`whsec_`, `whpk_` or `whsk_`; empty when none).
        prefix: &'static str,
    },
    /// An ed25519 key of the wrong length.
    #[error("the `{prefix}` key decodes to {len} bytes; an ed25519 {kind} key has {expected}")]
    KeyLength {
        /// The prefix of the value.
        prefix: &'static str,
        /// "public" or "signing".
        kind: &'static str,
        /// The decoded length.
        len: usize,
        /// The expected length.
        expected: usize,
    },
    /// The bytes are not a valid ed25519 public key.
    #[error("the `whpk_` value is not a valid ed25519 public key")]
    InvalidPublicKey,
    /// A `whsk_` signing key whose public half does not match its secret half.
    #[error("the `whsk_` value's public half does not belong to its secret half")]
    MismatchedSigningKey,
    /// A signing key was given where a verifying key was expected.
    #[error("`whsk_` is a signing key and must stay with the sender; give the receiver its `whpk_` public key")]
    SigningKeyForVerification,
}

/// An HMAC-SHA256 secret (`v1` signatures). The keyed HMAC state is computed once,
/// so each verification only hashes the message.
///
/// `Debug` shows no key material.
///
/// ```
/// let secret = hookgate::Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
/// assert_eq!(format!("{secret:?}"), "Secret(redacted)");
/// assert!(hookgate::Secret::parse("whsec_").is_err());
/// ```
#[derive(Clone)]
pub struct Secret {
    mac: HmacSha256,
}

impl Secret {
    /// Parses `whsec_<base64>`. A value without the prefix is read as base64
    /// too, as the Svix libraries do.
    ///
    /// The base64 is read exactly as the official Python signers
    /// (`standardwebhooks`, `svix`) read it — `base64.b64decode(s + "==")` —
    /// so every secret they accept is accepted here, decoded to the same key:
    /// padded or not, with non-zero trailing bits, characters outside the
    /// alphabet skipped. One exception: a secret that decodes to no bytes at
    /// all (`whsec_====`) is refused, since an empty HMAC key is no secret.
    ///
    /// ```
    /// use hookgate::Secret;
    /// // 23 bytes, unpadded, the last character carrying non-zero trailing
    /// // bits: the same key as its canonical spelling.
    /// let sloppy = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS").unwrap();
    /// let canonical = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaQ=").unwrap();
    /// assert_eq!(sloppy.sign("m", 1, b"{}"), canonical.sign("m", 1, b"{}"));
    /// assert!(Secret::parse("whsec_abcde").is_err()); // 5 characters: not base64
    /// ```
    pub fn parse(value: &str) -> Result<Self, SecretError> {
        let value = value.trim();
        let (prefix, b64) = match value.strip_prefix(HMAC_PREFIX) {
            Some(rest) => (HMAC_PREFIX, rest),
            None => ("", value),
        };
        if b64.is_empty() {
            return Err(SecretError::Empty);
        }
        let bytes = decode_like_python(b64).ok_or(SecretError::NotBase64 { prefix })?;
        Self::from_bytes(&bytes)
    }

    /// Uses raw key bytes as the HMAC key.
    pub fn from_bytes(key: &[u8]) -> Result<Self, SecretError> {
        if key.is_empty() {
            return Err(SecretError::Empty);
        }
        // HMAC accepts keys of any length; new_from_slice cannot fail for HMAC.
        let mac = HmacSha256::new_from_slice(key).map_err(|_| SecretError::Empty)?;
        Ok(Self { mac })
    }

    /// A fresh HMAC state keyed with this secret.
    pub(crate) fn mac(&self) -> HmacSha256 {
        self.mac.clone()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

/// An ed25519 public key (`whpk_…`) that verifies `v1a` signatures.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey(pub(crate) ed25519_dalek::VerifyingKey);

impl PublicKey {
    /// Parses `whpk_<base64 of 32 bytes>`.
    pub fn parse(value: &str) -> Result<Self, SecretError> {
        let b64 = value
            .trim()
            .strip_prefix(PUBLIC_PREFIX)
            .unwrap_or(value.trim());
        if b64.is_empty() {
            return Err(SecretError::Empty);
        }
        let bytes = LENIENT_B64
            .decode(b64)
            .map_err(|_| SecretError::NotBase64 {
                prefix: PUBLIC_PREFIX,
            })?;
        let arr: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| SecretError::KeyLength {
                prefix: PUBLIC_PREFIX,
                kind: "public",
                len: bytes.len(),
                expected: 32,
            })?;
        ed25519_dalek::VerifyingKey::from_bytes(&arr)
            .map(Self)
            .map_err(|_| SecretError::InvalidPublicKey)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A public key is not secret, but printing it adds nothing to a log.
        f.write_str("PublicKey(..)")
    }
}

/// An ed25519 signing key (`whsk_…`, 64 bytes: secret then public half), for
/// senders and tests that produce `v1a` signatures.
#[derive(Clone)]
pub struct SigningKey(pub(crate) ed25519_dalek::SigningKey);

impl SigningKey {
    /// Parses `whsk_<base64 of 64 bytes>` (or of the 32-byte secret half alone).
    pub fn parse(value: &str) -> Result<Self, SecretError> {
        let b64 = value
            .trim()
            .strip_prefix(SIGNING_PREFIX)
            .unwrap_or(value.trim());
        if b64.is_empty() {
            return Err(SecretError::Empty);
        }
        let bytes = LENIENT_B64
            .decode(b64)
            .map_err(|_| SecretError::NotBase64 {
                prefix: SIGNING_PREFIX,
            })?;
        match bytes.len() {
            64 => {
                let arr: [u8; 64] = bytes
                    .as_slice()
                    .try_into()
                    .map_err(|_| SecretError::MismatchedSigningKey)?;
                ed25519_dalek::SigningKey::from_keypair_bytes(&arr)
                    .map(Self)
                    .map_err(|_| SecretError::MismatchedSigningKey)
            }
            32 => {
                let arr: [u8; 32] = bytes
                    .as_slice()
                    .try_into()
                    .map_err(|_| SecretError::MismatchedSigningKey)?;
                Ok(Self(ed25519_dalek::SigningKey::from_bytes(&arr)))
            }
            len => Err(SecretError::KeyLength {
                prefix: SIGNING_PREFIX,
                kind: "signing",
                len,
                expected: 64,
            }),
        }
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(redacted)")
    }
}

/// One key a receiver accepts signatures from.
#[derive(Clone, Debug)]
pub enum VerifyingKey {
    /// HMAC-SHA256 secret: `v1` signatures.
    Hmac(Secret),
    /// ed25519 public key: `v1a` signatures.
    Ed25519(PublicKey),
}

impl VerifyingKey {
    /// Parses one key by its prefix: `whpk_` is an ed25519 public key, anything
    /// else an HMAC secret (`whsec_…` or bare base64). `whsk_` is refused: the
    /// signing key belongs to the sender.
    pub fn parse(value: &str) -> Result<Self, SecretError> {
        let value = value.trim();
        if value.starts_with(PUBLIC_PREFIX) {
            PublicKey::parse(value).map(Self::Ed25519)
        } else if value.starts_with(SIGNING_PREFIX) {
            Err(SecretError::SigningKeyForVerification)
        } else {
            Secret::parse(value).map(Self::Hmac)
        }
    }
}

/// The keys a receiver accepts; during rotation it holds the old and the new one
/// and a signature from any of them is enough.
///
/// ```
/// let ring = hookgate::signing::KeyRing::parse(
///     "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
/// ).unwrap();
/// assert_eq!(ring.len(), 2);
/// ```
#[derive(Clone, Debug, Default)]
pub struct KeyRing {
    keys: Vec<VerifyingKey>,
}

impl KeyRing {
    /// An empty ring.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses one or more keys separated by spaces or commas.
    pub fn parse(list: &str) -> Result<Self, SecretError> {
        let mut ring = Self::new();
        for part in list
            .split(|c: char| c == ',' || c.is_ascii_whitespace())
            .filter(|p| !p.is_empty())
        {
            ring.push(VerifyingKey::parse(part)?);
        }
        if ring.is_empty() {
            return Err(SecretError::Empty);
        }
        Ok(ring)
    }

    /// Adds a key.
    pub fn push(&mut self, key: VerifyingKey) {
        self.keys.push(key);
    }

    /// How many keys the ring holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the ring holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys, in the order they were added.
    pub fn keys(&self) -> &[VerifyingKey] {
        &self.keys
    }
}

impl From<Secret> for KeyRing {
    fn from(secret: Secret) -> Self {
        Self {
            keys: vec![VerifyingKey::Hmac(secret)],
        }
    }
}

#[cfg(test)]
mod tests;
