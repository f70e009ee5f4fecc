//! [`Webhook<E>`]: the data guard that reads the body (bounded), asks the core
//! to admit the delivery, and hands the route the typed event.

use std::ops::{Deref, DerefMut};

use bytes::Bytes;
use hookgate::{Admission, Answer, Delivery, Inbound, JobEvent, Rejection};
use rocket::data::{self, Data, FromData, ToByteUnit};
use rocket::http::Status;
use rocket::outcome::Outcome;
use rocket::{Ignite, Request, Rocket, Sentinel};
use serde::de::DeserializeOwned;

use crate::answer;
use crate::fairing::{Installed, NOT_ATTACHED};
use crate::headers::RocketHeaders;
use crate::limit;
use crate::renewal::Renewal;
use crate::stash::{Decision, Stash};

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
#[derive(Debug, Clone)]
pub struct Webhook<E = JobEvent> {
    /// The typed event (in direct mode with a token check, without the token).
    pub event: E,
    /// What hookgate established about the delivery, and the raw body.
    pub delivery: Delivery,
}

impl<E> Webhook<E> {
    /// The event and the delivery facts.
    pub fn into_parts(self) -> (E, Delivery) {
        (self.event, self.delivery)
    }
}

impl<E> Deref for Webhook<E> {
    type Target = E;

    fn deref(&self) -> &E {
        &self.event
    }
}

impl<E> DerefMut for Webhook<E> {
    fn deref_mut(&mut self) -> &mut E {
        &mut self.event
    }
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

#[rocket::async_trait]
impl<'r, E> FromData<'r> for Webhook<E>
where
    E: DeserializeOwned + Send + 'static,
{
    type Error = Answer;

    async fn from_data(request: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        let stash = Stash::of(request);
        let Some(installed) = request.rocket().state::<Installed>() else {
            tracing::error!(uri = %request.uri(), "{NOT_ATTACHED}");
            return Outcome::Error(refuse(stash, Rejection::NotInstalled.to_answer()));
        };
        let receiver = &installed.receiver;
        let limit = limit::effective(request.limits(), receiver.max_body_bytes());

        let headers = RocketHeaders(request.headers());
        let declared = hookgate::declared_length(&headers);
        if let Err(answer) = receiver.check_content_length_at(declared, limit) {
            return Outcome::Error(refuse(stash, answer));
        }
        let body = match data.open(limit.bytes()).into_bytes().await {
            Ok(capped) if capped.is_complete() => Bytes::from(capped.into_inner()),
            Ok(_) => return Outcome::Error(refuse(stash, receiver.too_large_at(limit))),
            Err(error) => {
                tracing::debug!(%error, "hookgate: the request body could not be read");
                return Outcome::Error(refuse(stash, Rejection::BodyUnreadable.to_answer()));
            }
        };

        let inbound = Inbound {
            headers: &headers,
            body,
            peer: request.remote().map(|addr| addr.ip()),
        };
        match receiver.admit(inbound).await {
            Admission::Respond(answer) => Outcome::Error(refuse(stash, answer)),
            Admission::Proceed(delivery, claim) => match delivery.event::<E>() {
                Ok(event) => {
                    let renewal = (!stash.is_bounded())
                        .then(|| Renewal::start(&claim, receiver.handler_deadline()));
                    stash.admit(Decision::Admitted { claim, renewal });
                    Outcome::Success(Webhook { event, delivery })
                }
                Err(rejection) => {
                    // Not processed: release the claim so a fixed retry can be.
                    if let Err(answer) = claim.settle(false).await {
                        tracing::warn!(
                            status = answer.status().as_u16(),
                            "hookgate: releasing the claim of a malformed payload failed"
                        );
                    }
                    Outcome::Error(refuse(stash, rejection.to_answer()))
                }
            },
        }
    }
}

/// The guard's failure: the answer's status; the fairing writes the answer.
fn refuse(stash: &Stash, answer: Answer) -> (Status, Answer) {
    let status = answer::status_of(&answer);
    stash.put(Decision::Refused(answer.clone()));
    (status, answer)
}
