//! Deliveries built the way a sender makes them, for an app's own tests
//! (feature `testing`): signed (`v1` with a `whsec_` secret, `v1a` with a
//! `whsk_` key, several at once during rotation) or direct (unsigned, with a
//! token in `metadata`), with a fixed timestamp and a chosen message id; and
//! stores that fail on purpose ([`DownStore`], [`NoCompleteStore`]), to test
//! what the app answers when its store goes away. With feature `github` or
//! `stripe`, the providers' signature headers too (`github_signature`,
//! `stripe_signature`, `stripe_signature_by`).
//!
//! ```
//! use hookgate::testing::TestDelivery;
//! use hookgate::{Receiver};
//! use hookgate::adapter::{Admission, Inbound};
//! use hookgate::clock::FixedClock;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
//! let receiver = Receiver::builder()
//!     .secret(SECRET)
//!     .clock(FixedClock::new(1_700_000_000))
//!     .build()
//!     .unwrap();
//! let delivery = TestDelivery::signed(SECRET)
//!     .id("msg_1")
//!     .at(1_700_000_000)
//!     .event("job_1", "Completed")
//!     .build();
//! let headers = delivery.header_list();
//! let inbound = Inbound { headers: &headers, body: delivery.body.clone(), peer: None };
//! assert!(matches!(receiver.admit(inbound).await, Admission::Proceed(..)));
//! # }
//! ```

#[cfg(any(feature = "github", feature = "stripe"))]
mod providers;
mod stores;

#[cfg(feature = "github")]
pub use providers::github_signature;
#[cfg(feature = "stripe")]
pub use providers::{stripe_signature, stripe_signature_by};
pub use stores::{DownStore, InjectedFault, NoCompleteStore};

use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use serde::Serialize;

use crate::clock::{Clock, SystemClock};
use crate::direct::DEFAULT_TOKEN_FIELD;
use crate::event::Metadata;
use crate::headers::HeaderList;
use crate::secret::{Secret, SecretError, SigningKey};
use crate::signature::HeaderFamily;

/// A key a sender signs with: an HMAC secret (`v1`) or an ed25519 signing key
/// (`v1a`).
#[derive(Clone, Debug)]
pub enum SenderKey {
    /// `whsec_…`: `v1` signatures.
    Hmac(Secret),
    /// `whsk_…`: `v1a` signatures.
    Ed25519(SigningKey),
}

impl SenderKey {
    /// Parses a sender's key by its prefix: `whsk_` is an ed25519 signing key,
    /// anything else an HMAC secret (`whsec_…` or bare base64).
    ///
    /// ```
    /// use hookgate::testing::SenderKey;
    /// let key = SenderKey::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    /// assert!(key.sign("msg_1", 1, b"{}").starts_with("v1,"));
    /// assert!(SenderKey::parse("whsec_").is_err());
    /// ```
    pub fn parse(value: &str) -> Result<Self, SecretError> {
        if value.trim().starts_with("whsk_") {
            SigningKey::parse(value).map(Self::Ed25519)
        } else {
            Secret::parse(value).map(Self::Hmac)
        }
    }

    /// The signature header entry (`v1,…` or `v1a,…`) over `{id}.{timestamp}.{body}`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        match self {
            Self::Hmac(secret) => secret.sign(id, timestamp, body),
            Self::Ed25519(key) => key.sign(id, timestamp, body),
        }
    }
}

impl From<Secret> for SenderKey {
    fn from(secret: Secret) -> Self {
        Self::Hmac(secret)
    }
}

impl From<SigningKey> for SenderKey {
    fn from(key: SigningKey) -> Self {
        Self::Ed25519(key)
    }
}

/// The Reducto job event a delivery carries unless a raw body is set.
#[derive(Clone, Debug)]
struct EventParts {
    job_id: String,
    status: String,
    metadata: Metadata,
    token: Option<String>,
}

/// A delivery to build: who signs it (nobody for direct mode), as which
/// message, when, and what body. [`build`](Self::build) makes the headers and
/// the body.
///
/// Defaults: a unique message id (`msg_test_…`), the current time, the
/// `svix-*` header names, and the event `{"job_id":"job_test","metadata":{},"status":"Completed"}`.
#[derive(Clone, Debug)]
pub struct TestDelivery {
    keys: Vec<SenderKey>,
    family: HeaderFamily,
    id: Option<String>,
    timestamp: Option<i64>,
    event: EventParts,
    raw: Option<Bytes>,
}

impl TestDelivery {
    /// A delivery signed with `key` (`whsec_…` → `v1`, `whsk_…` → `v1a`).
    ///
    /// # Panics
    ///
    /// When `key` is malformed (a test fixture mistake); use
    /// [`signed_with`](Self::signed_with) with a parsed [`SenderKey`] to
    /// handle the error instead.
    pub fn signed(key: &str) -> Self {
        Self::signed_with(parse_or_panic(key))
    }

    /// A delivery signed with an already parsed key.
    pub fn signed_with(key: impl Into<SenderKey>) -> Self {
        Self {
            keys: vec![key.into()],
            ..Self::direct()
        }
    }

