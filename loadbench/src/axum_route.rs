//! The axum route every axum variant serves: bare, the same handler work
//! behind `WebhookLayer`, or the floor (the same checks written inline). The
//! loopback `bench-server` and the in-process `overhead` bench both build it
//! from here, so they measure the same code.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use bytes::Bytes;
use hookgate::{
    ClaimOutcome, ClaimToken, Clock, IdempotencyStore, JobEvent, KeyRing, MemoryStore, Receiver,
    Secret, SystemClock, Tolerance,
};
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

/// `POST /webhook/reducto` behind `WebhookLayer` with a receiver of the
/// bench secret and the default in-memory store (what the in-process benches
/// measure; `bench-server` builds its own receivers).
pub fn memory_router() -> Router {
    guarded_router(
        Receiver::builder()
            .secret(crate::SECRET)
            .build()
            .expect("the bench receiver builds"),
    )
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
    let now = SystemClock.now_unix();
    http::Request::post(ROUTE)
        .header("svix-id", id)
        .header("svix-timestamp", now.to_string())
        .header("svix-signature", bench_secret().sign(id, now, body))
        .header("content-type", "application/json")
        .header("content-length", body.len())
        .body(axum::body::Body::from(body.clone()))
        .expect("a valid request")
}

/// The secret every variant verifies with, parsed.
fn bench_secret() -> Secret {
    Secret::parse(crate::SECRET).expect("the bench secret parses")
}

/// The floor's body limit: axum's default for the `Bytes` extractor, which
/// the bare route uses.
const FLOOR_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// What the floor handler holds: the key ring and the in-memory store.
struct Floor {
    ring: KeyRing,
    store: MemoryStore,
}

/// The least a receiver that keeps hookgate's guarantees does per delivery,
/// written inline with hookgate's own fastest parts and nothing around them:
/// read the signature headers, check the timestamp, HMAC the body, claim the
/// message id in the in-memory store, parse, mark it done. No layer, no
/// `Delivery`, no request extension, no handler deadline, no release when the
/// handler fails or is dropped: a bound on what any middleware could reach,
/// not a receiver to copy.
async fn floor(State(f): State<Arc<Floor>>, req: Request) -> Response {
    // The headers by reference, not axum's `HeaderMap` extractor (a clone).
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, FLOOR_BODY_LIMIT).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let headers = &parts.headers;
    let now = SystemClock.now_unix();
    let Ok(signed) = f.ring.verify(headers, &body, now, Tolerance::default()) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let token = ClaimToken::random();
    match f
        .store
        .claim(signed.id, token, Duration::from_secs(30))
        .await
    {
        Ok(ClaimOutcome::Fresh) => {}
        Ok(_) => return received(),
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
    let answer = match parse(&body) {
        Ok(_) => received(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    };
    let _ = f
        .store
        .complete(signed.id, token, Duration::from_secs(120))
        .await;
    answer
}

/// `POST /webhook/reducto` with the floor handler: verify, claim, parse and
/// mark done inline, the in-memory store at its default size.
pub fn floor_router() -> Router {
    let state = Arc::new(Floor {
        ring: KeyRing::from(bench_secret()),
        store: MemoryStore::new(),
    });
    Router::new().route(ROUTE, post(floor)).with_state(state)
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
