//! What the middleware lets through and what it answers itself: signed
//! deliveries, refusals, duplicates, in-flight retries, store failures and the
//! client address.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use actix_web::{test, web, HttpResponse};
use common::*;
use hookgate::clock::FixedClock;
use hookgate::testing::DownStore;
use hookgate::DirectPolicy;
use hookgate_actix::{JobEvent, Receiver, Webhook};
use tokio::sync::Notify;

async fn record(event: Webhook<JobEvent>, calls: web::Data<Calls>) -> HttpResponse {
    calls.hit();
    assert_eq!(event.job_id, "job_1");
    HttpResponse::Ok().json(serde_json::json!({ "received": true }))
}

#[actix_web::test]
async fn a_signed_delivery_reaches_the_handler() {
    let calls = Calls::default();
    let app = guarded!(receiver(), calls, record);
    let res = test::call_service(
        &app,
        signed(&msg_id("ok"), &job("job_1", "Completed")).to_request(),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(json(res).await, serde_json::json!({ "received": true }));
    assert_eq!(calls.get(), 1);
}

#[actix_web::test]
async fn every_published_vector_passes() {
    // vectors/signatures.json: HMAC (v1) and ed25519 (v1a) signatures.
    for v in hookgate_vectors::Vectors::published().unwrap().signed {
        let receiver = Receiver::builder()
            .secret(&v.verify_key)
            .clock(FixedClock::new(v.timestamp))
            .build()
            .unwrap();
        let calls = Calls::default();
        let expected = v.id.clone();
        let app = guarded!(
            receiver,
            calls,
            move |hook: Webhook<serde_json::Value>, calls: web::Data<Calls>| {
                let expected = expected.clone();
                async move {
                    calls.hit();
                    assert_eq!(hook.delivery.message_id(), Some(expected.as_str()));
                    HttpResponse::Ok().finish()
                }
            }
        );
        let req = test::TestRequest::post()
            .uri(PATH)
            .insert_header(("webhook-id", v.id.as_str()))
            .insert_header(("webhook-timestamp", v.timestamp.to_string()))
            .insert_header(("webhook-signature", v.signature.as_str()))
            .set_payload(v.body.clone())
            .to_request();
        let status = test::call_service(&app, req).await.status();
        assert_eq!(status, 200, "{}", v.source);
        assert_eq!(calls.get(), 1, "{}", v.source);
    }
}

#[actix_web::test]
async fn refusals_answer_json_without_calling_the_handler() {
    let calls = Calls::default();
    let app = guarded!(receiver(), calls, record);
    let body = job("job_1", "Completed");

    let unsigned = test::TestRequest::post()
        .uri(PATH)
        .set_payload(body.clone());
    let mut tampered = body.clone();
    tampered[2] ^= 1;
    let wrong = signed(&msg_id("wrong"), &body).set_payload(tampered);
    let stale = signed_at(&msg_id("stale"), now() - 3600, &body);
    let future = signed_at(&msg_id("future"), now() + 3600, &body);

    for (name, req) in [
        ("unsigned", unsigned),
        ("wrong", wrong),
        ("stale", stale),
        ("future", future),
    ] {
        let res = test::call_service(&app, req.to_request()).await;
        assert_eq!(res.status(), 401, "{name}");
        assert_eq!(
            res.headers().get("content-type").unwrap(),
            "application/json",
            "{name}"
        );
        let v = json(res).await;
        assert!(
            v["code"].is_string() && v["error"].is_string(),
            "{name}: {v}"
        );
        assert!(!v.to_string().contains("whsec_"), "{name}: {v}");
    }
    assert_eq!(calls.get(), 0);
}

#[actix_web::test]
async fn a_duplicate_is_acknowledged_without_the_handler() {
    let calls = Calls::default();
    let app = guarded!(receiver(), calls, record);
    let id = msg_id("dup");
    let body = job("job_1", "Completed");
    let first = test::call_service(&app, signed(&id, &body).to_request()).await;
    assert_eq!(first.status(), 200);
    let again = test::call_service(&app, signed(&id, &body).to_request()).await;
    assert_eq!(again.status(), 200);
    assert_eq!(
        json(again).await,
        serde_json::json!({ "received": true, "duplicate": true })
    );
    assert_eq!(calls.get(), 1);
}

#[actix_web::test]
async fn a_retry_while_in_flight_gets_409_with_retry_after() {
    let entered = Arc::new(Notify::new());
    let proceed = Arc::new(Notify::new());
    let calls = Calls::default();
    let (e, p) = (entered.clone(), proceed.clone());
    let app = guarded!(
        receiver(),
        calls,
        move |_: Webhook, calls: web::Data<Calls>| {
            let (e, p) = (e.clone(), p.clone());
            async move {
                calls.hit();
                e.notify_one();
                p.notified().await;
                HttpResponse::Ok().finish()
            }
        }
    );
    let id = msg_id("inflight");
    let body = job("job_1", "Completed");
    let first = test::call_service(&app, signed(&id, &body).to_request());
    let second = async {
        entered.notified().await;
        let res = test::call_service(&app, signed(&id, &body).to_request()).await;
        proceed.notify_one();
        res
    };
    let (first, second) = futures_util::future::join(first, second).await;
    assert_eq!(first.status(), 200);
    assert_eq!(second.status(), 409);
    assert!(second.headers().contains_key("retry-after"));
    assert_eq!(json(second).await["code"], "in_flight");
    assert_eq!(calls.get(), 1);
}

#[actix_web::test]
async fn an_unreachable_store_answers_503_with_retry_after() {
    let receiver = Receiver::builder()
        .secret(SECRET)
        .store(DownStore)
        .build()
        .unwrap();
    let calls = Calls::default();
    let app = guarded!(receiver, calls, record);
    let res = test::call_service(
        &app,
        signed(&msg_id("down"), &job("job_1", "Completed")).to_request(),
    )
    .await;
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(json(res).await["code"], "store_unavailable");
    assert_eq!(calls.get(), 0);
}

fn direct(body: &[u8], peer: &str) -> test::TestRequest {
    test::TestRequest::post()
        .uri(PATH)
        .peer_addr(peer.parse::<SocketAddr>().unwrap())
        .set_payload(body.to_vec())
}

#[actix_web::test]
async fn the_client_address_is_the_peer_unless_a_trusted_proxy_forwards() {
    let calls = Calls::default();
    let open = Receiver::builder()
        .direct(DirectPolicy::new())
        .allowed_sources("10.0.0.0/8")
        .build()
        .unwrap();
    let app = guarded!(
        open,
        calls,
        |hook: Webhook, calls: web::Data<Calls>| async move {
            calls.hit();
            HttpResponse::Ok().body(hook.delivery.client_addr().unwrap().to_string())
        }
    );
    // A forged X-Forwarded-For from an untrusted peer is not believed.
    let forged = direct(&job("job_1", "Completed"), "192.168.1.1:4000")
        .insert_header(("x-forwarded-for", "10.0.0.5"))
        .to_request();
    let res = test::call_service(&app, forged).await;
    assert_eq!(res.status(), 403);
    assert_eq!(json(res).await["code"], "source_not_allowed");
    // The connection's own address counts.
    let res = test::call_service(
        &app,
        direct(&job("job_1", "Completed"), "10.1.2.3:4000").to_request(),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(test::read_body(res).await, "10.1.2.3");

    let behind_proxy = Receiver::builder()
        .direct(DirectPolicy::new())
        .allowed_sources("10.0.0.0/8")
        .trusted_proxies("192.168.0.0/16")
        .build()
        .unwrap();
    let app = guarded!(
        behind_proxy,
        calls,
        |hook: Webhook, calls: web::Data<Calls>| async move {
            calls.hit();
            HttpResponse::Ok().body(hook.delivery.client_addr().unwrap().to_string())
        }
    );
    let forwarded = direct(&job("job_2", "Completed"), "192.168.1.1:4000")
        .insert_header(("x-forwarded-for", "10.0.0.5"))
        .to_request();
    let res = test::call_service(&app, forwarded).await;
    assert_eq!(res.status(), 200);
    assert_eq!(test::read_body(res).await, "10.0.0.5");
    assert_eq!(calls.get(), 2);
}
