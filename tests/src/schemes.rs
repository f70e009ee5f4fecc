//! `WEBHOOK_SCHEME=github` and `=stripe`: deliveries signed as GitHub and
//! Stripe sign them (by `hookgate::testing`'s signers, at send time, so a
//! Stripe timestamp is fresh whenever the row runs), and the table's rows for
//! both schemes.

use bytes::Bytes;
use hookgate::testing::{github_signature, stripe_signature};
use serde_json::json;

use crate::contract::{case, env, events, events_are, exits, send, Case};
use crate::expect::Expect;
use crate::ids::{now_unix, unique_id};
use crate::request::{Req, Timestamp};

/// Which provider's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provider {
    /// `X-Hub-Signature-256: sha256=<hex>` over the raw body, with
    /// `X-GitHub-Delivery` (the dedupe key) and `X-GitHub-Event`.
    GitHub {
        /// The `X-GitHub-Delivery` value.
        delivery: String,
    },
    /// `Stripe-Signature: t=<unix>,v1=<hex>` over `<t>.<raw body>`.
    Stripe {
        /// The signed timestamp.
        timestamp: Timestamp,
    },
}

/// How a request is signed the way a provider signs it.
#[derive(Debug, Clone)]
pub struct ProviderSign {
    /// The provider.
    pub provider: Provider,
    /// The secret (GitHub's webhook secret; Stripe's whole `whsec_…` string).
    pub secret: String,
    /// When set, the signature is computed over this body instead of the one
    /// sent (a tampered body).
    pub signed_body: Option<Bytes>,
}

impl ProviderSign {
    /// GitHub's headers for delivery `delivery`, signed with `secret`.
    pub fn github(delivery: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            provider: Provider::GitHub {
                delivery: delivery.into(),
            },
            secret: secret.into(),
            signed_body: None,
        }
    }

    /// Stripe's header signed with `secret` now.
    pub fn stripe(secret: impl Into<String>) -> Self {
        Self {
            provider: Provider::Stripe {
                timestamp: Timestamp::FromNow(0),
            },
            secret: secret.into(),
            signed_body: None,
        }
    }

    /// The headers for `body`.
    pub(crate) fn headers(&self, body: &[u8]) -> Vec<(String, String)> {
        let signed = self.signed_body.as_deref().unwrap_or(body);
        match &self.provider {
            Provider::GitHub { delivery } => vec![
                ("x-github-delivery".to_owned(), delivery.clone()),
                ("x-github-event".to_owned(), "push".to_owned()),
                (
                    "x-hub-signature-256".to_owned(),
                    github_signature(&self.secret, signed),
                ),
            ],
            Provider::Stripe { timestamp } => {
                let t = match timestamp {
                    Timestamp::FromNow(d) => now_unix() + d,
                    Timestamp::At(t) => *t,
                };
                vec![(
                    "stripe-signature".to_owned(),
                    stripe_signature(&self.secret, t, signed),
                )]
            }
        }
    }
}

/// GitHub's documented example secret (spaces and an apostrophe included).
const GITHUB_SECRET: &str = "It's a Secret to Everybody";
/// The Stripe vectors' endpoint secret.
const STRIPE_SECRET: &str = "whsec_test_secret_for_hookgate_vectors";

/// `body` with one byte flipped (its middle one).
fn flipped(body: &Bytes) -> Bytes {
    let mut bytes = body.to_vec();
    let middle = bytes.len() / 2;
    if let Some(b) = bytes.get_mut(middle) {
        *b ^= 0x01;
    }
    Bytes::from(bytes)
}

/// The same request with a byte of its body flipped after signing.
fn tampered(req: &Req) -> Req {
    let mut req = req.clone();
    if let Some(sign) = &mut req.provider {
        sign.signed_body = Some(req.body.clone());
    }
    req.body = flipped(&req.body);
    req
}

