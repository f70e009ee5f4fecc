//! `hookgate replay`: re-send what `send --save` captured, byte for byte or
//! re-signed with a fresh timestamp (Standard Webhooks, GitHub, Stripe).

use std::sync::Arc;

use bytes::Bytes;
use hookgate::signing::HeaderFamily;
use hookgate::testing::SenderKey;

use crate::args::ReplayArgs;
use crate::capture;
use crate::deliver::Plan;
use crate::error::CliError;
use crate::input;
use crate::outgoing::{Outgoing, Signing};
use crate::send::{execute, finish};
use crate::sign::sender_keys;

/// Runs `hookgate replay`.
pub async fn run(args: &ReplayArgs, json_out: bool) -> Result<(), CliError> {
    let captures = capture::load(&args.from)?;
    let secret = if args.resign {
        Some(input::required_secret(&args.secret)?)
    } else {
        None
    };
    // Parsed once, when a Standard Webhooks capture is re-signed (a GitHub
    // or Stripe secret is not a `whsec_` key).
    let mut keys: Option<Arc<Vec<SenderKey>>> = None;
    let mut deliveries = Vec::with_capacity(captures.len());
    for captured in captures {
        let body = Bytes::from(captured.body_bytes()?);
        let url = args.url.clone().unwrap_or_else(|| captured.url.clone());
        let found = CapturedSignature::of(&captured.headers);
        let label = found
            .as_ref()
            .map_or_else(|| "direct".to_owned(), |f| f.label(&body));
        let (headers, signing) = match (&secret, found) {
            (Some(secret), Some(found)) => {
                let drop = found.header_names();
                let kept = captured
                    .headers
                    .into_iter()
                    .filter(|(n, _)| !drop.iter().any(|d| n.eq_ignore_ascii_case(d)))
                    .collect();
                let signing = match found {
                    CapturedSignature::Standard { family, id } => {
                        let keys = match &keys {
                            Some(keys) => Arc::clone(keys),
                            None => Arc::clone(keys.insert(Arc::new(sender_keys(secret)?))),
                        };
                        Signing::Standard { keys, family, id }
                    }
                    CapturedSignature::GitHub { delivery, event } => Signing::GitHub {
                        secret: secret.as_str().into(),
                        delivery,
                        event,
                    },
                    CapturedSignature::Stripe => Signing::Stripe {
                        secret: secret.as_str().into(),
                    },
                };
                (kept, Some(signing))
            }
            _ => (captured.headers, None),
        };
        deliveries.push(Outgoing {
            url,
            headers,
            signing,
            body,
            label,
        });
    }
    let plan = Plan {
        copies: 1,
        concurrency: 1,
        retry_delays: Vec::new(),
    };
    let outcomes = execute(deliveries, &plan, args.timeout, json_out).await?;
    finish(&outcomes, json_out)
}

/// The signature a captured delivery carries, as `replay --resign` makes it
/// again.
enum CapturedSignature {
    Standard { family: HeaderFamily, id: String },
    GitHub { delivery: String, event: String },
    Stripe,
}

impl CapturedSignature {
    fn of(headers: &[(String, String)]) -> Option<Self> {
        let value = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let standard = [HeaderFamily::Svix, HeaderFamily::StandardWebhooks]
            .into_iter()
            .find_map(|family| {
                let [id_name, ..] = family.names();
                value(id_name).map(|id| Self::Standard { family, id })
            });
        standard
            .or_else(|| {
                value("x-hub-signature-256")?;
                Some(Self::GitHub {
                    delivery: value("x-github-delivery")?,
                    event: value("x-github-event").unwrap_or_else(|| "ping".to_owned()),
                })
            })
            .or_else(|| value("stripe-signature").map(|_| Self::Stripe))
    }

    /// The headers the signing makes again.
    fn header_names(&self) -> Vec<&'static str> {
        match self {
            Self::Standard { family, .. } => family.names().to_vec(),
            Self::GitHub { .. } => {
                vec!["x-github-delivery", "x-github-event", "x-hub-signature-256"]
            }
            Self::Stripe => vec!["stripe-signature"],
        }
    }

    /// The delivery's name in the report: its id.
    fn label(&self, body: &[u8]) -> String {
        match self {
            Self::Standard { id, .. } => id.clone(),
            Self::GitHub { delivery, .. } => delivery.clone(),
            Self::Stripe => serde_json::from_slice::<serde_json::Value>(body)
                .ok()
                .and_then(|v| v.get("id")?.as_str().map(str::to_owned))
                .unwrap_or_else(|| "stripe".to_owned()),
        }
    }
}
