//! The axum route every axum variant serves: bare, or the same handler work
//! behind `WebhookLayer`. The loopback `bench-server` and the in-process
//! `overhead` bench both build it from here, so they measure the same code.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use bytes::Bytes;
use hookgate::{JobEvent, Receiver};
use hookgate_tower::{Webhook, WebhookLayer};

use crate::{parse, RECEIVED, ROUTE};

/// The handlers' answer: `200 {"received":true}` as JSON.
pub fn received() -> Response {
    ([("content-type", "application/json")], RECEIVED).into_response()
}

/// Reads the body and parses the event; no verification.
async fn bare(body: Bytes) -> Response {
    match parse(&body) {
        Ok(_) => received(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

/// Takes the event hookgate verified, deduplicated and parsed.
async fn guarded(event: Webhook<JobEvent>) -> Response {
    std::hint::black_box(&event.job_id);
    received()
}

/// `POST /webhook/reducto` with no verification.
pub fn bare_router() -> Router {
    Router::new().route(ROUTE, post(bare))
}

/// `POST /webhook/reducto` behind `WebhookLayer` with `receiver`.
pub fn guarded_router(receiver: Receiver) -> Router {
    Router::new()
        .route(ROUTE, post(guarded))
        .layer(WebhookLayer::new(receiver))
}
