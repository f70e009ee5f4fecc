//! One delivery to make: its body, its fixed headers, and (signed) how to sign
//! each attempt — a sender signs every attempt with the attempt's time.

use std::sync::Arc;

use bytes::Bytes;
use hookgate::signing::HeaderFamily;
use hookgate::testing::SenderKey;

/// How a signed delivery is signed.
#[derive(Debug, Clone)]
pub struct Signing {
    /// The keys; one signature entry each.
    pub keys: Arc<Vec<SenderKey>>,
    /// Which header names.
    pub family: HeaderFamily,
    /// The message id, the same on every attempt.
    pub id: String,
}

/// A delivery: what every attempt sends.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Where.
    pub url: String,
    /// Headers sent as they are (for a byte-for-byte replay, all of them).
    pub headers: Vec<(String, String)>,
    /// Signature headers made per attempt, when signed.
    pub signing: Option<Signing>,
    /// The body.
    pub body: Bytes,
    /// A short name for output: the message id or the job id.
    pub label: String,
}

impl Outgoing {
    /// The headers of an attempt made at `now` (Unix seconds).
    pub fn headers_at(&self, now: i64) -> Vec<(String, String)> {
        let mut headers = self.headers.clone();
        if let Some(signing) = &self.signing {
            let [id_name, ts_name, sig_name] = signing.family.names();
            let sig = crate::sign::signature(&signing.keys, &signing.id, now, &self.body);
            headers.push((id_name.to_owned(), signing.id.clone()));
            headers.push((ts_name.to_owned(), now.to_string()));
            headers.push((sig_name.to_owned(), sig));
        }
        headers
    }
}
