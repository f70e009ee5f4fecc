//! [`Webhook<E>`]: the data guard that reads the body (bounded), asks the core
//! to admit the delivery, and hands the route the typed event.

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use hookgate::adapter::{Admission, HandlerEnd, Inbound};
use hookgate::{Answer, Rejection};
use rocket::data::{self, Data, FromData, ToByteUnit};
use rocket::http::Status;
use rocket::outcome::Outcome;
use rocket::{Ignite, Request, Rocket, Sentinel};
use serde::de::DeserializeOwned;
use tracing::Instrument as _;

use crate::fairing::{Installed, NOT_ATTACHED};
use crate::headers::RocketHeaders;
use crate::renewal::Renewal;
use crate::responder::status_of;
use crate::stash::{Decision, Stash};

hookgate::__adapter_webhook! {
    /// An authenticated, checked, deduplicated delivery, typed as `E`.
    ///
    /// A data guard: take it as the route's `data` parameter on a rocket with
    /// [`WebhookFairing`](crate::WebhookFairing) attached. The route only runs for a
    /// fresh delivery; otherwise the guard fails and the fairing writes the core's
    /// answer (`401`/`403`/`404`/`400`/`413` refusals, `409`/`503` with
    /// `Retry-After`, `200 {"received": true, "duplicate": true}` for a processed
    /// duplicate).
    ///
    /// The body is read once, with Rocket's limit [`LIMIT_NAME`](crate::LIMIT_NAME)
    /// (default: the receiver's `max_body_bytes`). A declared `Content-Length`
    /// over the limit is refused before reading, and a body that streams past it
    /// is refused with `413`, never truncated. The client address is the
    /// connection's peer: Rocket's `ip_header` is not consulted, and
    /// `X-Forwarded-For` counts only from the receiver's trusted proxies.
    ///
    /// ```
    /// use hookgate_rocket::{JobEvent, Webhook};
    /// use rocket::{http::Status, post};
    ///
    /// #[post("/webhook/reducto", data = "<event>")]
    /// fn on_job(event: Webhook<JobEvent>) -> Status {
    ///     println!("job {} is {}", event.job_id, event.status.as_str());
    ///     Status::Ok
    /// }
    /// ```
}

/// A route taking `Webhook` on a rocket without the fairing does not launch.
/// (Routes that hide the type from Rocket's sentinel discovery, e.g. behind a
/// type alias, answer `500` instead; see the guard.)
impl<E> Sentinel for Webhook<E> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        let missing = rocket.state::<Installed>().is_none();
        if missing {
            tracing::error!("{NOT_ATTACHED}");
        }
        missing
    }
}

/// Written out rather than with `#[rocket::async_trait]`: the boxed future is
/// the guard's own (`admit`), not an outer `async` block holding it, which
/// would move the whole future (≈ 2 KiB: Rocket's body reader) into itself
/// once more per request (`loadbench/count.sh`).
impl<'r, E> FromData<'r> for Webhook<E>
where
    E: DeserializeOwned + Send + 'static,
{
    type Error = Answer;

    fn from_data<'life0, 'async_trait>(
        request: &'r Request<'life0>,
        data: Data<'r>,
    ) -> Pin<Box<dyn Future<Output = data::Outcome<'r, Self>> + Send + 'async_trait>>
    where
        'r: 'async_trait,
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        // observe: admission runs in the request's `hookgate.delivery` span.
        let stash = Stash::of(request);
        match stash.span() {
            Some(span) => Box::pin(admit(request, data, stash).instrument(span)),
            None => Box::pin(admit(request, data, stash)),
        }
    }
}

/// The guard's work: read the body, admit, parse.
async fn admit<'r, E>(
    request: &'r Request<'_>,
    data: Data<'r>,
    stash: &'r Stash,
) -> data::Outcome<'r, Webhook<E>>
where
    E: DeserializeOwned + Send + 'static,
{
    let Some(installed) = request.rocket().state::<Installed>() else {
        tracing::error!(uri = %request.uri(), "{NOT_ATTACHED}");
        return Outcome::Error(refuse(stash, Rejection::NotInstalled.into()));
    };
    let receiver = &installed.receiver;
    let limit = installed.limit(request);

    let headers = RocketHeaders::of_request(request);
    let declared = hookgate::adapter::declared_length(&headers);
    if let Err(outcome) = receiver.check_content_length_at(declared, limit) {
        return Outcome::Error(refuse(stash, outcome));
    }
    let body = match data.open(limit.bytes()).into_bytes().await {
        Ok(capped) if capped.is_complete() => Bytes::from(capped.into_inner()),
        Ok(_) => return Outcome::Error(refuse(stash, receiver.too_large_at(limit))),
        Err(error) => {
            tracing::debug!(%error, "hookgate: the request body could not be read");
            return Outcome::Error(refuse(stash, receiver.body_unreadable()));
        }
    };

    let inbound = Inbound {
        headers: &headers,
        body,
        peer: request.remote().map(|addr| addr.ip()),
    };
    match receiver.admit(inbound).await {
        Admission::Respond(outcome) => Outcome::Error(refuse(stash, outcome)),
        Admission::Proceed(delivery, claim) => match Webhook::<E>::parse(delivery) {
            Ok(webhook) => {
                let renewal = (!stash.is_bounded())
                    .then(|| Renewal::start(&claim, receiver.handler_deadline()));
                stash.admit(Decision::Admitted { claim, renewal });
                Outcome::Success(webhook)
            }
            Err(rejection) => {
                // Not processed (as a handler answering 400): the claim
                // is released so a fixed retry can be.
                let status = rejection.status().as_u16();
                let _released = claim.conclude(HandlerEnd::Status(status)).await;
                Outcome::Error(refuse(stash, rejection.into()))
            }
        },
    }
}

/// The guard's failure: the outcome's status and default answer (what a route
/// taking `Result<Webhook, Answer>` sees); the fairing writes the outcome
/// with its responder.
fn refuse(stash: &Stash, outcome: hookgate::Outcome) -> (Status, Answer) {
    let status = status_of(&outcome);
    if outcome.rejection().is_none() {
        // A success Rocket can only deliver as a failed guard: say so first,
        // so the log reads as what happened.
        tracing::info!(
            outcome = outcome.code(),
            status = status.code,
            "hookgate: {} delivery answered {} without running the route (Rocket logs the data guard as failed: that is how a guard stops a route)",
            outcome.code(),
            status.code,
        );
    }
    let answer = outcome.to_answer();
    stash.put(Decision::Refused(outcome));
    (status, answer)
}
