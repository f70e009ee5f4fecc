//! Signed mode: the Svix / Standard Webhooks signature scheme.
//!
//! `signature = base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))` for `v1`,
//! an ed25519 signature over the same bytes for `v1a`. The HMAC runs
//! incrementally over the three parts, so the body is never copied and need not
//! be UTF-8.

use std::time::Duration;

use base64::Engine as _;
use hmac::Mac;
use subtle::ConstantTimeEq;

use crate::headers::HeaderLookup;
use crate::secret::{KeyRing, Secret, SigningKey, VerifyingKey, LENIENT_B64};

/// At most this many `vN,…` entries of one signature header are examined.
pub const MAX_SIGNATURE_ENTRIES: usize = 16;
/// At most this many `v1a` entries (well-formed: 64 bytes of base64) are
/// checked against each ed25519 key; later ones are ignored.
///
/// Unlike HMAC (one pass over the body per key, whatever the header holds),
/// every ed25519 check hashes the whole message again: SHA-512 runs over
/// `R ‖ A ‖ message`, and `R` differs per signature, `A` per key, so nothing
/// can be shared between attempts (the message itself is assembled once).
/// Without a bound, 16 entries × 16 MiB would cost ≈ 0.8 s of CPU per
/// unauthenticated request. Two covers a sender rotating its key (old and new
/// signature side by side).
pub const MAX_V1A_ATTEMPTS_PER_KEY: usize = 2;
/// Longest message id accepted, in bytes.
pub const MAX_MESSAGE_ID_LEN: usize = 256;
/// Longest single signature entry examined (a `v1a` entry is 92 bytes).
const MAX_ENTRY_LEN: usize = 128;

/// Which header names a sender used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeaderFamily {
    /// `svix-id`, `svix-timestamp`, `svix-signature`.
    Svix,
    /// `webhook-id`, `webhook-timestamp`, `webhook-signature` (Standard Webhooks).
    StandardWebhooks,
}

impl HeaderFamily {
    /// `(id, timestamp, signature)` header names, lower-case.
    pub const fn names(self) -> [&'static str; 3] {
        match self {
            Self::Svix => ["svix-id", "svix-timestamp", "svix-signature"],
            Self::StandardWebhooks => ["webhook-id", "webhook-timestamp", "webhook-signature"],
        }
    }
}

/// Why a signed delivery was refused. Every variant answers 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// None of the signature headers were sent.
    #[error("the request carries no signature headers (svix-id, svix-timestamp, svix-signature or webhook-id, webhook-timestamp, webhook-signature)")]
    Missing,
    /// Some of one family's headers were sent, not all.
    #[error("the signature header `{0}` is missing")]
    MissingHeader(&'static str),
    /// Both `svix-*` and `webhook-*` headers were sent.
    #[error("the request mixes svix-* and webhook-* signature headers; send one family only")]
    MixedFamilies,
    /// The message id header is empty, too long or not text.
    #[error("the message id header is empty, longer than 256 bytes, or not visible ASCII")]
    InvalidMessageId,
    /// The timestamp header is not a non-negative integer.
    #[error("the timestamp header is not a non-negative integer number of Unix seconds")]
    InvalidTimestamp,
    /// The timestamp is further in the past than the tolerance allows.
    #[error(
        "the timestamp is too old (more than {tolerance_secs} s in the past): possible replay"
    )]
    TimestampTooOld {
        /// The configured tolerance into the past.
        tolerance_secs: u64,
    },
    /// The timestamp is further in the future than the tolerance allows.
    #[error(
        "the timestamp is too far in the future (more than {tolerance_secs} s ahead){}",
        if *looks_like_milliseconds {
            "; it looks like milliseconds since 1970, but the timestamp header is in seconds"
        } else {
            ""
        }
    )]
    TimestampTooNew {
        /// The configured tolerance into the future.
        tolerance_secs: u64,
        /// Read as milliseconds, the timestamp would be within the window: the
        /// sender most likely wrote milliseconds where seconds belong.
        looks_like_milliseconds: bool,
    },
    /// No signature entry matched any key.
    #[error("no signature in the signature header matches a configured key")]
    NoMatch,
}

