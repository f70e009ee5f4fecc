//! The `Webhook<E>` extractor: typed events, its rejections, and what it
//! hands the handler.

mod common;

use actix_web::{test, web, App, HttpResponse};
use common::*;
use hookgate::DirectPolicy;
use hookgate_actix::{JobEvent, Receiver, Webhook, WebhookMiddleware};

#[actix_web::test]
async fn without_the_middleware_the_extractor_answers_500() {
    let calls = Calls::default();
    let app = test::init_service(App::new().app_data(web::Data::new(calls.clone())).route(
        PATH,
        web::post().to(|_: Webhook, calls: web::Data<Calls>| async move {
            calls.hit();
            HttpResponse::Ok().finish()
        }),
    ))
    .await;
    let res = test::call_service(
        &app,
        signed(&msg_id("bare"), &job("job_1", "Completed")).to_request(),
    )
    .await;
    assert_eq!(res.status(), 500);
    assert_eq!(
        res.headers().get("content-type").unwrap(),
        "application/json"
    );
    assert_eq!(json(res).await["code"], "receiver_not_installed");
    assert_eq!(calls.get(), 0);
}

#[derive(serde::Deserialize)]
struct Strict {
    #[allow(dead_code)]
    order_id: u64,
}

#[actix_web::test]
async fn a_payload_that_does_not_fit_is_400_and_the_claim_is_released() {
    let calls = Calls::default();
    let app = test::init_service(
        App::new().app_data(web::Data::new(calls.clone())).service(
            web::resource(PATH)
                .wrap(WebhookMiddleware::new(receiver()))
                .route(
                    web::post().to(|_: Webhook<Strict>, calls: web::Data<Calls>| async move {
                        calls.hit();
                        HttpResponse::Ok().finish()
                    }),
                ),
        ),
    )
    .await;
    let id = msg_id("shape");
    let body = job("job_1", "Completed");
    for attempt in 0..2 {
        let res = test::call_service(&app, signed(&id, &body).to_request()).await;
        // Not 200-duplicate nor 409 on the retry: the claim was released.
        assert_eq!(res.status(), 400, "attempt {attempt}");
        let v = json(res).await;
        assert_eq!(v["code"], "malformed_payload");
        assert!(v["error"].as_str().unwrap().contains("order_id"), "{v}");
    }
    assert_eq!(calls.get(), 0);
}

#[actix_web::test]
async fn the_event_derefs_and_splits_and_never_carries_the_token() {
    let receiver = Receiver::builder()
        .direct(DirectPolicy::new().token("t0ken-s3cret"))
        .build()
        .unwrap();
    let app = test::init_service(
        App::new().service(
            web::resource(PATH)
                .wrap(WebhookMiddleware::new(receiver))
                .route(web::post().to(|hook: Webhook<JobEvent>| async move {
                    assert!(hook.status.is_completed());
                    assert_eq!(hook.delivery.job_id(), Some("job_9"));
                    let (event, delivery) = hook.into_parts();
                    assert_eq!(delivery.message_id(), None);
                    HttpResponse::Ok().json(event.metadata)
                })),
        ),
    )
    .await;
    let body = serde_json::json!({
        "status": "completed",
        "job_id": "job_9",
        "metadata": {"webhook_secret": "t0ken-s3cret", "user": "u1"},
    });
    let req = test::TestRequest::post()
        .uri(PATH)
        .set_json(&body)
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), 200);
    assert_eq!(json(res).await, serde_json::json!({"user": "u1"}));
}
