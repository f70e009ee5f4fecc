//! [`WebhookFairing`]: installs the receiver when the rocket ignites, and in
//! `on_response` settles each admitted delivery's claim from the route's final
//! status and writes the answers the [`Webhook`](crate::Webhook) guard decided.

use std::sync::{Arc, OnceLock};

use hookgate::adapter::{Conclusion, HandlerEnd};
use hookgate::Receiver;
use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::{Build, Request, Response, Rocket};
use tracing::Instrument as _;

use crate::responder::{self, JsonResponder, Responder};
use crate::stash::{Decision, Stash};
use crate::{limit, queue};

/// The receiver as the fairing installed it: what the guard looks for.
#[derive(Debug)]
pub(crate) struct Installed {
    pub(crate) receiver: Receiver,
    /// The body limit of every request of this rocket: Rocket's limits are
    /// fixed once it has ignited (`Request::limits` is the rocket's config),
    /// so the named limit is looked up on the first request only (the look-up
    /// costs ≈ 350 instructions a delivery, `loadbench/count.sh`).
    limit: OnceLock<usize>,
}

impl Installed {
    /// The body limit for `request`: `limits.webhook`, never above the
    /// receiver's `max_body_bytes`.
    pub(crate) fn limit(&self, request: &Request<'_>) -> usize {
        *self
            .limit
            .get_or_init(|| limit::effective(request.limits(), self.receiver.max_body_bytes()))
    }
}

/// What the log says when a [`Webhook`](crate::Webhook) guard finds no fairing.
pub(crate) const NOT_ATTACHED: &str = "hookgate: a `Webhook` data guard is mounted but `WebhookFairing` is not attached; attach it: `rocket::build().attach(WebhookFairing::new(receiver))`";

/// The Rocket plug of hookgate. Attach it once; routes then take a
/// [`Webhook<E>`](crate::Webhook) data guard.
///
/// * **On ignite** it checks the configuration (the `webhook` limit, see
///   [`LIMIT_NAME`](crate::LIMIT_NAME)) so a mistake fails the launch, and
///   installs the receiver as managed state. Unless the app already manages a
///   [`Receiver`], routes can also take `&State<Receiver>` (for
///   [`Receiver::register_job`]).
/// * **On response** it writes what the guard decided without calling the
///   route (refusals as `{"error", "code"}` JSON, `200 {"received": true,
///   "duplicate": true}` for a processed duplicate, `Retry-After` on 409 and
///   503), and settles the claim of an admitted delivery from the route's
///   final status, by the core's one rule
///   ([`Claim::conclude`](hookgate::adapter::Claim::conclude)): 2xx marks it
///   done; anything else (an error status, a failed responder, a panic, which
///   Rocket turns into 500) releases it so the sender's retry is processed.
///   When the done marker cannot be written, the route's answer is replaced
///   by a `503` so the sender retries.
/// * Everything hookgate answers itself goes through the fairing's
///   [`Responder`] (default: the core's JSON) with its typed
///   [`Outcome`](hookgate::Outcome).
///
/// ```
/// use hookgate_rocket::{Receiver, WebhookFairing};
///
/// let receiver = Receiver::builder()
///     .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
///     .build()
///     .unwrap();
/// let rocket = rocket::build().attach(WebhookFairing::new(receiver));
/// # drop(rocket);
/// ```
#[derive(Clone)]
pub struct WebhookFairing {
    receiver: Receiver,
    responder: Arc<dyn Responder>,
}

impl std::fmt::Debug for WebhookFairing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookFairing")
            .field("receiver", &self.receiver)
            .finish_non_exhaustive()
    }
}

impl WebhookFairing {
    /// A fairing guarding routes with `receiver`, answering with the core's
    /// JSON.
    pub fn new(receiver: Receiver) -> Self {
        Self {
            receiver,
            responder: Arc::new(JsonResponder),
        }
    }

    /// Answers with `responder` instead of the core's JSON (refusals,
    /// duplicates, queued deliveries, 503s).
    pub fn responder(mut self, responder: impl Responder) -> Self {
        self.responder = Arc::new(responder);
        self
    }

    /// The receiver this fairing installs.
    pub fn receiver(&self) -> &Receiver {
        &self.receiver
    }
}

#[rocket::async_trait]
impl Fairing for WebhookFairing {
    fn info(&self) -> Info {
        Info {
            name: "hookgate",
            kind: Kind::Ignite | Kind::Response | Kind::Singleton,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        let checked = limit::check(rocket.figment(), self.receiver.max_body_bytes())
            .and_then(|()| queue::check_mounted(&rocket, &self.receiver));
        if let Err(error) = checked {
            tracing::error!("hookgate: {error}");
            return Err(rocket);
        }
        let rocket = rocket.manage(Installed {
            receiver: self.receiver.clone(),
            limit: OnceLock::new(),
        });
        if rocket.state::<Receiver>().is_some() {
            tracing::debug!("hookgate: the app manages its own `Receiver`; leaving it in place");
            Ok(rocket)
        } else {
            Ok(rocket.manage(self.receiver.clone()))
        }
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        let stash = Stash::of(request);
        let Some(decision) = stash.take() else {
            return;
        };
        match decision {
            Decision::Refused(outcome) => {
                // A catcher answered the failed guard: give it the core's body.
                // A route that took `Option<Webhook>` / `Result<Webhook, _>`
                // and answered otherwise keeps its own answer.
                if response.status() == responder::status_of(&outcome) {
                    responder::replace(response, &*self.responder, &outcome);
                }
            }
            Decision::Admitted { claim, renewal } => {
                drop(renewal);
                let end = HandlerEnd::Status(response.status().code);
                // observe: concluded in the request's `hookgate.delivery` span.
                let conclusion = match stash.span() {
                    Some(span) => claim.conclude(end).instrument(span).await,
                    None => claim.conclude(end).await,
                };
                if let Conclusion::Replace(outcome) = conclusion {
                    responder::replace(response, &*self.responder, &outcome);
                }
            }
        }
    }
}
