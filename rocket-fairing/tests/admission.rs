//! The guard admits a valid delivery and hands the route the typed event;
//! every refusal is the core's exact answer and never reaches the route.

mod common;

use common::*;
use hookgate::signing::SignatureError;
use hookgate_rocket::testing::{request, TestDelivery};
use hookgate_rocket::{DirectPolicy, Receiver, Rejection};
use rocket::http::Header;

#[rocket::async_test]
async fn signed_delivery_reaches_the_route_typed() {
    let client = client(signed_receiver()).await;
    let got = send(signed(
        &client,
        "/hook",
        "msg_ok",
        &job_body("job_1", "Completed"),
    ))
    .await;
    got.assert_processed();
    assert_eq!(seen(&client).calls(), 1);
    assert_eq!(seen(&client).jobs(), ["job_1"]);
}

#[rocket::async_test]
async fn missing_signature_is_401_exactly() {
    let client = client(signed_receiver()).await;
    let got = send(client.post("/hook").body(job_body("job_1", "Completed"))).await;
    got.assert_is(&Rejection::from(SignatureError::Missing).to_answer());
    assert_eq!(got.json()["code"], "missing_signature");
    assert_eq!(seen(&client).calls(), 0);
}

#[rocket::async_test]
async fn wrong_signature_is_401_exactly() {
    let client = client(signed_receiver()).await;
    let body = job_body("job_1", "Completed");
    let other = TestDelivery::signed("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")
        .id("msg_1")
        .at(now())
        .body(body)
        .build();
    let got = send(request(&client, "/hook", &other)).await;
    got.assert_is(&Rejection::from(SignatureError::NoMatch).to_answer());
    assert_eq!(seen(&client).calls(), 0);
}

#[rocket::async_test]
async fn stale_timestamp_is_401_exactly() {
    let client = client(signed_receiver()).await;
    let got = send(signed_at(
        &client,
        "/hook",
        "msg_old",
        now() - 3600,
        &job_body("job_1", "Completed"),
    ))
    .await;
    got.assert_is(
        &Rejection::from(SignatureError::TimestampTooOld {
            tolerance_secs: 300,
        })
        .to_answer(),
    );
    assert_eq!(seen(&client).calls(), 0);
}

#[rocket::async_test]
async fn malformed_json_is_400_and_the_claim_is_released() {
    let client = client(signed_receiver()).await;
    let body = r#"{"status": "Completed", "job_id": "#;
    let first = send(signed(&client, "/hook", "msg_bad", body)).await;
    assert_eq!(first.status, 400, "{}", first.body);
    assert_eq!(first.json()["code"], "malformed_payload");
    // Released: the same delivery is refused the same way, not 409 / duplicate.
    let again = send(signed(&client, "/hook", "msg_bad", body)).await;
    assert_eq!(again.status, 400, "{}", again.body);
    assert_eq!(again.body, first.body);
    assert_eq!(seen(&client).calls(), 0);
}

#[rocket::async_test]
async fn event_not_fitting_the_type_is_400_and_released() {
    let client = client(signed_receiver()).await;
    // A valid JobEvent, but `Strict` needs `attempt`.
    let body = job_body("job_1", "Completed");
    let first = send(signed(&client, "/strict", "msg_strict", &body)).await;
    assert_eq!(first.status, 400, "{}", first.body);
    assert_eq!(first.content_type.as_deref(), Some("application/json"));
    assert_eq!(first.json()["code"], "malformed_payload");
    assert!(first.json()["error"].as_str().unwrap().contains("attempt"));
    let again = send(signed(&client, "/strict", "msg_strict", &body)).await;
    assert_eq!(
        again.status, 400,
        "released, so refused again: {}",
        again.body
    );
    // A fitting payload under a fresh id reaches the route.
    let fits = r#"{"job_id":"job_2","attempt":3}"#;
    let ok = send(signed(&client, "/strict", "msg_fits", fits)).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(seen(&client).jobs(), ["job_2#3"]);
}

