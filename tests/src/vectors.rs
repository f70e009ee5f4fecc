//! The shared signature test vectors (`shared/vectors/signatures.json`, beside
//! the repository), read at run time.

use std::path::PathBuf;

use serde_json::Value;

/// Why the vectors could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum VectorsError {
    /// The file could not be read.
    #[error(
        "cannot read the signature vectors at {path}: {source} (set HOOKGATE_VECTORS to the file)"
    )]
    Read {
        /// Where it was looked for.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not the expected JSON.
    #[error("the signature vectors at {path} are malformed: {what}")]
    Malformed {
        /// Where it was read.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
}

/// One signed vector: the header value must verify for these inputs.
#[derive(Debug, Clone)]
pub struct SignedVector {
    /// Where the vector comes from.
    pub source: String,
    /// The secret to configure: `whsec_…`, or the `whpk_…` public key for `v1a`.
    pub verify_key: String,
    /// The message id.
    pub id: String,
    /// The signed timestamp.
    pub timestamp: i64,
    /// The raw body.
    pub body: String,
    /// The signature header value.
    pub signature: String,
}

/// The vectors this crate uses.
#[derive(Debug, Clone)]
pub struct Vectors {
    /// Signatures that must verify.
    pub signed: Vec<SignedVector>,
    /// Header values (with `<valid>` standing for the first vector's valid
    /// signature) that must verify.
    pub several_must_pass: Vec<String>,
    /// Header values that must be refused.
    pub several_must_fail: Vec<String>,
    /// Header values refused for the first vector's inputs.
    pub rejected_signatures: Vec<String>,
    /// Secrets a receiver must refuse to start with.
    pub rejected_secrets: Vec<String>,
}

/// Where the vectors file is: `HOOKGATE_VECTORS`, or `shared/vectors/signatures.json`
/// beside the repository.
pub fn vectors_path() -> PathBuf {
    match std::env::var_os("HOOKGATE_VECTORS") {
        Some(p) => PathBuf::from(p),
        None => {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors/signatures.json")
        }
    }
}

impl Vectors {
    /// Loads the vectors from [`vectors_path`].
    pub fn load() -> Result<Self, VectorsError> {
        let path = vectors_path();
        let text = std::fs::read_to_string(&path).map_err(|source| VectorsError::Read {
            path: path.clone(),
            source,
        })?;
        Self::parse(&text).map_err(|what| VectorsError::Malformed { path, what })
    }

    /// Parses the vectors file's text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let strs = |v: &Value, what: &str| -> Result<Vec<String>, String> {
            v.as_array()
                .ok_or_else(|| format!("`{what}` is not an array"))?
                .iter()
                .map(|s| {
                    s.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| format!("`{what}` holds a non-string"))
                })
                .collect()
        };
        let field = |v: &Value, name: &str| -> Result<String, String> {
            v[name]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("a signed vector lacks `{name}`"))
        };
        let mut signed = Vec::new();
        for s in v["signed"].as_array().ok_or("`signed` is not an array")? {
            let verify_key = match s.get("public_key").and_then(Value::as_str) {
                Some(pk) => pk.to_owned(),
                None => field(s, "secret")?,
            };
            signed.push(SignedVector {
                source: field(s, "source")?,
                verify_key,
                id: field(s, "id")?,
                timestamp: s["timestamp"]
                    .as_i64()
                    .ok_or("a signed vector lacks `timestamp`")?,
                body: field(s, "body")?,
                signature: field(s, "signature")?,
            });
        }
        if signed.is_empty() {
            return Err("no signed vectors".into());
        }
        Ok(Self {
            signed,
            several_must_pass: strs(&v["several_signatures"]["must_pass"], "must_pass")?,
            several_must_fail: strs(&v["several_signatures"]["must_fail"], "must_fail")?,
            rejected_signatures: strs(&v["rejected_signatures"]["values"], "values")?,
            rejected_secrets: strs(&v["rejected_secrets"], "rejected_secrets")?,
        })
    }
}