    /// An unsigned (direct-mode) delivery: no signature headers; add a
    /// [`token`](Self::token) when the receiver checks one.
    pub fn direct() -> Self {
        Self {
            keys: Vec::new(),
            family: HeaderFamily::Svix,
            id: None,
            timestamp: None,
            event: EventParts {
                job_id: "job_test".to_owned(),
                status: "Completed".to_owned(),
                metadata: Metadata::new(),
                token: None,
            },
            raw: None,
        }
    }

    /// Signs with one more key too: the signature header carries one entry per
    /// key, as a sender rotating its secret sends.
    ///
    /// # Panics
    ///
    /// When `key` is malformed.
    pub fn also_signed_with(mut self, key: &str) -> Self {
        self.keys.push(parse_or_panic(key));
        self
    }

    /// The message id (`svix-id` / `webhook-id`).
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// The signing time in Unix seconds (a fixed clock), instead of now.
    pub fn at(mut self, unix_secs: i64) -> Self {
        self.timestamp = Some(unix_secs);
        self
    }

    /// The signing time read from `clock` (e.g. the [`FixedClock`](crate::clock::FixedClock)
    /// the receiver under test uses).
    pub fn at_clock(self, clock: &dyn Clock) -> Self {
        self.at(clock.now_unix())
    }

    /// Which header names to send (`svix-*` by default).
    pub fn family(mut self, family: HeaderFamily) -> Self {
        self.family = family;
        self
    }

    /// A Reducto job event with this job id and status (`"Completed"`,
    /// `"failed"`, …). Replaces a raw body set before.
    pub fn event(mut self, job_id: impl Into<String>, status: impl Into<String>) -> Self {
        self.event.job_id = job_id.into();
        self.event.status = status.into();
        self.raw = None;
        self
    }

    /// One `metadata` entry of the job event (not used with a raw body).
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {
        self.event.metadata.insert(key.into(), value.into());
        self
    }

    /// The direct-mode token, sent in `metadata.webhook_secret` of the job
    /// event (not inserted into a raw body).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.event.token = Some(token.into());
        self
    }

    /// The body, byte for byte, instead of the job event.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.raw = Some(body.into());
        self
    }

    /// The body as the compact JSON of `value`.
    ///
    /// # Panics
    ///
    /// When `value` cannot be serialized to JSON (a map with non-string keys).
    pub fn json<T: Serialize + ?Sized>(self, value: &T) -> Self {
        let body = serde_json::to_vec(value)
            .unwrap_or_else(|e| panic!("the test body cannot be serialized to JSON: {e}"));
        self.body(body)
    }

    /// The headers and body a sender would send.
    pub fn build(&self) -> BuiltDelivery {
        let body = match &self.raw {
            Some(bytes) => bytes.clone(),
            None => {
                let EventParts {
                    job_id,
                    status,
                    metadata,
                    token,
                } = &self.event;
                let mut metadata = metadata.clone();
                if let Some(token) = token {
                    metadata.insert(DEFAULT_TOKEN_FIELD.to_owned(), token.clone().into());
                }
                let event = serde_json::json!({
                    "status": status,
                    "job_id": job_id,
                    "metadata": metadata,
                });
                Bytes::from(event.to_string())
            }
        };
        let mut headers = vec![("content-type", "application/json".to_owned())];
        let (mut message_id, mut timestamp) = (None, None);
        if !self.keys.is_empty() {
            let id = self.id.clone().unwrap_or_else(unique_id);
            let ts = self.timestamp.unwrap_or_else(|| SystemClock.now_unix());
            let signature = self
                .keys
                .iter()
                .map(|key| key.sign(&id, ts, &body))
                .collect::<Vec<_>>()
                .join(" ");
            let [id_name, ts_name, sig_name] = self.family.names();
            headers.push((id_name, id.clone()));
            headers.push((ts_name, ts.to_string()));
            headers.push((sig_name, signature));
            message_id = Some(id);
            timestamp = Some(ts);
        }
        BuiltDelivery {
            headers,
            body,
            message_id,
            timestamp,
        }
    }
}

fn parse_or_panic(key: &str) -> SenderKey {
    SenderKey::parse(key).unwrap_or_else(|e| panic!("the test signing key is malformed: {e}"))
}

/// A message id no other call in this process returns.
fn unique_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "msg_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A delivery as a sender sends it: header (name, value) pairs, names
/// lower-case, and the body. The adapters' `testing` modules turn it into
/// their framework's test request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuiltDelivery {
    /// `content-type`, then (signed) the id, timestamp and signature headers.
    pub headers: Vec<(&'static str, String)>,
    /// The body, exactly as signed.
    pub body: Bytes,
    /// The message id (signed deliveries).
    pub message_id: Option<String>,
    /// The signing time (signed deliveries).
    pub timestamp: Option<i64>,
}

impl BuiltDelivery {
    /// The value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The headers as a [`HeaderList`], for [`Receiver::admit`](crate::Receiver::admit).
    pub fn header_list(&self) -> HeaderList {
        self.headers
            .iter()
            .fold(HeaderList::new(), |list, (name, value)| {
                list.with(name, value)
            })
    }
}

#[cfg(test)]
mod tests;
