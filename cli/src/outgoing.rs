//! One delivery to make: its body, its fixed headers, and (signed) how to sign
//! each attempt — a sender signs every attempt with the attempt's time
//! (Standard Webhooks, GitHub or Stripe).

use std::sync::Arc;

use bytes::Bytes;
use hookgate::signing::HeaderFamily;
use hookgate::testing::{github_signature, stripe_signature, SenderKey};

/// How a signed delivery is signed, each attempt with the attempt's time.
#[derive(Debug, Clone)]
pub enum Signing {
    /// Standard Webhooks / Svix.
    Standard {
        /// The keys; one signature entry each.
        keys: Arc<Vec<SenderKey>>,
        /// Which header names.
        family: HeaderFamily,
        /// The message id, the same on every attempt.
        id: String,
    },
    /// GitHub (no timestamp: every attempt carries the same signature).
    GitHub {
        /// The webhook's secret.
        secret: Arc<str>,
        /// `X-GitHub-Delivery`, the same on every attempt.
        delivery: String,
        /// `X-GitHub-Event`.
        event: String,
    },
    /// Stripe; the event id is the body's `id`.
    Stripe {
        /// The endpoint's secret.
        secret: Arc<str>,
    },
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

impl Signing {
    /// The same signing for the delivery `id` (Standard Webhooks' message
    /// id, GitHub's delivery id; Stripe's is in the body).
    pub fn with_id(&self, id: &str) -> Self {
        let mut signing = self.clone();
        match &mut signing {
            Self::Standard { id: mine, .. } | Self::GitHub { delivery: mine, .. } => {
                id.clone_into(mine);
            }
            Self::Stripe { .. } => {}
        }
        signing
    }

    /// The signature headers of `body` signed at `now` (Unix seconds).
    pub fn headers(&self, body: &[u8], now: i64) -> Vec<(&'static str, String)> {
        match self {
            Self::Standard { keys, family, id } => {
                let [id_name, ts_name, sig_name] = family.names();
                vec![
                    (id_name, id.clone()),
                    (ts_name, now.to_string()),
                    (sig_name, crate::sign::signature(keys, id, now, body)),
                ]
            }
            Self::GitHub {
                secret,
                delivery,
                event,
            } => vec![
                ("X-GitHub-Delivery", delivery.clone()),
                ("X-GitHub-Event", event.clone()),
                (
                    "X-Hub-Signature-256",
                    github_signature(secret.as_bytes(), body),
                ),
            ],
            Self::Stripe { secret } => vec![(
                "Stripe-Signature",
                stripe_signature(secret.as_bytes(), now, body),
            )],
        }
    }
}

impl Outgoing {
    /// The headers of an attempt made at `now` (Unix seconds).
    pub fn headers_at(&self, now: i64) -> Vec<(String, String)> {
        let mut headers = self.headers.clone();
        if let Some(signing) = &self.signing {
            headers.extend(
                signing
                    .headers(&self.body, now)
                    .into_iter()
                    .map(|(n, v)| (n.to_owned(), v)),
            );
        }
        headers
    }
}
