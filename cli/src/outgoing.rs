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

impl Outgoing {
    /// The headers of an attempt made at `now` (Unix seconds).
    pub fn headers_at(&self, now: i64) -> Vec<(String, String)> {
        let mut headers = self.headers.clone();
        match &self.signing {
            None => {}
            Some(Signing::Standard { keys, family, id }) => {
                let [id_name, ts_name, sig_name] = family.names();
                let sig = crate::sign::signature(keys, id, now, &self.body);
                headers.push((id_name.to_owned(), id.clone()));
                headers.push((ts_name.to_owned(), now.to_string()));
                headers.push((sig_name.to_owned(), sig));
            }
            Some(Signing::GitHub {
                secret,
                delivery,
                event,
            }) => {
                headers.push(("X-GitHub-Delivery".to_owned(), delivery.clone()));
                headers.push(("X-GitHub-Event".to_owned(), event.clone()));
                headers.push((
                    "X-Hub-Signature-256".to_owned(),
                    github_signature(secret.as_bytes(), &self.body),
                ));
            }
            Some(Signing::Stripe { secret }) => headers.push((
                "Stripe-Signature".to_owned(),
                stripe_signature(secret.as_bytes(), now, &self.body),
            )),
        }
        headers
    }
}