impl SignatureError {
    /// Stable snake_case code for the JSON refusal body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing | Self::MissingHeader(_) => "missing_signature",
            Self::MixedFamilies => "mixed_signature_headers",
            Self::InvalidMessageId => "invalid_message_id",
            Self::InvalidTimestamp => "invalid_timestamp",
            Self::TimestampTooOld { .. } => "timestamp_too_old",
            Self::TimestampTooNew { .. } => "timestamp_too_new",
            Self::NoMatch => "invalid_signature",
        }
    }
}

/// How far a timestamp may be from now, separately into the past and the future.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tolerance {
    /// How old a timestamp may be.
    pub past: Duration,
    /// How far ahead of now a timestamp may be.
    pub future: Duration,
}

impl From<Duration> for Tolerance {
    /// The same window in both directions.
    fn from(window: Duration) -> Self {
        Self::symmetric(window)
    }
}

impl Tolerance {
    /// The same window in both directions.
    pub const fn symmetric(window: Duration) -> Self {
        Self {
            past: window,
            future: window,
        }
    }

    /// Checks `timestamp` against `now` (both Unix seconds).
    pub fn check(&self, timestamp: i64, now: i64) -> Result<(), SignatureError> {
        let age = i128::from(now) - i128::from(timestamp);
        if age > i128::from(self.past.as_secs()) {
            return Err(SignatureError::TimestampTooOld {
                tolerance_secs: self.past.as_secs(),
            });
        }
        if -age > i128::from(self.future.as_secs()) {
            return Err(SignatureError::TimestampTooNew {
                tolerance_secs: self.future.as_secs(),
                looks_like_milliseconds: self.within(timestamp / 1000, now),
            });
        }
        Ok(())
    }

    /// Whether `timestamp` lies inside the window around `now`.
    pub(crate) fn within(&self, timestamp: i64, now: i64) -> bool {
        let age = i128::from(now) - i128::from(timestamp);
        age <= i128::from(self.past.as_secs()) && -age <= i128::from(self.future.as_secs())
    }
}

impl Default for Tolerance {
    /// Five minutes both ways, as the Svix and Standard Webhooks libraries use.
    fn default() -> Self {
        Self::symmetric(Duration::from_secs(300))
    }
}

/// Computes the `v1` HMAC of `{id}.{timestamp}.{body}` without copying the body.
fn hmac_digest(secret: &Secret, id: &str, timestamp: &str, body: &[u8]) -> [u8; 32] {
    let mut mac = secret.mac();
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// The signature entries of one header value: `(version, base64 signature)`.
fn entries(header: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    header
        .split(|b| *b == b' ')
        .filter(|e| !e.is_empty())
        .take(MAX_SIGNATURE_ENTRIES)
        .filter_map(|entry| {
            if entry.len() > MAX_ENTRY_LEN {
                return None;
            }
            let comma = entry.iter().position(|b| *b == b',')?;
            Some((&entry[..comma], &entry[comma + 1..]))
        })
}

/// Constant-time equality of two 32-byte digests: the words' differences are
/// folded without branching, and `subtle` compares the fold with zero. (A
/// byte-wise `subtle` compare costs ~15× more, which shows at 1 KiB bodies.)
fn digests_equal(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let mut diff = 0u64;
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        let mut xa = [0u8; 8];
        let mut ya = [0u8; 8];
        xa.copy_from_slice(x);
        ya.copy_from_slice(y);
        diff |= u64::from_ne_bytes(xa) ^ u64::from_ne_bytes(ya);
    }
    bool::from(diff.ct_eq(&0))
}

/// Decodes a base64 signature of exactly `N` bytes, or `None`.
fn decode_exact<const N: usize>(b64: &[u8]) -> Option<[u8; N]> {
    let mut buf = [0u8; 96];
    let len = LENIENT_B64.decode_slice(b64, &mut buf).ok()?;
    if len != N {
        return None;
    }
    let mut out = [0u8; N];
    out.copy_from_slice(&buf[..N]);
    Some(out)
}

