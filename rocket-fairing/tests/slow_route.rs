//! A slow route never outlives its claim: without `with_deadline` the claim is
//! renewed while the route runs; with it, the route is cancelled at the
//! receiver's handler deadline and the answer is `503 handler_timeout`.

mod common;

use std::time::{Duration, Instant};

use common::*;
use hookgate_rocket::{Answer, Receiver, Rejection};

/// In-flight claims live 300 ms; the handler deadline is 100 ms.
fn short_ttl_receiver() -> Receiver {
    Receiver::builder()
        .secret(SECRET)
        .in_flight_ttl(Duration::from_millis(300))
        .handler_deadline(Duration::from_millis(100))
        .build()
        .unwrap()
}

#[rocket::async_test]
async fn a_slow_route_keeps_its_claim_past_the_in_flight_ttl() {
    let client = client(short_ttl_receiver()).await;
    seen(&client).script([Act::Sleep(Duration::from_millis(1200))]);
    let body = job_body("job_slow", "Completed");
    let first = send(signed(&client, "/hook", "msg_slow", &body));
    let retry = async {
        seen(&client).wait_calls(1).await;
        // Well past the 300 ms TTL: without renewal the claim would have
        // lapsed and this retry would run the route a second time.
        tokio::time::sleep(Duration::from_millis(800)).await;
        send(signed(&client, "/hook", "msg_slow", &body)).await
    };
    let (first, retry) = tokio::join!(first, retry);
    retry.assert_is(&Rejection::InFlight { retry_after: 5 }.to_answer());
    // The claim was still ours, so it was marked done: 200, not 503 claim_lost.
    first.assert_processed();
    send(signed(&client, "/hook", "msg_slow", &body))
        .await
        .assert_is(&Answer::duplicate());
    assert_eq!(seen(&client).calls(), 1);
}

#[rocket::async_test]
async fn a_slow_failing_route_still_releases_its_claim() {
    let client = client(short_ttl_receiver()).await;
    seen(&client).script([Act::SlowFail(Duration::from_millis(700), 500)]);
    let body = job_body("job_slow", "Completed");
    let failed = send(signed(&client, "/hook", "msg_slow_fail", &body)).await;
    assert_eq!(failed.status, 500, "{}", failed.body);
    send(signed(&client, "/hook", "msg_slow_fail", &body))
        .await
        .assert_processed();
    assert_eq!(seen(&client).calls(), 2);
}

#[rocket::async_test]
async fn with_deadline_cancels_the_route_and_answers_503() {
    let client = client(short_ttl_receiver()).await;
    seen(&client).script([Act::Sleep(Duration::from_secs(3))]);
    let body = job_body("job_deadline", "Completed");
    let started = Instant::now();
    let got = send(signed(&client, "/deadline/hook", "msg_deadline", &body)).await;
    let took = started.elapsed();
    got.assert_is(&Rejection::HandlerTimeout { retry_after: 5 }.to_answer());
    assert!(
        took < Duration::from_millis(1500),
        "answered after {took:?}"
    );
    // Released: the retry is processed.
    send(signed(&client, "/deadline/hook", "msg_deadline", &body))
        .await
        .assert_processed();
    send(signed(&client, "/deadline/hook", "msg_deadline", &body))
        .await
        .assert_is(&Answer::duplicate());
    assert_eq!(seen(&client).calls(), 2);
}

#[rocket::async_test]
async fn with_deadline_leaves_fast_routes_and_refusals_alone() {
    let client = client(short_ttl_receiver()).await;
    let body = job_body("job_fast", "Completed");
    send(signed(&client, "/deadline/hook", "msg_fast", &body))
        .await
        .assert_processed();
    let unsigned = send(client.post("/deadline/hook").body(body)).await;
    assert_eq!(unsigned.status, 401);
    assert_eq!(unsigned.json()["code"], "missing_signature");
}
