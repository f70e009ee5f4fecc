//! The fairing settles each claim from the route's final status: 2xx marks it
//! done (a redelivery is a duplicate), anything else — an error status, a
//! panic — releases it so the retry is processed; a done marker that cannot be
//! written turns the route's 2xx into a 503.

mod common;

use std::time::Duration;

use common::*;
use hookgate::store::IdempotencyStore;
use hookgate::testing::{DownStore, NoCompleteStore};
use hookgate_rocket::{Answer, Receiver, Rejection};
use rocket::local::asynchronous::Client;

#[rocket::async_test]
async fn redelivery_of_a_processed_delivery_is_a_duplicate() {
    let client = client(signed_receiver()).await;
    let body = job_body("job_1", "Completed");
    send(signed(&client, "/hook", "msg_dup", &body))
        .await
        .assert_processed();
    let again = send(signed(&client, "/hook", "msg_dup", &body)).await;
    again.assert_is(&Answer::duplicate());
    assert_eq!(
        again.json(),
        serde_json::json!({"received": true, "duplicate": true})
    );
    assert_eq!(seen(&client).calls(), 1);
}

#[rocket::async_test]
async fn duplicate_while_in_flight_is_409_with_retry_after() {
    let client = client(signed_receiver()).await;
    seen(&client).script([Act::Sleep(Duration::from_millis(600))]);
    let body = job_body("job_1", "Completed");
    let first = send(signed(&client, "/hook", "msg_busy", &body));
    let second = async {
        seen(&client).wait_calls(1).await;
        send(signed(&client, "/hook", "msg_busy", &body)).await
    };
    let (first, second) = tokio::join!(first, second);
    second.assert_is(&Rejection::InFlight { retry_after: 5 }.to_answer());
    first.assert_processed();
    assert_eq!(seen(&client).calls(), 1);
}

async fn released_after(act: Act, want_status: u16) {
    let client = client(signed_receiver()).await;
    seen(&client).script([act]);
    let body = job_body("job_1", "Completed");
    let failed = send(signed(&client, "/hook", "msg_fail", &body)).await;
    assert_eq!(failed.status, want_status, "{}", failed.body);
    // The claim was released: the retry runs the route and succeeds.
    send(signed(&client, "/hook", "msg_fail", &body))
        .await
        .assert_processed();
    send(signed(&client, "/hook", "msg_fail", &body))
        .await
        .assert_is(&Answer::duplicate());
    assert_eq!(seen(&client).calls(), 2);
}

#[rocket::async_test]
async fn route_error_status_releases_the_claim() {
    released_after(Act::Fail(500), 500).await;
}

#[rocket::async_test]
async fn route_client_error_status_releases_the_claim() {
    released_after(Act::Fail(422), 422).await;
}

#[rocket::async_test]
async fn route_panic_releases_the_claim() {
    // Rocket catches the panic and answers 500.
    released_after(Act::Panic, 500).await;
}

/// Posts one signed delivery as `id` to an app whose receiver uses `store`.
async fn post_with_store(store: impl IdempotencyStore, id: &str) -> (Client, Got) {
    let receiver = Receiver::builder()
        .secret(SECRET)
        .store(store)
        .build()
        .unwrap();
    let client = client(receiver).await;
    let got = send(signed(
        &client,
        "/hook",
        id,
        &job_body("job_1", "Completed"),
    ))
    .await;
    (client, got)
}

/// The 503 `store_unavailable` answer, with `Retry-After: 5`.
fn assert_store_unavailable(got: &Got) {
    assert_eq!(got.status, 503, "{}", got.body);
    assert_eq!(got.content_type.as_deref(), Some("application/json"));
    assert_eq!(got.retry_after.as_deref(), Some("5"));
    assert_eq!(got.json()["code"], "store_unavailable");
}

#[rocket::async_test]
async fn done_marker_not_written_replaces_the_2xx_with_503() {
    let (client, got) = post_with_store(NoCompleteStore::default(), "msg_nc").await;
    assert_store_unavailable(&got);
    assert_eq!(
        seen(&client).calls(),
        1,
        "the route ran; its 200 was replaced"
    );
}

#[rocket::async_test]
async fn store_down_is_503_and_the_route_is_not_called() {
    let (client, got) = post_with_store(DownStore, "msg_down").await;
    assert_store_unavailable(&got);
    assert_eq!(seen(&client).calls(), 0);
}
