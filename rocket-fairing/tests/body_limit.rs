//! The body is read once with the `webhook` limit: a declared or streamed body
//! over it is `413`, never truncated; a body at the limit is accepted.

mod common;

use common::*;
use hookgate_rocket::{Receiver, Rejection, LIMIT_NAME};
use rocket::data::{Limits, ToByteUnit};
use rocket::http::Header;
use rocket::local::asynchronous::Client;

/// A job event body of exactly `len` bytes (padded in `metadata`).
fn body_of_len(len: usize) -> String {
    let bare = r#"{"status":"Completed","job_id":"job_big","metadata":{"pad":""}}"#;
    let pad = "x".repeat(len - bare.len());
    format!(r#"{{"status":"Completed","job_id":"job_big","metadata":{{"pad":"{pad}"}}}}"#)
}

fn small_receiver(max: usize) -> Receiver {
    Receiver::builder()
        .secret(SECRET)
        .max_body_bytes(max)
        .build()
        .unwrap()
}

#[rocket::async_test]
async fn declared_length_over_the_limit_is_413_before_reading() {
    let client = client(small_receiver(256)).await;
    // The declared length alone decides: the body sent is small.
    let request = signed(
        &client,
        "/hook",
        "msg_declared",
        &job_body("j", "Completed"),
    )
    .header(Header::new("Content-Length", "100000"));
    send(request)
        .await
        .assert_is(&Rejection::PayloadTooLarge { limit: 256 }.to_answer());
    assert_eq!(seen(&client).calls(), 0);
}

#[rocket::async_test]
async fn streamed_body_past_the_limit_is_413_not_truncated() {
    let client = client(small_receiver(256)).await;
    let body = body_of_len(257);
    send(signed(&client, "/hook", "msg_streamed", &body))
        .await
        .assert_is(&Rejection::PayloadTooLarge { limit: 256 }.to_answer());
    assert_eq!(seen(&client).calls(), 0);
}

#[rocket::async_test]
async fn body_at_the_limit_is_accepted() {
    let client = client(small_receiver(256)).await;
    let body = body_of_len(256);
    assert_eq!(body.len(), 256);
    send(signed(&client, "/hook", "msg_exact", &body))
        .await
        .assert_processed();
    assert_eq!(seen(&client).jobs(), ["job_big"]);
}

#[rocket::async_test]
async fn a_smaller_webhook_limit_applies_and_is_reported() {
    let figment = quiet().merge(("limits", Limits::default().limit(LIMIT_NAME, 128.bytes())));
    let client = Client::tracked(app_with(figment, small_receiver(256)))
        .await
        .unwrap();
    send(signed(&client, "/hook", "msg_small", &body_of_len(129)))
        .await
        .assert_is(&Rejection::PayloadTooLarge { limit: 128 }.to_answer());
    send(signed(&client, "/hook", "msg_fits", &body_of_len(128)))
        .await
        .assert_processed();
}
