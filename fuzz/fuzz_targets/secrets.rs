//! Secret and key parsing: `whsec_` HMAC secrets, `whpk_` public keys, `whsk_`
//! signing keys, key rings.
//!
//! Properties:
//! - no value panics any parser; an accepted secret or key signs and verifies;
//! - the canonical encodings a sender's portal shows (padded or unpadded
//!   base64, with or without the prefix, surrounded by white space) always
//!   parse, to the same key as the raw bytes;
//! - so do the non-canonical ones the official Python signers accept: the
//!   last base64 character carrying non-zero trailing bits (e.g.
//!   `whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS`), which Python ignores;
//! - a `whsk_` keypair whose public half is not its own is refused, and a
//!   signing key is never accepted where a verifying key is expected;
//! - a key ring holds one key per listed value.
#![no_main]

use arbitrary::Arbitrary;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;
use hookgate::{Secret};

use hookgate::signing::{KeyRing, PublicKey, SecretError, SigningKey, VerifyingKey};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Input {
    /// Any text, to every parser.
    Text(String),
    /// A secret's raw bytes, encoded as a sender might show them.
    HmacBytes { bytes: Vec<u8>, form: Form },
    /// An ed25519 seed, encoded as public, signing and keypair values.
    Ed25519 {
        seed: [u8; 32],
        other: [u8; 32],
        form: Form,
    },
    /// A list of secrets, separated as a config file might.
    List { secrets: Vec<Vec<u8>>, commas: bool },
    /// A secret's raw bytes whose encoding's last character carries non-zero
    /// trailing bits (`bits`, masked to the unused ones; 0 becomes 1).
    NonCanonical {
        bytes: Vec<u8>,
        bits: u8,
        form: Form,
    },
}

#[derive(Arbitrary, Debug, Clone, Copy)]
struct Form {
    padded: bool,
    prefixed: bool,
    spaces: u8,
}

impl Form {
    fn encode(self, prefix: &str, bytes: &[u8]) -> String {
        let b64 = if self.padded {
            STANDARD.encode(bytes)
        } else {
            STANDARD_NO_PAD.encode(bytes)
        };
        let pad = " \t\n"
            .chars()
            .cycle()
            .take(usize::from(self.spaces % 4))
            .collect::<String>();
        let prefix = if self.prefixed { prefix } else { "" };
        format!("{pad}{prefix}{b64}{pad}")
    }
}

const MESSAGE: (&str, i64, &[u8]) = ("msg_fuzz", 1_700_000_000, b"{\"job_id\":\"j\"}");

fn ring_verifies(ring: &KeyRing, sig: &str) -> bool {
    let (id, ts, body) = MESSAGE;
    ring.verify_signature(id, &ts.to_string(), body, sig.as_bytes())
}

fn hmac_sig(secret: &Secret) -> String {
    let (id, ts, body) = MESSAGE;
    secret.sign(id, ts, body)
}

fn ed_sig(key: &SigningKey) -> String {
    let (id, ts, body) = MESSAGE;
    key.sign(id, ts, body)
}

fuzz_target!(|input: Input| match input {
    Input::Text(text) => text_value(&text),
    Input::HmacBytes { bytes, form } => hmac_bytes(&bytes, form),
    Input::Ed25519 { seed, other, form } => ed25519(&seed, &other, form),
    Input::List { secrets, commas } => list(&secrets, commas),
    Input::NonCanonical { bytes, bits, form } => non_canonical(&bytes, bits, form),
});

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn non_canonical(bytes: &[u8], bits: u8, form: Form) {
    // 1 byte past a whole group leaves 4 unused bits, 2 bytes leave 2.
    let unused = match bytes.len() % 3 {
        1 => 4,
        2 => 2,
        _ => return,
    };
    let mask = (1u8 << unused) - 1;
    let bits = if bits & mask == 0 { 1 } else { bits & mask };
    let canonical = form.encode("whsec_", bytes);
    let mut text = canonical.clone().into_bytes();
    let last = text
        .iter()
        .rposition(|b| ALPHABET.contains(b))
        .expect("a non-empty encoding has a data character");
    let index = ALPHABET
        .iter()
        .position(|&a| a == text[last])
        .expect("in the alphabet");
    assert_eq!(index as u8 & mask, 0, "{canonical:?} is canonical");
    text[last] = ALPHABET[usize::from(index as u8 | bits)];
    let text = String::from_utf8(text).expect("ASCII");
    let raw = Secret::from_bytes(bytes).expect("non-empty");
    let parsed = Secret::parse(&text)
        .unwrap_or_else(|e| panic!("{text:?}, which the Python signers accept, is refused: {e}"));
    assert_eq!(
        hmac_sig(&parsed),
        hmac_sig(&raw),
        "{text:?} decodes to other bytes than {canonical:?}"
    );
}

