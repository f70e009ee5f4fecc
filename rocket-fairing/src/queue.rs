//! Queue mode with Rocket: a ready route for the webhook path (no handler of
//! its own: every delivery is answered by the core — `202` queued, `200`
//! duplicate, a refusal, or `503`) and the one call that starts the workers
//! with the app's handler.

use hookgate::queue::{QueueError, QueueHandler, Workers};
use hookgate::{Receiver, Rejection};
use rocket::data::FromData;
use rocket::http::Method;
use rocket::outcome::Outcome;
use rocket::route::{self, Handler, Route};
use rocket::{Build, Data, Request, Rocket};
use serde::de::{DeserializeOwned, IgnoredAny};

use crate::config_error::ConfigError;
use crate::guard::Webhook;
use crate::responder::AnswerResponder;

/// The routes to mount at the webhook path for a receiver built in queue mode
/// ([`ReceiverBuilder::queue`](hookgate::ReceiverBuilder::queue)) and
/// installed with a [`WebhookFairing`](crate::WebhookFairing): `POST` at the
/// mount point. Start the handler's workers with [`start_workers`].
///
/// ```
/// use hookgate_rocket::hookgate::queue::{MemoryQueue, QueueConfig};
/// use hookgate_rocket::{queue_route, Receiver, WebhookFairing};
///
/// let receiver = Receiver::builder()
///     .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
///     .queue(QueueConfig::new(MemoryQueue::new()).allow_volatile(true))
///     .build()
///     .unwrap();
/// let rocket = rocket::build()
///     .attach(WebhookFairing::new(receiver))
///     .mount("/webhook", queue_route());
/// # let _ = rocket;
/// ```
///
/// A rocket that mounts it over a receiver not in queue mode does not launch
/// ([`ConfigError::QueueRouteWithoutQueueMode`]): the route has no handler of
/// its own, so every delivery would fail.
pub fn queue_route() -> Vec<Route> {
    let mut route = Route::new(Method::Post, "/", QueueRoute);
    route.name = Some(ROUTE_NAME.into());
    vec![route]
}

/// The queue route's name, by which the fairing finds it at ignition.
const ROUTE_NAME: &str = "hookgate_rocket::queue_route";

/// Refuses a queue route mounted over a receiver not in queue mode.
pub(crate) fn check_mounted(
    rocket: &Rocket<Build>,
    receiver: &Receiver,
) -> Result<(), ConfigError> {
    if receiver.queue_mode() {
        return Ok(());
    }
    match rocket
        .routes()
        .find(|route| route.name.as_deref() == Some(ROUTE_NAME))
    {
        Some(route) => Err(ConfigError::QueueRouteWithoutQueueMode {
            uri: route.uri.to_string(),
        }),
        None => Ok(()),
    }
}

/// Admits through the [`Webhook`] guard and answers what the core decided.
#[derive(Clone, Copy)]
struct QueueRoute;

#[rocket::async_trait]
impl Handler for QueueRoute {
    async fn handle<'r>(&self, request: &'r Request<'_>, data: Data<'r>) -> route::Outcome<'r> {
        let answer = match Webhook::<IgnoredAny>::from_data(request, data).await {
            Outcome::Error((_, answer)) => answer,
            // Never reached: queue mode answers every delivery itself, and
            // a rocket mounting this route over another receiver does not
            // launch (`check_mounted`). Answers 500 should that ever change.
            Outcome::Success(_) | Outcome::Forward(_) => Rejection::NotInstalled.to_answer(),
        };
        route::Outcome::from(request, AnswerResponder(answer))
    }
}

/// Starts the queue's workers in this process with the app's handler (see
/// [`Receiver::start_workers`]). Keep the returned [`Workers`] and shut them
/// down with the server.
pub fn start_workers<E, H>(receiver: &Receiver, handler: H) -> Result<Workers, QueueError>
where
    E: DeserializeOwned + Send + 'static,
    H: QueueHandler<E>,
{
    receiver.start_workers(handler)
}
