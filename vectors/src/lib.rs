//! # hookgate-vectors
//!
//! The test data hookgate's tests share, copied into this repository and
//! compiled into this crate, so every test that uses it — the core's, the
//! adapters', the CLI's and the conformance table — reads the same data through
//! one loader and needs nothing outside the repository:
//!
//! * [`Vectors`]: the signature vectors published by the Standard Webhooks and
//!   Svix libraries (their own test suites), `vectors/signatures.json`;
//! * [`PythonSecrets`]: how the official Python signers read `whsec_` secrets,
//!   `vectors/python_secrets.json`, computed by those libraries themselves
//!   (`vectors/python_secrets.py` regenerates it);
//! * [`GitHubVector`]: GitHub's documented `X-Hub-Signature-256` example,
//!   `vectors/github.json`;
//! * [`StripeVectors`]: `Stripe-Signature` headers made by the official
//!   `stripe` npm package (23.2.0), `vectors/stripe/signatures.json`
//!   (`vectors/stripe/generate.js` regenerates it).
//!
//! ```
//! let vectors = hookgate_vectors::Vectors::published().unwrap();
//! assert!(vectors.signed.len() >= 3);
//! assert!(vectors.signed[0].signature.starts_with("v1,"));
//!
//! let python = hookgate_vectors::PythonSecrets::published().unwrap();
//! assert!(python.libraries.len() >= 2);
//!
//! let stripe = hookgate_vectors::StripeVectors::published().unwrap();
//! assert!(stripe.generator.contains("stripe npm package"));
//! assert_eq!(hookgate_vectors::GitHubVector::published().unwrap().payload, "Hello, World!");
//! ```

use std::collections::BTreeMap;

mod providers;
pub use providers::{GitHubVector, StripeCase, StripeVectors, GITHUB_JSON, STRIPE_JSON};

use serde::Deserialize;

/// The vectors file, as published (JSON).
pub const SIGNATURES_JSON: &str = include_str!("../signatures.json");

/// The Python signers' readings of `whsec_` secrets, as generated (JSON).
pub const PYTHON_SECRETS_JSON: &str = include_str!("../python_secrets.json");

/// A vectors file is not the expected JSON.
#[derive(Debug, thiserror::Error)]
pub enum VectorsError {
    /// Not JSON, or not the file's layout.
    #[error("the test vectors are malformed: {0}")]
    Json(#[from] serde_json::Error),
    /// The layout parses but a record contradicts itself.
    #[error("the test vectors are inconsistent: {0}")]
    Inconsistent(String),
}

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

/// How the official Python signers read a list of `whsec_` secrets: for each
/// library and each secret as written, whether it was accepted, the key bytes
/// it decoded and the `v1` signature it made over one fixed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonSecrets {
    /// The Python version the file was generated with.
    pub python: String,
    /// The message id every signature is made for.
    pub msg_id: String,
    /// The timestamp every signature is made for (Unix seconds).
    pub timestamp: i64,
    /// The body every signature is made over.
    pub body: String,
    /// Per library (`"standardwebhooks 1.3.0"`), per secret as written, its
    /// reading.
    pub libraries: BTreeMap<String, BTreeMap<String, Reading>>,
}

/// What one Python library made of one secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// Accepted: the key it decoded (hex; empty when the library signs with no
    /// key at all) and its `v1,…` signature over the file's message.
    Accepted {
        /// The decoded key bytes, hex.
        key_hex: String,
        /// The signature header entry it made.
        signature: String,
    },
    /// Refused, with the Python exception's name.
    Refused {
        /// The exception's type name.
        error: String,
    },
}

impl Reading {
    /// Accepted with a non-empty key: a secret a receiver must read as the
    /// library does.
    pub fn has_key(&self) -> bool {
        matches!(self, Self::Accepted { key_hex, .. } if !key_hex.is_empty())
    }

    /// The decoded key (hex), when accepted.
    pub fn key_hex(&self) -> Option<&str> {
        match self {
            Self::Accepted { key_hex, .. } => Some(key_hex),
            Self::Refused { .. } => None,
        }
    }
}