impl KeyRing {
    /// Verifies a signature header value over `{id}.{timestamp}.{body}`: true
    /// when any `v1` or `v1a` entry matches any key. Unknown versions and
    /// malformed entries are skipped; at most [`MAX_SIGNATURE_ENTRIES`] are
    /// read, and at most [`MAX_V1A_ATTEMPTS_PER_KEY`] `v1a` entries are checked
    /// against each ed25519 key.
    ///
    /// ```
    /// use hookgate::{Secret};
    /// use hookgate::signing::KeyRing;
    /// let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    /// let body = br#"{"test": 2432232314}"#;
    /// let sig = secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
    /// assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    /// let ring = KeyRing::from(secret);
    /// assert!(ring.verify_signature("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", body, sig.as_bytes()));
    /// assert!(!ring.verify_signature("msg_other", "1614265330", body, sig.as_bytes()));
    /// ```
    pub fn verify_signature(&self, id: &str, timestamp: &str, body: &[u8], header: &[u8]) -> bool {
        let mut ed_message: Option<Vec<u8>> = None;
        for key in self.keys() {
            match key {
                VerifyingKey::Hmac(secret) => {
                    let expected = hmac_digest(secret, id, timestamp, body);
                    for (version, sig) in entries(header) {
                        if version != b"v1" {
                            continue;
                        }
                        if let Some(given) = decode_exact::<32>(sig) {
                            if digests_equal(&given, &expected) {
                                return true;
                            }
                        }
                    }
                }
                VerifyingKey::Ed25519(public) => {
                    let candidates = entries(header)
                        .filter(|(version, _)| *version == b"v1a")
                        .filter_map(|(_, sig)| decode_exact::<64>(sig))
                        .take(MAX_V1A_ATTEMPTS_PER_KEY);
                    for bytes in candidates {
                        let signature = ed25519_dalek::Signature::from_bytes(&bytes);
                        // ed25519 needs the whole message in one slice: built once,
                        // only when a v1a key and a v1a entry meet.
                        let message =
                            ed_message.get_or_insert_with(|| signed_content(id, timestamp, body));
                        if public.0.verify_strict(message, &signature).is_ok() {
                            return true;
                        }
                    }
                }
            }
        }
        false
    }

    /// Reads the signature headers, checks the timestamp against `now` and the
    /// tolerance, and verifies the signature over the raw body.
    pub fn verify<'h>(
        &self,
        headers: &'h dyn HeaderLookup,
        body: &[u8],
        now: i64,
        tolerance: Tolerance,
    ) -> Result<SignedHeaders<'h>, SignatureError> {
        let signed = SignedHeaders::read(headers)?;
        tolerance.check(signed.timestamp, now)?;
        if self.verify_signature(signed.id, signed.timestamp_raw, body, signed.signature) {
            Ok(signed)
        } else {
            Err(SignatureError::NoMatch)
        }
    }
}

fn signed_content(id: &str, timestamp: &str, body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(id.len() + timestamp.len() + body.len() + 2);
    message.extend_from_slice(id.as_bytes());
    message.push(b'.');
    message.extend_from_slice(timestamp.as_bytes());
    message.push(b'.');
    message.extend_from_slice(body);
    message
}

impl Secret {
    /// Signs like a sender: returns the `v1,<base64>` signature header entry.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let digest = hmac_digest(self, id, &timestamp.to_string(), body);
        format!("v1,{}", LENIENT_B64.encode(digest))
    }
}

impl SigningKey {
    /// Signs like a sender: returns the `v1a,<base64>` signature header entry.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        use ed25519_dalek::Signer as _;
        let message = signed_content(id, &timestamp.to_string(), body);
        let signature = self.0.sign(&message);
        format!("v1a,{}", LENIENT_B64.encode(signature.to_bytes()))
    }
}

mod headers;

pub use headers::SignedHeaders;

#[cfg(test)]
mod tests;
