//! The axum route every axum variant serves: bare, the same handler work
//! behind `WebhookLayer`, or the floor (the same checks written inline). The
//! loopback `bench-server` and the in-process `overhead` bench both build it
//! from here, so they measure the same code.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use bytes::Bytes;
use hookgate::{JobEvent, Receiver};
use hookgate_tower::{Webhook, WebhookLayer};

use crate::floor::{Floor, Refused};
use crate::{parse, signed_headers, RECEIVED, ROUTE};

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

/// `POST /webhook/reducto` behind `WebhookLayer` with
/// [`memory_receiver`](crate::memory_receiver).
pub fn memory_router() -> Router {
    guarded_router(crate::memory_receiver())
}

/// `POST /webhook/reducto` behind `WebhookLayer` with `receiver`.
pub fn guarded_router(receiver: Receiver) -> Router {
    Router::new()
        .route(ROUTE, post(guarded))
        .layer(WebhookLayer::new(receiver))
}

/// A `POST /webhook/reducto` of `body` with message id `id`, signed now with
/// the bench secret as a Svix sender signs (what the in-process benches and
/// tests send).
pub fn signed_delivery(id: &str, body: &Bytes) -> http::Request<axum::body::Body> {
    let mut req = http::Request::post(ROUTE);
    for (name, value) in signed_headers(id, body) {
        req = req.header(name, value);
    }
    req.body(axum::body::Body::from(body.clone()))
        .expect("a valid request")
}

/// The floor's body limit: axum's default for the `Bytes` extractor, which
/// the bare route uses.
const FLOOR_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The [`Floor`] on axum: the headers by reference (not axum's `HeaderMap`
/// extractor, a clone), the body read as the bare route reads it.
async fn floor(State(f): State<Arc<Floor>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, FLOOR_BODY_LIMIT).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    match f.serve(&parts.headers, &body).await {
        Ok(()) => received(),
        Err(Refused(status)) => StatusCode::from_u16(status)
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            .into_response(),
    }
}

/// `POST /webhook/reducto` with the floor handler: verify, claim, parse and
/// mark done inline, the in-memory store at its default size.
pub fn floor_router() -> Router {
    Router::new()
        .route(ROUTE, post(floor))
        .with_state(Arc::new(Floor::new()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use tower::ServiceExt;

    fn delivery(id: &str, signature: Option<&'static str>) -> http::Request<Body> {
        let mut req = signed_delivery(id, &Bytes::from(crate::event_body(1024)));
        if let Some(forged) = signature {
            req.headers_mut()
                .insert("svix-signature", http::HeaderValue::from_static(forged));
        }
        req
    }

    async fn status(app: &Router, req: http::Request<Body>) -> StatusCode {
        app.clone().oneshot(req).await.expect("infallible").status()
    }

    /// The three routes the load benchmark compares do the work it says they
    /// do: all answer a signed delivery, and only the bare one takes a forged.
    #[tokio::test]
    async fn the_floor_and_the_layer_verify_and_the_bare_route_does_not() {
        let forged = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        for (name, app, forged_status) in [
            ("bare", bare_router(), StatusCode::OK),
            ("floor", floor_router(), StatusCode::UNAUTHORIZED),
            ("layer", memory_router(), StatusCode::UNAUTHORIZED),
        ] {
            assert_eq!(
                status(&app, delivery("msg_1", None)).await,
                StatusCode::OK,
                "{name}"
            );
            // A retry of a processed delivery is answered without the work.
            assert_eq!(
                status(&app, delivery("msg_1", None)).await,
                StatusCode::OK,
                "{name}"
            );
            assert_eq!(
                status(&app, delivery("msg_2", Some(forged))).await,
                forged_status,
                "{name}"
            );
        }
    }
}