/// `text` with its last base64 character's unused bits cleared, when it is a
/// base64 secret (optionally prefixed and padded) whose last character has
/// unused bits.
fn canonical_spelling(text: &str) -> Option<String> {
    let b64 = text.trim();
    let b64 = b64.strip_prefix("whsec_").unwrap_or(b64);
    let data = b64.trim_end_matches('=');
    if b64.len() - data.len() > 2 || data.is_empty() || !data.bytes().all(|b| ALPHABET.contains(&b))
    {
        return None;
    }
    let unused = match data.len() % 4 {
        2 => 4,
        3 => 2,
        _ => return None,
    };
    let last = *data.as_bytes().last()?;
    let index = ALPHABET.iter().position(|&a| a == last)? as u8;
    let cleared = char::from(ALPHABET[usize::from(index & !((1u8 << unused) - 1))]);
    Some(format!("whsec_{}{cleared}", &data[..data.len() - 1]))
}

fn text_value(text: &str) {
    if let Ok(secret) = Secret::parse(text) {
        assert!(ring_verifies(
            &KeyRing::from(secret.clone()),
            &hmac_sig(&secret)
        ));
    }
    // Non-zero trailing bits are ignored, as the Python signers ignore them.
    if let Some(canonical) = canonical_spelling(text) {
        let canonical_key = Secret::parse(&canonical).expect("canonical base64 parses");
        let key = Secret::parse(text).unwrap_or_else(|e| {
            panic!("{text:?}, which the Python signers accept, is refused: {e}")
        });
        assert_eq!(
            hmac_sig(&key),
            hmac_sig(&canonical_key),
            "{text:?} vs {canonical:?}"
        );
    }
    if let Ok(key) = SigningKey::parse(text) {
        let mut ring = KeyRing::new();
        ring.push(VerifyingKey::Ed25519(key.public_key()));
        assert!(ring_verifies(&ring, &ed_sig(&key)));
    }
    let _ = PublicKey::parse(text);
    match VerifyingKey::parse(text) {
        Ok(_) => assert!(!text.trim().starts_with("whsk_")),
        Err(SecretError::SigningKeyForVerification) => assert!(text.trim().starts_with("whsk_")),
        Err(_) => {}
    }
    if let Ok(ring) = KeyRing::parse(text) {
        let parts = text
            .split(|c: char| c == ',' || c.is_ascii_whitespace())
            .filter(|p| !p.is_empty())
            .count();
        assert!(!ring.is_empty() && ring.len() <= parts);
    }
}

fn hmac_bytes(bytes: &[u8], form: Form) {
    let text = form.encode("whsec_", bytes);
    match Secret::from_bytes(bytes) {
        Ok(raw) => {
            let parsed = Secret::parse(&text)
                .unwrap_or_else(|e| panic!("a portal-shaped secret {text:?} is refused: {e}"));
            assert_eq!(
                hmac_sig(&parsed),
                hmac_sig(&raw),
                "{text:?} decodes to other bytes"
            );
        }
        Err(_) => assert!(bytes.is_empty()),
    }
}

fn ed25519(seed: &[u8; 32], other: &[u8; 32], form: Form) {
    let oracle = ed25519_dalek::SigningKey::from_bytes(seed);
    let public = oracle.verifying_key().to_bytes();
    let from_seed = SigningKey::parse(&form.encode("whsk_", seed)).expect("a 32-byte seed parses");
    let mut pair = seed.to_vec();
    pair.extend_from_slice(&public);
    let from_pair = SigningKey::parse(&form.encode("whsk_", &pair)).expect("a keypair parses");
    assert_eq!(ed_sig(&from_seed), ed_sig(&from_pair));

    let pk_text = form.encode("whpk_", &public);
    let pk = PublicKey::parse(&pk_text).expect("a real public key parses");
    assert!(pk == from_seed.public_key());
    let mut ring = KeyRing::new();
    ring.push(VerifyingKey::Ed25519(pk));
    assert!(ring_verifies(&ring, &ed_sig(&from_seed)));

    // Someone else's public half with this secret half is refused.
    let foreign = ed25519_dalek::SigningKey::from_bytes(other)
        .verifying_key()
        .to_bytes();
    if foreign != public {
        let mut bad = seed.to_vec();
        bad.extend_from_slice(&foreign);
        assert_eq!(
            SigningKey::parse(&form.encode("whsk_", &bad)).err(),
            Some(SecretError::MismatchedSigningKey)
        );
        // A different key's signature does not verify against this one.
        let other_key = SigningKey::parse(&form.encode("whsk_", other)).expect("a seed parses");
        assert!(!ring_verifies(&ring, &ed_sig(&other_key)));
    }
    // A signing key is never a verifying key.
    let sk_text = format!("whsk_{}", STANDARD.encode(seed));
    assert_eq!(
        VerifyingKey::parse(&sk_text).err(),
        Some(SecretError::SigningKeyForVerification)
    );
}

fn list(secrets: &[Vec<u8>], commas: bool) {
    let secrets: Vec<&Vec<u8>> = secrets.iter().filter(|s| !s.is_empty()).take(8).collect();
    let text = secrets
        .iter()
        .map(|s| format!("whsec_{}", STANDARD.encode(s)))
        .collect::<Vec<_>>()
        .join(if commas { ", " } else { " " });
    match KeyRing::parse(&text) {
        Ok(ring) => {
            assert_eq!(ring.len(), secrets.len());
            for s in &secrets {
                let secret = Secret::from_bytes(s).expect("non-empty");
                assert!(ring_verifies(&ring, &hmac_sig(&secret)));
            }
        }
        Err(e) => assert!(secrets.is_empty(), "{text:?}: {e}"),
    }
}
