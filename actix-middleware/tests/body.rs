//! The body: read once and bounded (413 declared or streamed, 400 when the
//! connection fails), and still there for the handler's own extractors.

mod common;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::{test, web, App, HttpResponse};
use bytes::Bytes;
use common::*;
use futures_util::stream;
use hookgate_actix::{Receiver, Webhook, WebhookMiddleware};

fn small_receiver(limit: usize) -> Receiver {
    Receiver::builder()
        .secret(SECRET)
        .max_body_bytes(limit)
        .build()
        .unwrap()
}

/// Replaces a request's payload with a stream of chunks (no Content-Length).
fn streamed(
    req: test::TestRequest,
    chunks: Vec<Result<Bytes, PayloadError>>,
) -> actix_http::Request {
    let mut req = req.to_request();
    req.headers_mut().remove("content-length");
    let payload: Payload = Payload::Stream {
        payload: Box::pin(stream::iter(chunks)),
    };
    req.replace_payload(payload).0
}

async fn count(_: Webhook, calls: web::Data<Calls>) -> HttpResponse {
    calls.hit();
    HttpResponse::Ok().finish()
}

#[actix_web::test]
async fn a_declared_length_over_the_limit_is_413_before_reading() {
    let calls = Calls::default();
    let app = guarded!(small_receiver(32), calls, count);
    let body = job("job_1", "Completed");
    assert!(body.len() > 32);
    let res = test::call_service(&app, signed(&msg_id("big"), &body).to_request()).await;
    assert_eq!(res.status(), 413);
    assert_eq!(json(res).await["code"], "payload_too_large");
    assert_eq!(calls.get(), 0);
}

#[actix_web::test]
async fn a_streamed_body_over_the_limit_is_413() {
    let calls = Calls::default();
    let app = guarded!(small_receiver(32), calls, count);
    let body = job("job_1", "Completed");
    let chunks = body
        .chunks(10)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let res = test::call_service(&app, streamed(signed(&msg_id("big"), &body), chunks)).await;
    assert_eq!(res.status(), 413);
    assert_eq!(json(res).await["code"], "payload_too_large");
    assert_eq!(calls.get(), 0);
}

#[actix_web::test]
async fn a_broken_body_is_400_body_unreadable() {
    let calls = Calls::default();
    let app = guarded!(receiver(), calls, count);
    let body = job("job_1", "Completed");
    let chunks = vec![
        Ok(Bytes::copy_from_slice(&body[..5])),
        Err(PayloadError::Incomplete(None)),
    ];
    let res = test::call_service(&app, streamed(signed(&msg_id("broken"), &body), chunks)).await;
    assert_eq!(res.status(), 400);
    assert_eq!(json(res).await["code"], "body_unreadable");
    assert_eq!(calls.get(), 0);
}

#[actix_web::test]
async fn a_chunked_body_is_verified_whole() {
    let calls = Calls::default();
    let app = guarded!(receiver(), calls, count);
    let body = job("job_1", "Completed");
    let chunks = body
        .chunks(7)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let res = test::call_service(&app, streamed(signed(&msg_id("chunked"), &body), chunks)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(calls.get(), 1);
}

#[actix_web::test]
async fn the_handler_can_still_extract_bytes_and_json() {
    let calls = Calls::default();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(calls.clone()))
            .service(
                web::resource("/bytes")
                    .wrap(WebhookMiddleware::new(receiver()))
                    .route(web::post().to(
                        |hook: Webhook, raw: web::Bytes, calls: web::Data<Calls>| async move {
                            calls.hit();
                            assert_eq!(&raw[..], &hook.delivery.body()[..]);
                            HttpResponse::Ok().body(raw)
                        },
                    )),
            )
            .service(
                web::resource("/json")
                    .wrap(WebhookMiddleware::new(receiver()))
                    .route(web::post().to(
                        |doc: web::Json<serde_json::Value>, calls: web::Data<Calls>| async move {
                            calls.hit();
                            HttpResponse::Ok().body(doc["job_id"].as_str().unwrap().to_owned())
                        },
                    )),
            ),
    )
    .await;
    let body = job("job_1", "Completed");
    let res =
        test::call_service(&app, signed(&msg_id("b"), &body).uri("/bytes").to_request()).await;
    assert_eq!(res.status(), 200);
    assert_eq!(test::read_body(res).await, Bytes::from(body.clone()));
    let res = test::call_service(&app, signed(&msg_id("j"), &body).uri("/json").to_request()).await;
    assert_eq!(res.status(), 200);
    assert_eq!(test::read_body(res).await, "job_1");
    assert_eq!(calls.get(), 2);
}