#[derive(Deserialize)]
struct PythonFile {
    python: String,
    msg_id: String,
    timestamp: i64,
    body: String,
    libraries: BTreeMap<String, BTreeMap<String, RawReading>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReading {
    accepted: bool,
    key_hex: Option<String>,
    signature: Option<String>,
    error: Option<String>,
}

impl TryFrom<RawReading> for Reading {
    type Error = String;

    fn try_from(raw: RawReading) -> Result<Self, String> {
        match raw {
            RawReading {
                accepted: true,
                key_hex: Some(key_hex),
                signature: Some(signature),
                error: None,
            } => Ok(Self::Accepted { key_hex, signature }),
            RawReading {
                accepted: false,
                key_hex: None,
                signature: None,
                error: Some(error),
            } => Ok(Self::Refused { error }),
            _ => Err(
                "an accepted reading needs key_hex and signature, a refused one only error".into(),
            ),
        }
    }
}

impl PythonSecrets {
    /// The readings shipped in this repository ([`PYTHON_SECRETS_JSON`]).
    pub fn published() -> Result<Self, VectorsError> {
        Self::parse(PYTHON_SECRETS_JSON)
    }

    /// Parses a file with `python_secrets.py`'s layout. A reading that is
    /// neither a complete acceptance nor a refusal is an error.
    pub fn parse(text: &str) -> Result<Self, VectorsError> {
        let file: PythonFile = serde_json::from_str(text)?;
        let mut libraries = BTreeMap::new();
        for (library, secrets) in file.libraries {
            let mut readings = BTreeMap::new();
            for (secret, raw) in secrets {
                let reading = Reading::try_from(raw).map_err(|why| {
                    VectorsError::Inconsistent(format!("{library}, {secret:?}: {why}"))
                })?;
                readings.insert(secret, reading);
            }
            libraries.insert(library, readings);
        }
        Ok(Self {
            python: file.python,
            msg_id: file.msg_id,
            timestamp: file.timestamp,
            body: file.body,
            libraries,
        })
    }

    /// Whether any library accepts `secret` with a non-empty key.
    pub fn anyone_reads(&self, secret: &str) -> bool {
        self.libraries
            .values()
            .any(|readings| readings.get(secret).is_some_and(Reading::has_key))
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

    #[test]
    fn the_python_readings_parse_with_both_libraries_and_both_outcomes() {
        let p = PythonSecrets::published().unwrap();
        assert_eq!(p.libraries.len(), 2, "{:?}", p.libraries.keys());
        for (library, readings) in &p.libraries {
            assert!(readings.values().any(Reading::has_key), "{library}");
            assert!(
                readings
                    .values()
                    .any(|r| matches!(r, Reading::Refused { .. })),
                "{library}"
            );
        }
        let canonical = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        assert!(p.anyone_reads(canonical));
        assert!(!p.anyone_reads("whsec_abcde"));
        assert_eq!(
            p.libraries["standardwebhooks 1.3.0"][canonical].key_hex(),
            Some("31f290f6bf06298aab4f08d43c3f082cf648a362da2da4b0")
        );
    }

    #[test]
    fn a_reading_that_contradicts_itself_is_refused() {
        let file = |reading: &str| {
            format!(
                r#"{{"python": "3", "msg_id": "m", "timestamp": 1, "body": "{{}}",
                    "libraries": {{"lib 1": {{"whsec_x": {reading}}}}}}}"#
            )
        };
        assert!(PythonSecrets::parse(&file(r#"{"accepted": false, "error": "E"}"#)).is_ok());
        for bad in [
            r#"{"accepted": true, "key_hex": "00"}"#,
            r#"{"accepted": false, "key_hex": "00", "signature": "v1,x"}"#,
            r#"{"accepted": true, "key_hex": "00", "signature": "v1,x", "error": "E"}"#,
        ] {
            let err = PythonSecrets::parse(&file(bad)).unwrap_err();
            assert!(matches!(err, VectorsError::Inconsistent(_)), "{bad}: {err}");
        }
    }
}
