//! The layer inside axum: `Webhook<E>` extraction, the raw body still
//! extractable, rejections, a custom responder, and the peer from `ConnectInfo`.

mod support;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::routing::post;
use axum::Router;
use bytes::Bytes;
use hookgate::{DirectPolicy, JobEvent, Receiver};
use hookgate_tower::{Outcome, Webhook, WebhookLayer};
use http::{Request, StatusCode};
use serde::Deserialize;
use support::*;
use tower::ServiceExt;

fn to_axum(req: Request<http_body_util::Full<Bytes>>) -> Request<Body> {
    req.map(Body::new)
}

#[tokio::test]
async fn handler_gets_event_delivery_and_raw_body() {
    async fn on_job(webhook: Webhook<JobEvent>, raw: Bytes) -> String {
        assert_eq!(&raw, webhook.delivery.body());
        format!(
            "{} {} {} {}",
            webhook.job_id,
            webhook.status,
            webhook.delivery.message_id().unwrap_or("-"),
            raw.len()
        )
    }
    let app = Router::new()
        .route("/webhook", post(on_job))
        .layer(WebhookLayer::new(builder().build().unwrap()));
    let body = job_body("job_raw");
    let len = body.len();
    let res = app.oneshot(to_axum(signed("msg_raw", body))).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let text = axum::body::to_bytes(res.into_body(), 1 << 16)
        .await
        .unwrap();
    assert_eq!(text, format!("job_raw Completed msg_raw {len}").as_bytes());
}

#[tokio::test]
async fn route_layer_guards_only_its_routes() {
    let app = Router::new()
        .route(
            "/webhook",
            post(|w: Webhook| async move { w.into_event().job_id }),
        )
        .route_layer(WebhookLayer::new(builder().build().unwrap()))
        .route("/open", post(|| async { "open" }));
    let res = app
        .clone()
        .oneshot(Request::post("/open").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .clone()
        .oneshot(
            Request::post("/webhook")
                .body(Body::from(job_body("j")))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_answer(res, 401, "missing_signature").await;
    let res = app
        .oneshot(to_axum(signed("msg_rl", job_body("j_rl"))))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn missing_layer_is_500_and_optional_is_none() {
    let app = Router::new()
        .route("/webhook", post(|_w: Webhook| async { "unreachable" }))
        .route(
            "/maybe",
            post(|w: Option<Webhook>| async move {
                if w.is_none() {
                    "none"
                } else {
                    "some"
                }
            }),
        );
    let res = app
        .clone()
        .oneshot(to_axum(signed("msg_ml", job_body("j"))))
        .await
        .unwrap();
    assert_answer(res, 500, "receiver_not_installed").await;
    let res = app
        .oneshot(Request::post("/maybe").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let text = axum::body::to_bytes(res.into_body(), 1024).await.unwrap();
    assert_eq!(text, "none");
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Strict {
    order_id: u64,
}

#[tokio::test]
async fn payload_not_fitting_is_400_and_released() {
    let calls = Calls::default();
    let c = calls.clone();
    let app = Router::new()
        .route(
            "/webhook",
            post(move |_w: Webhook<Strict>| async move {
                c.hit();
                "ok"
            }),
        )
        .layer(WebhookLayer::new(builder().build().unwrap()));
    for _ in 0..2 {
        // The same delivery twice: released, so 400 again (not 409, not 200).
        let res = app
            .clone()
            .oneshot(to_axum(signed("msg_strict", job_body("j"))))
            .await
            .unwrap();
        let (status, _, json) = read(res).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(json["code"], "malformed_payload");
        assert!(json["error"].as_str().unwrap().contains("order_id"));
    }
    assert_eq!(calls.get(), 0);
}

#[tokio::test]
async fn custom_responder_renders_every_answer() {
    // The responder gets the typed outcome: its code, not only a status.
    let text = |outcome: &Outcome| {
        let mut res = http::Response::new(bytes::Bytes::from(format!(
            "nope {} {}",
            outcome.status().as_u16(),
            outcome.code()
        )));
        *res.status_mut() = outcome.status();
        res.headers_mut()
            .insert(http::header::CONTENT_TYPE, "text/plain".parse().unwrap());
        res
    };
    let app = Router::new()
        .route("/webhook", post(|_w: Webhook<Strict>| async { "ok" }))
        .layer(WebhookLayer::new(builder().build().unwrap()).responder(text));
    // A refusal by the layer.
    let res = app
        .clone()
        .oneshot(Request::post("/webhook").body(Body::from("{}")).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.headers()["content-type"], "text/plain");
    assert_eq!(
        axum::body::to_bytes(res.into_body(), 1024).await.unwrap(),
        "nope 401 missing_signature"
    );
    // An extractor rejection on the guarded route.
    let res = app
        .oneshot(to_axum(signed("msg_cr", job_body("j"))))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        axum::body::to_bytes(res.into_body(), 1024).await.unwrap(),
        "nope 400 malformed_payload"
    );
}

#[tokio::test]
async fn peer_comes_from_connect_info() {
    let receiver = Receiver::builder()
        .direct(DirectPolicy::new())
        .allowed_sources("10.0.0.0/8")
        .build()
        .unwrap();
    let app = Router::new()
        .route(
            "/webhook",
            post(|w: Webhook| async move {
                w.delivery
                    .client_addr()
                    .map(|a| a.to_string())
                    .unwrap_or_default()
            }),
        )
        .layer(WebhookLayer::new(receiver));
    let event = || Body::from(job_body(&fresh_job_id()));
    let mut req = Request::post("/webhook").body(event()).unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([10, 1, 2, 3], 4567))));
    let res = app.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        axum::body::to_bytes(res.into_body(), 1024).await.unwrap(),
        "10.1.2.3"
    );

    let mut req = Request::post("/webhook").body(event()).unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 1], 4567))));
    assert_answer(
        app.clone().oneshot(req).await.unwrap(),
        403,
        "source_not_allowed",
    )
    .await;

    // No peer known: the source cannot be allowed.
    let req = Request::post("/webhook").body(event()).unwrap();
    assert_answer(app.oneshot(req).await.unwrap(), 403, "source_not_allowed").await;
}

fn fresh_job_id() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!("job_peer_{}", N.fetch_add(1, Ordering::Relaxed))
}
