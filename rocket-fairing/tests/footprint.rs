//! What `with_deadline` costs each request in memory: the route handler's
//! future, which Rocket boxes per request, must stay small enough for the
//! allocator's fast path.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use hookgate_rocket::{with_deadline, Webhook, WebhookFairing};
use rocket::data::Data;
use rocket::http::Status;
use rocket::local::asynchronous::Client;
use rocket::route::{self, Handler, Route};
use rocket::{post, routes, Request};

#[post("/hook", data = "<_hook>")]
async fn on_job(_hook: Webhook) -> Status {
    Status::Ok
}

/// The size of the last future `Measure` saw.
static SEEN: AtomicUsize = AtomicUsize::new(0);

/// Passes the request on to the wrapped handler, noting the size of the
/// future it returns.
#[derive(Clone)]
struct Measure(Box<dyn Handler>);

#[rocket::async_trait]
impl Handler for Measure {
    async fn handle<'r>(&self, request: &'r Request<'_>, data: Data<'r>) -> route::Outcome<'r> {
        let future = self.0.handle(request, data);
        SEEN.store(std::mem::size_of_val(&*future), Ordering::SeqCst);
        future.await
    }
}

/// Rocket boxes a route handler's future on every request, on a worker thread
/// of its multi-threaded runtime. glibc serves blocks of at most 1000 bytes
/// from its small-size free lists; a larger one that misses the per-thread
/// cache (the future freed on another worker) is a large request, which first
/// consolidates the thread's free lists: `malloc_consolidate` under load with
/// the tower adapter (`docs/benchmarks.md`, "Future sizes"). The deadline wrapper
/// was 1112 bytes until its time-out path was boxed; growing past 1000 again
/// needs a reason.
#[rocket::async_test]
async fn the_deadline_handlers_future_fits_the_allocators_small_size_cache() {
    let measured: Vec<Route> = with_deadline(routes![on_job])
        .into_iter()
        .map(|mut route| {
            route.handler = Box::new(Measure(route.handler.clone()));
            route
        })
        .collect();
    let rocket = rocket::custom(quiet())
        .attach(WebhookFairing::new(signed_receiver()))
        .mount("/", measured);
    let client = Client::tracked(rocket).await.unwrap();

    let res = signed(
        &client,
        "/hook",
        "msg_footprint",
        &job_body("job_1", "Completed"),
    )
    .dispatch()
    .await;
    // The real path: the delivery was admitted and handled.
    assert_eq!(res.status(), Status::Ok);
    let size = SEEN.load(Ordering::SeqCst);
    assert!(size > 0, "the measuring handler did not run");
    assert!(
        size <= 1000,
        "the deadline handler's per-request future is {size} bytes; keep it at most 1000 (see this test's docs)"
    );
}
