//! How the handler's outcome settles the claim: 2xx marks it done; a non-2xx,
//! an error, a panic, a cancelled request or a handler past its deadline
//! releases it, so the sender's retry is processed.

mod common;

use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Next};
use actix_web::{error, test, web, App, HttpResponse};
use common::*;
use futures_util::FutureExt as _;
use hookgate::testing::NoCompleteStore;
use hookgate_actix::{Receiver, Webhook, WebhookMiddleware};
use tokio::sync::Notify;

/// The signed delivery every test here sends: job_1 completed, as message `id`.
fn completed(id: &str) -> actix_http::Request {
    signed(id, &job("job_1", "Completed")).to_request()
}

/// Sends `id` again until it is no longer in flight (the release of a dropped
/// claim is spawned), at most ~1 s; returns the final status.
async fn retry<S, B>(app: &S, id: &str) -> u16
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    for _ in 0..100 {
        let res = test::call_service(app, completed(id)).await;
        if res.status() != 409 {
            return res.status().as_u16();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    409
}

#[actix_web::test]
async fn a_failed_handler_releases_the_claim_and_a_retry_is_processed() {
    let calls = Calls::default();
    let app = guarded!(
        receiver(),
        calls,
        |_: Webhook, calls: web::Data<Calls>| async move {
            if calls.hit() == 1 {
                HttpResponse::InternalServerError().finish()
            } else {
                HttpResponse::Ok().finish()
            }
        }
    );
    let id = msg_id("fail");
    let res = test::call_service(&app, completed(&id)).await;
    assert_eq!(res.status(), 500);
    assert_eq!(retry(&app, &id).await, 200);
    assert_eq!(calls.get(), 2);
    // Now done: a third attempt is a duplicate.
    let res = test::call_service(&app, completed(&id)).await;
    assert_eq!(json(res).await["duplicate"], true);
    assert_eq!(calls.get(), 2);
}

#[actix_web::test]
async fn a_handler_error_releases_the_claim() {
    let calls = Calls::default();
    let app = guarded!(
        receiver(),
        calls,
        |_: Webhook, calls: web::Data<Calls>| async move {
            if calls.hit() == 1 {
                Err(error::ErrorBadGateway("upstream down"))
            } else {
                Ok(HttpResponse::Ok().finish())
            }
        }
    );
    let id = msg_id("err");
    let res = test::call_service(&app, completed(&id)).await;
    assert_eq!(res.status(), 502);
    assert_eq!(retry(&app, &id).await, 200);
    assert_eq!(calls.get(), 2);
}

#[actix_web::test]
async fn an_error_from_the_inner_service_is_passed_on_and_releases_the_claim() {
    let calls = Calls::default();
    let fail_once = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let app = {
        let fail_once = fail_once.clone();
        test::init_service(
            App::new().app_data(web::Data::new(calls.clone())).service(
                web::resource(PATH)
                    // Inner (runs after hookgate admitted the delivery).
                    .wrap(from_fn(move |req: ServiceRequest, next: Next<_>| {
                        let fail = fail_once.swap(false, Ordering::SeqCst);
                        async move {
                            if fail {
                                Err(error::ErrorServiceUnavailable("inner failure"))
                            } else {
                                next.call(req).await
                            }
                        }
                    }))
                    .wrap(WebhookMiddleware::new(receiver()))
                    .route(
                        web::post().to(|_: Webhook, calls: web::Data<Calls>| async move {
                            calls.hit();
                            HttpResponse::Ok().finish()
                        }),
                    ),
            ),
        )
        .await
    };
    let id = msg_id("inner");
    let err = test::try_call_service(&app, completed(&id))
        .await
        .expect_err("the inner error is passed on");
    assert_eq!(err.as_response_error().status_code(), 503);
    assert_eq!(retry(&app, &id).await, 200);
    assert_eq!(calls.get(), 1);
}

#[actix_web::test]
async fn a_panicking_handler_releases_the_claim() {
    let calls = Calls::default();
    let app = guarded!(
        receiver(),
        calls,
        |_: Webhook, calls: web::Data<Calls>| async move {
            if calls.hit() == 1 {
                panic!("handler bug");
            }
            HttpResponse::Ok().finish()
        }
    );
    let id = msg_id("panic");
    let req = completed(&id);
    let outcome = AssertUnwindSafe(test::call_service(&app, req))
        .catch_unwind()
        .await;
    assert!(outcome.is_err(), "the handler panicked");
    assert_eq!(retry(&app, &id).await, 200);
    assert_eq!(calls.get(), 2);
}

#[actix_web::test]
async fn a_cancelled_request_releases_the_claim() {
    let entered = Arc::new(Notify::new());
    let calls = Calls::default();
    let e = entered.clone();
    let app = guarded!(
        receiver(),
        calls,
        move |_: Webhook, calls: web::Data<Calls>| {
            let e = e.clone();
            async move {
                if calls.hit() == 1 {
                    e.notify_one();
                    std::future::pending::<()>().await;
                }
                HttpResponse::Ok().finish()
            }
        }
    );
    let id = msg_id("cancel");
    {
        let call = Box::pin(test::call_service(&app, completed(&id)));
        let entered = pin!(entered.notified());
        // The client goes away once the handler runs: the request's future is
        // dropped while the handler is pending.
        match futures_util::future::select(call, entered).await {
            futures_util::future::Either::Left(_) => panic!("the handler never finishes"),
            futures_util::future::Either::Right(((), call)) => drop(call),
        }
    }
    assert_eq!(retry(&app, &id).await, 200);
    assert_eq!(calls.get(), 2);
}

fn slow_receiver() -> Receiver {
    Receiver::builder()
        .secret(SECRET)
        .handler_deadline(Duration::from_millis(100))
        .build()
        .unwrap()
}

#[actix_web::test]
async fn a_handler_past_its_deadline_is_cancelled_with_503_and_a_retry_is_processed() {
    let calls = Calls::default();
    let finished = Calls::default();
    let f = finished.clone();
    let app = guarded!(
        slow_receiver(),
        calls,
        move |_: Webhook, calls: web::Data<Calls>| {
            let f = f.clone();
            async move {
                if calls.hit() == 1 {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
                f.hit();
                HttpResponse::Ok().finish()
            }
        }
    );
    let id = msg_id("slow");
    let started = std::time::Instant::now();
    // The deadline answers in place of the handler, through the responder,
    // as the tower layer does (not as a service error).
    let res = test::call_service(&app, completed(&id)).await;
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key("retry-after"));
    let body = res.into_body().try_into_bytes().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["code"], "handler_timeout");
    // Released at once: the retry is not 409.
    let res = test::call_service(&app, completed(&id)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(calls.get(), 2);
    assert_eq!(finished.get(), 1, "the slow run was cancelled");
}

#[actix_web::test]
async fn when_done_cannot_be_recorded_the_2xx_becomes_503() {
    let receiver = Receiver::builder()
        .secret(SECRET)
        .store(NoCompleteStore::default())
        .build()
        .unwrap();
    let calls = Calls::default();
    let app = guarded!(
        receiver,
        calls,
        |_: Webhook, calls: web::Data<Calls>| async move {
            calls.hit();
            HttpResponse::Ok().body("handled")
        }
    );
    let id = msg_id("undone");
    let res = test::call_service(&app, completed(&id)).await;
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(json(res).await["code"], "store_unavailable");
    // The claim stays in flight until its TTL (the store could not be told);
    // what matters here is that the handler's 2xx did not go out.
    assert_eq!(calls.get(), 1);
}