/// The rows for `WEBHOOK_SCHEME=github` and `=stripe`.
pub fn scheme_cases() -> Vec<Case> {
    let mut cases = Vec::new();

    let delivery = unique_id("gh");
    let job = unique_id("job");
    let event = Req::job_event(&job, "Completed", json!({"user": "u1"}));
    let req = event
        .clone()
        .provider_signed(ProviderSign::github(delivery.clone(), GITHUB_SECRET));
    let other = event
        .clone()
        .provider_signed(ProviderSign::github(unique_id("gh"), GITHUB_SECRET));
    cases.push(case(
        "scheme_github",
        "CONTRACT WEBHOOK_SCHEME=github: X-Hub-Signature-256 verified, deduplicated by X-GitHub-Delivery, 401 otherwise",
        env(&[("WEBHOOK_SCHEME", "github"), ("WEBHOOK_SECRET", GITHUB_SECRET)]),
        vec![
            send(req.clone(), Expect::processed()),
            send(req.clone(), Expect::duplicate().retry_after(false)),
            send(tampered(&other), Expect::refused(401, "invalid_signature")),
            send(
                event.clone().provider_signed(ProviderSign::github(
                    unique_id("gh"),
                    "another secret",
                )),
                Expect::refused(401, "invalid_signature"),
            ),
            send(
                event.clone().header("x-github-delivery", unique_id("gh")),
                Expect::refused(401, "missing_signature"),
            ),
            events_are(vec![json!({
                "id": delivery, "job_id": job, "status": "Completed", "metadata": {"user": "u1"}
            })]),
        ],
    ));

    let evt = unique_id("evt");
    let job = unique_id("job");
    let body = json!({
        "id": evt, "object": "event", "type": "job.completed",
        "status": "Completed", "job_id": job, "metadata": {"user": "u2"}
    });
    let event = Req::json(&body);
    let req = event
        .clone()
        .provider_signed(ProviderSign::stripe(STRIPE_SECRET));
    let other = Req::json(&json!({
        "id": unique_id("evt"), "status": "Completed", "job_id": unique_id("job"), "metadata": {}
    }))
    .provider_signed(ProviderSign::stripe(STRIPE_SECRET));
    let stale = ProviderSign {
        provider: Provider::Stripe {
            timestamp: Timestamp::FromNow(-301),
        },
        ..ProviderSign::stripe(STRIPE_SECRET)
    };
    cases.push(case(
        "scheme_stripe",
        "CONTRACT WEBHOOK_SCHEME=stripe: Stripe-Signature verified within the tolerance, deduplicated by the body's id, 401 otherwise",
        env(&[("WEBHOOK_SCHEME", "stripe"), ("WEBHOOK_SECRET", STRIPE_SECRET)]),
        vec![
            send(req.clone(), Expect::processed()),
            // Signed again at send time (a retry): the same event id.
            send(req.clone(), Expect::duplicate().retry_after(false)),
            send(tampered(&other), Expect::refused(401, "invalid_signature")),
            send(
                other.clone().provider_signed(stale),
                Expect::refused(401, "timestamp_too_old"),
            ),
            send(
                other.clone().provider_signed(ProviderSign::stripe("whsec_another")),
                Expect::refused(401, "invalid_signature"),
            ),
            send(event, Expect::refused(401, "missing_signature")),
            events_are(vec![json!({
                "id": evt, "job_id": job, "status": "Completed", "metadata": {"user": "u2"}
            })]),
        ],
    ));

    cases.push(exits(
        "unknown_scheme_exits_2",
        "CONTRACT WEBHOOK_SCHEME unknown: clear error, exit code 2",
        env(&[
            ("WEBHOOK_SCHEME", "gitlab"),
            ("WEBHOOK_SECRET", GITHUB_SECRET),
        ]),
        "WEBHOOK_SCHEME",
    ));
    cases.push(exits(
        "scheme_in_direct_mode_exits_2",
        "CONTRACT WEBHOOK_SCHEME needs signed mode: exit code 2",
        env(&[
            ("WEBHOOK_MODE", "direct"),
            ("WEBHOOK_SCHEME", "github"),
            ("DIRECT_TOKEN", "tok"),
        ]),
        "WEBHOOK_SCHEME",
    ));
    // Nothing signed by another scheme gets through: a Standard Webhooks
    // receiver refuses a GitHub delivery.
    cases.push(case(
        "scheme_standard_refuses_github",
        "CONTRACT WEBHOOK_SCHEME=standard (default) ignores provider headers",
        env(&[("WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]),
        vec![
            send(
                Req::job_event(&unique_id("job"), "Completed", json!({}))
                    .provider_signed(ProviderSign::github(unique_id("gh"), GITHUB_SECRET)),
                Expect::refused(401, "missing_signature"),
            ),
            events(0),
        ],
    ));
    cases
}
