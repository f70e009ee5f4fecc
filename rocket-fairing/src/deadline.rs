//! The receiver's handler deadline for Rocket routes, opt-in per mount.
//!
//! A fairing cannot cancel a running route, but a route's handler is a future
//! Rocket awaits: [`with_deadline`] wraps the handlers of the given routes so
//! that, once the [`Webhook`](crate::Webhook) guard has admitted a delivery,
//! the route gets the receiver's
//! [handler deadline](hookgate::ReceiverBuilder::handler_deadline) to finish.
//! Past it the route's future is dropped (cancelled at its next `.await`, as
//! the tower and actix adapters do), the claim is released, and the answer is
//! `503 {"code": "handler_timeout"}` with `Retry-After`.

use rocket::data::Data;
use rocket::route::{self, Handler, Route};
use rocket::Request;
use tracing::Instrument as _;

use crate::fairing::Installed;
use crate::stash::{Decision, Stash};

/// Enforces the receiver's handler deadline on `routes` (the output of
/// `routes![…]`), cancelling a route that runs past it.
///
/// Routes mounted without it are not cancelled; their claim is kept alive
/// while they run instead (see the [crate docs](crate#a-slow-route-keeps-its-claim)).
/// Routes without a [`Webhook`](crate::Webhook) guard are unaffected: the
/// deadline starts only when a delivery is admitted.
///
/// ```
/// use hookgate_rocket::{with_deadline, Webhook};
/// use rocket::{http::Status, post, routes};
///
/// #[post("/webhook/reducto", data = "<event>")]
/// async fn on_job(event: Webhook) -> Status {
///     Status::Ok
/// }
///
/// let rocket = rocket::build().mount("/", with_deadline(routes![on_job]));
/// # drop(rocket);
/// ```
pub fn with_deadline(routes: Vec<Route>) -> Vec<Route> {
    routes
        .into_iter()
        .map(|mut route| {
            let inner = route.handler.clone();
            route.handler = Box::new(Deadline { inner });
            route
        })
        .collect()
}

/// A route handler bounded by the receiver's handler deadline.
#[derive(Clone)]
struct Deadline {
    inner: Box<dyn Handler>,
}

#[rocket::async_trait]
impl Handler for Deadline {
    async fn handle<'r>(&self, request: &'r Request<'_>, data: Data<'r>) -> route::Outcome<'r> {
        let Some(installed) = request.rocket().state::<Installed>() else {
            // The guard answers the missing fairing itself.
            return self.inner.handle(request, data).await;
        };
        let receiver = &installed.receiver;
        let stash = Stash::of(request);
        stash.set_bounded(true);
        let deadline = async {
            stash.admitted().await;
            tokio::time::sleep(receiver.handler_deadline()).await;
        };
        // observe: the route (its guard and the app's handler) runs in the
        // request's `hookgate.delivery` span, when a subscriber wants it.
        let span = stash.span();
        let mut route = self.inner.handle(request, data);
        if let Some(span) = &span {
            // Boxed again only when traced: the untraced future keeps its size.
            route = Box::pin(route.instrument(span.clone()));
        }
        tokio::select! {
            biased;
            outcome = route => {
                stash.set_bounded(false);
                outcome
            }
            // Boxed: the rare path would otherwise size every request's
            // future (boxed per request by Rocket) past the allocator's
            // small-size classes.
            () = deadline => match span {
                Some(span) => Box::pin(time_out(stash)).instrument(span).await,
                None => Box::pin(time_out(stash)).await,
            },
        }
    }
}

/// The route was cancelled (its future is dropped once `select!` returns):
/// release the claim and have the fairing answer `503 handler_timeout`.
async fn time_out<'r>(stash: &Stash) -> route::Outcome<'r> {
    let Some(Decision::Admitted { claim, renewal }) = stash.take() else {
        // Not admitted: nothing ran past a deadline.
        return route::Outcome::Error(rocket::http::Status::InternalServerError);
    };
    drop(renewal);
    let outcome = claim.timed_out().await;
    let status = crate::responder::status_of(&outcome);
    stash.put(Decision::Refused(outcome));
    route::Outcome::Error(status)
}
