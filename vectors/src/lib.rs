//! # hookgate-vectors
//!
//! The signature test vectors published by the Standard Webhooks and Svix
//! libraries (their own test suites), copied into this repository as
//! `vectors/signatures.json` and compiled into this crate, so every test that
//! uses them — the core's, the tower layer's and the conformance table — reads
//! the same data and needs nothing outside the repository.
//!
//! ```
//! let vectors = hookgate_vectors::Vectors::published().unwrap();
//! assert!(vectors.signed.len() >= 3);
//! assert!(vectors.signed[0].signature.starts_with("v1,"));
//! ```

use serde::Deserialize;

/// The vectors file, as published (JSON).
pub const SIGNATURES_JSON: &str = include_str!("../signatures.json");

/// The vectors file is not the expected JSON.
#[derive(Debug, thiserror::Error)]
#[error("the signature vectors are malformed: {0}")]
pub struct VectorsError(#[from] serde_json::Error);

/// One signed vector: the header value must verify for these inputs, with the
/// clock set to the timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedVector {
    /// Where the vector comes from.
    pub source: String,
    /// The signing secret: `whsec_…` (HMAC, `v1`) or `whsk_…` (ed25519, `v1a`).
    pub secret: String,
    /// The `whpk_…` public key of a `v1a` vector.
    pub public_key: Option<String>,
    /// The key a receiver verifies with: the public key when there is one,
    /// otherwise the secret.
    pub verify_key: String,
    /// The message id.
    pub id: String,
    /// The signed timestamp (Unix seconds).
    pub timestamp: i64,
    /// The raw body.
    pub body: String,
    /// The signature header value.
    pub signature: String,
}

/// Every vector of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vectors {
    /// Signatures that must verify.
    pub signed: Vec<SignedVector>,
    /// Header values that must verify, with `<valid>` standing for the first
    /// vector's signature.
    pub several_must_pass: Vec<String>,
    /// Header values that must be refused for the first vector's inputs.
    pub several_must_fail: Vec<String>,
    /// Signature header values refused for the first vector's inputs.
    pub rejected_signatures: Vec<String>,
    /// Secrets a receiver must refuse to start with.
    pub rejected_secrets: Vec<String>,
}

#[derive(Deserialize)]
struct File {
    signed: Vec<RawSigned>,
    several_signatures: Several,
    rejected_signatures: Values,
    rejected_secrets: Vec<String>,
}

#[derive(Deserialize)]
struct RawSigned {
    source: String,
    secret: String,
    public_key: Option<String>,
    id: String,
    timestamp: i64,
    body: String,
    signature: String,
}

#[derive(Deserialize)]
struct Several {
    must_pass: Vec<String>,
    must_fail: Vec<String>,
}

#[derive(Deserialize)]
struct Values {
    values: Vec<String>,
}

impl Vectors {
    /// The vectors shipped in this repository ([`SIGNATURES_JSON`]).
    pub fn published() -> Result<Self, VectorsError> {
        Self::parse(SIGNATURES_JSON)
    }

    /// Parses a vectors file with the published layout.
    pub fn parse(text: &str) -> Result<Self, VectorsError> {
        let file: File = serde_json::from_str(text)?;
        Ok(Self {
            signed: file
                .signed
                .into_iter()
                .map(|s| SignedVector {
                    verify_key: s.public_key.clone().unwrap_or_else(|| s.secret.clone()),
                    source: s.source,
                    secret: s.secret,
                    public_key: s.public_key,
                    id: s.id,
                    timestamp: s.timestamp,
                    body: s.body,
                    signature: s.signature,
                })
                .collect(),
            several_must_pass: file.several_signatures.must_pass,
            several_must_fail: file.several_signatures.must_fail,
            rejected_signatures: file.rejected_signatures.values,
            rejected_secrets: file.rejected_secrets,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_parses_and_holds_every_kind() {
        let v = Vectors::published().unwrap();
        assert!(v.signed.iter().any(|s| s.public_key.is_none()));
        let asymmetric = v.signed.iter().find(|s| s.public_key.is_some()).unwrap();
        assert!(asymmetric.verify_key.starts_with("whpk_"));
        assert!(asymmetric.signature.starts_with("v1a,"));
        assert!(!v.several_must_pass.is_empty() && !v.several_must_fail.is_empty());
        assert!(!v.rejected_signatures.is_empty() && !v.rejected_secrets.is_empty());
    }

    #[test]
    fn a_file_without_signed_vectors_is_refused() {
        assert!(Vectors::parse(r#"{"rejected_secrets": []}"#).is_err());
    }
}
