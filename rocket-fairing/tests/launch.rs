//! Mistakes fail at launch: a `Webhook` route without the fairing, a `webhook`
//! limit the receiver would refuse anyway, a queue route over a receiver not
//! in queue mode. A guard that runs without the
//! fairing all the same answers 500.

mod common;

use common::*;
use hookgate_rocket::{JobEvent, Receiver, Webhook, WebhookFairing, LIMIT_NAME};
use rocket::data::{Data, FromData, Limits, ToByteUnit};
use rocket::error::ErrorKind;
use rocket::http::{Method, Status};
use rocket::local::asynchronous::Client;
use rocket::outcome::Outcome;
use rocket::route::{self, BoxFuture, Route};
use rocket::{get, post, routes, Request, State};

#[post("/plain", data = "<hook>")]
fn plain(hook: Webhook) -> String {
    hook.job_id.clone()
}

/// A hand-written route: Rocket discovers no sentinels in it, so it launches
/// without the fairing, and the guard itself must refuse.
fn hidden() -> Route {
    fn handler<'r>(request: &'r Request<'_>, data: Data<'r>) -> BoxFuture<'r> {
        Box::pin(async move {
            match Webhook::<JobEvent>::from_data(request, data).await {
                Outcome::Success(hook) => route::Outcome::from(request, hook.job_id.clone()),
                Outcome::Error((status, _)) => route::Outcome::Error(status),
                Outcome::Forward((data, status)) => route::Outcome::Forward((data, status)),
            }
        })
    }
    Route::new(Method::Post, "/hidden", handler)
}

#[get("/max")]
fn max(receiver: &State<Receiver>) -> String {
    receiver.max_body_bytes().to_string()
}

#[rocket::async_test]
async fn a_webhook_route_without_the_fairing_does_not_launch() {
    let rocket = rocket::custom(quiet()).mount("/", routes![plain]);
    let error = Client::tracked(rocket).await.expect_err("launch must fail");
    assert!(
        matches!(error.kind(), ErrorKind::SentinelAborts(_)),
        "{:?}",
        error.kind()
    );
}

#[rocket::async_test]
async fn a_guard_without_the_fairing_answers_500() {
    let rocket = rocket::custom(quiet()).mount("/", vec![hidden()]);
    let client = Client::tracked(rocket)
        .await
        .expect("no sentinel in a hand-written route");
    let response = client
        .post("/hidden")
        .body(job_body("job_1", "Completed"))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::InternalServerError);
}

async fn launch_with_limit(
    limit: rocket::data::ByteUnit,
    max_body: usize,
) -> Result<Client, rocket::Error> {
    let receiver = Receiver::builder()
        .secret(SECRET)
        .max_body_bytes(max_body)
        .build()
        .unwrap();
    let figment = quiet().merge(("limits", Limits::default().limit(LIMIT_NAME, limit)));
    Client::tracked(app_with(figment, receiver)).await
}

#[rocket::async_test]
async fn a_webhook_limit_above_the_receiver_fails_launch() {
    let error = launch_with_limit(2.kibibytes(), 1024)
        .await
        .expect_err("launch must fail");
    assert!(
        matches!(error.kind(), ErrorKind::FailedFairings(f) if f.iter().any(|i| i.name == "hookgate")),
        "{:?}",
        error.kind()
    );
}

#[rocket::async_test]
async fn a_zero_webhook_limit_fails_launch() {
    let error = launch_with_limit(0.bytes(), 1024)
        .await
        .expect_err("launch must fail");
    assert!(
        matches!(error.kind(), ErrorKind::FailedFairings(_)),
        "{:?}",
        error.kind()
    );
}

#[rocket::async_test]
async fn a_webhook_limit_within_the_receiver_launches() {
    assert!(launch_with_limit(1.kibibytes(), 1024).await.is_ok());
    assert!(launch_with_limit(512.bytes(), 1024).await.is_ok());
}

#[rocket::async_test]
async fn the_fairing_manages_the_receiver_for_routes() {
    let receiver = Receiver::builder()
        .secret(SECRET)
        .max_body_bytes(4096)
        .build()
        .unwrap();
    let rocket = rocket::custom(quiet())
        .attach(WebhookFairing::new(receiver))
        .mount("/", routes![max]);
    let client = Client::tracked(rocket).await.unwrap();
    let response = client.get("/max").dispatch().await;
    assert_eq!(response.into_string().await.as_deref(), Some("4096"));
}

#[rocket::async_test]
async fn an_app_managed_receiver_is_left_in_place() {
    let mine = Receiver::builder()
        .secret(SECRET)
        .max_body_bytes(2048)
        .build()
        .unwrap();
    let guarding = Receiver::builder()
        .secret(SECRET)
        .max_body_bytes(4096)
        .build()
        .unwrap();
    let rocket = rocket::custom(quiet())
        .manage(mine)
        .attach(WebhookFairing::new(guarding))
        .mount("/", routes![max]);
    let client = Client::tracked(rocket)
        .await
        .expect("no duplicate-state panic");
    let response = client.get("/max").dispatch().await;
    assert_eq!(response.into_string().await.as_deref(), Some("2048"));
}

/// `queue_route()` has no handler of its own: over a receiver not in queue
/// mode it could only fail each delivery, so such a rocket does not launch.
#[rocket::async_test]
async fn a_queue_route_over_a_receiver_not_in_queue_mode_fails_launch() {
    let plain = Receiver::builder().secret(SECRET).build().unwrap();
    let rocket = rocket::custom(quiet())
        .attach(WebhookFairing::new(plain))
        .mount("/webhook", hookgate_rocket::queue_route());
    let error = Client::tracked(rocket).await.expect_err("launch must fail");
    assert!(
        matches!(error.kind(), ErrorKind::FailedFairings(f) if f.iter().any(|i| i.name == "hookgate")),
        "{:?}",
        error.kind()
    );
}

#[rocket::async_test]
async fn a_queue_route_over_a_receiver_in_queue_mode_launches() {
    use hookgate_rocket::hookgate::queue::{MemoryQueue, QueueConfig};
    let queued = Receiver::builder()
        .secret(SECRET)
        .queue(QueueConfig::new(MemoryQueue::new()).allow_volatile(true))
        .build()
        .unwrap();
    let rocket = rocket::custom(quiet())
        .attach(WebhookFairing::new(queued))
        .mount("/webhook", hookgate_rocket::queue_route());
    let client = Client::tracked(rocket).await.expect("launches");
    // Unsigned: answered by the core through the route (401), not a 404.
    let response = client.post("/webhook").body("{}").dispatch().await;
    assert_eq!(response.status(), Status::Unauthorized);
}
