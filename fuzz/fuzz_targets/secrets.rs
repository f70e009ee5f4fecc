//! Secret and key parsing: `whsec_` HMAC secrets, `whpk_` public keys, `whsk_`
//! signing keys, key rings.
//!
//! Properties:
//! - no value panics any parser; an accepted secret or key signs and verifies;
//! - the canonical encodings a sender's portal shows (padded or unpadded
//!   base64, with or without the prefix, surrounded by white space) always
//!   parse, to the same key as the raw bytes;
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
});

fn text_value(text: &str) {
    if let Ok(secret) = Secret::parse(text) {
        assert!(ring_verifies(
            &KeyRing::from(secret.clone()),
            &hmac_sig(&secret)
        ));
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
