//! What the layer costs each request in memory: the boxed per-request future
//! must stay small enough for the allocator's fast path.

mod support;

use axum::{routing::post, Router};
use hookgate_tower::{Webhook, WebhookLayer};
use tower::{Layer, Service};

async fn on_job(_event: Webhook) -> &'static str {
    "ok"
}

/// glibc serves small blocks from a per-thread cache, but that cache holds
/// only seven blocks of each size. When a task's future is
/// allocated on one worker thread and freed on another, it misses, and glibc
/// treats a request over 1000 bytes (a 1024-byte chunk) as a large one, which
/// first consolidates every small free block of the thread. Under load that
/// was `malloc_consolidate` at ≈ 0.4 µs per request
/// (`docs/benchmarks.md`). This pins the future at most 1000 bytes for an
/// axum route, the common case; growing past it needs a reason.
#[tokio::test]
async fn the_per_request_future_fits_the_allocators_small_size_cache() {
    let receiver = support::builder().build().unwrap();
    let route: Router = Router::new().route("/webhook", post(on_job));
    let mut service = WebhookLayer::new(receiver).layer(route);
    let future = service
        .call(support::signed("msg_1", support::job_body("job_1")).map(axum::body::Body::new));
    let size = future.boxed_size();
    assert!(
        size <= 1000,
        "the layer's per-request future is {size} bytes; keep it at most 1000 (see this test's docs)"
    );
    // And it is the real path: the delivery is admitted and handled.
    let res = future.await.unwrap();
    assert_eq!(res.status(), 200);
}