fn direct_receiver(policy: DirectPolicy) -> hookgate_rocket::ReceiverBuilder {
    Receiver::builder().direct(policy)
}

#[rocket::async_test]
async fn direct_token_missing_and_wrong_are_401() {
    let receiver = direct_receiver(DirectPolicy::new().token("tok-123"))
        .build()
        .unwrap();
    let client = client(receiver).await;
    let missing = send(client.post("/hook").body(job_body("job_1", "Completed"))).await;
    missing.assert_is(&Rejection::MissingToken.to_answer());
    let wrong = r#"{"status":"Completed","job_id":"job_1","metadata":{"webhook_secret":"nope"}}"#;
    send(client.post("/hook").body(wrong))
        .await
        .assert_is(&Rejection::InvalidToken.to_answer());
    let right =
        r#"{"status":"Completed","job_id":"job_1","metadata":{"webhook_secret":"tok-123"}}"#;
    send(client.post("/hook").body(right))
        .await
        .assert_processed();
    assert_eq!(seen(&client).jobs(), ["job_1"]);
}

#[rocket::async_test]
async fn unknown_job_is_404_until_registered() {
    let receiver = direct_receiver(DirectPolicy::new().known_jobs(true))
        .build()
        .unwrap();
    let client = client(receiver).await;
    let body = job_body("job_known", "Completed");
    send(client.post("/hook").body(body.clone()))
        .await
        .assert_is(&Rejection::UnknownJob.to_answer());
    // The fairing installed the receiver as managed state.
    let managed = client
        .rocket()
        .state::<Receiver>()
        .expect("managed receiver");
    managed.register_job("job_known").await.unwrap();
    send(client.post("/hook").body(body))
        .await
        .assert_processed();
}

fn sources_receiver() -> Receiver {
    direct_receiver(DirectPolicy::new())
        .allowed_sources("127.0.0.1/32")
        .trusted_proxies("127.0.0.5/32")
        .build()
        .unwrap()
}

#[rocket::async_test]
async fn the_client_address_is_the_peer() {
    let client = client(sources_receiver()).await;
    let body = job_body("job_1", "Completed");
    let allowed = "127.0.0.1:40000".parse().unwrap();
    let denied = "127.0.0.9:40000".parse().unwrap();
    send(client.post("/hook").remote(denied).body(body.clone()))
        .await
        .assert_is(&Rejection::SourceNotAllowed.to_answer());
    // No peer at all: refused too.
    send(client.post("/hook").body(body.clone()))
        .await
        .assert_is(&Rejection::SourceNotAllowed.to_answer());
    send(client.post("/hook").remote(allowed).body(body))
        .await
        .assert_processed();
}

#[rocket::async_test]
async fn forwarded_headers_count_only_from_trusted_proxies() {
    let client = client(sources_receiver()).await;
    let untrusted = "127.0.0.9:40000".parse().unwrap();
    let proxy = "127.0.0.5:40000".parse().unwrap();
    // Rocket's own `ip_header` (X-Real-IP by default) is not believed, nor is
    // X-Forwarded-For from an untrusted peer.
    let spoofed = client
        .post("/hook")
        .remote(untrusted)
        .header(Header::new("X-Real-IP", "127.0.0.1"))
        .header(Header::new("X-Forwarded-For", "127.0.0.1"))
        .body(job_body("job_1", "Completed"));
    send(spoofed)
        .await
        .assert_is(&Rejection::SourceNotAllowed.to_answer());
    let via_proxy = client
        .post("/hook")
        .remote(proxy)
        .header(Header::new("X-Forwarded-For", "127.0.0.1"))
        .body(job_body("job_2", "Completed"));
    send(via_proxy).await.assert_processed();
    assert_eq!(seen(&client).jobs(), ["job_2"]);
}
