#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn
//! What `WebhookLayer` costs per request, in-process (no sockets): the same
//! axum route, bare and behind the layer with the default in-memory store,
//! called with 1 KiB signed Reducto events, each with a fresh message id so
//! every call takes the full path (verify, claim, handler, mark done).
//!
//! The loopback load benchmark (`loadbench/`) shows what a whole server does,
//! but on a 2-vCPU machine shared with the load generator its ratios move by
//! the kernel's wake-ups as much as by the layer; this isolates the layer's
//! own CPU. `cargo bench -p hookgate-tower --bench overhead`

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use hookgate::{JobEvent, Receiver, Secret};
use hookgate_tower::{Webhook, WebhookLayer};
use tower::{Service, ServiceExt};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const RECEIVED: &str = r#"{"received":true}"#;

async fn bare(body: Bytes) -> Response {
    match serde_json::from_slice::<JobEvent>(&body) {
        Ok(_) => ([("content-type", "application/json")], RECEIVED).into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

async fn guarded(event: Webhook<JobEvent>) -> Response {
    std::hint::black_box(&event.job_id);
    ([("content-type", "application/json")], RECEIVED).into_response()
}

/// A Reducto job event padded to 1 KiB.
fn event_body() -> Bytes {
    let mut body = br#"{"status":"Completed","job_id":"job_load","metadata":{"pad":""#.to_vec();
    body.resize(1024 - 3, b'x');
    body.extend_from_slice(b"\"}}");
    body.into()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let body = event_body();
    let secret = Secret::parse(SECRET).expect("secret");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let next = AtomicU64::new(0);
    let request = || {
        let id = format!("msg_bench_{}", next.fetch_add(1, Ordering::Relaxed));
        let sig = secret.sign(&id, now, &body);
        http::Request::post("/webhook/reducto")
            .header("svix-id", id)
            .header("svix-timestamp", now.to_string())
            .header("svix-signature", sig)
            .header("content-type", "application/json")
            .header("content-length", body.len())
            .body(Body::from(body.clone()))
            .expect("request")
    };

    let mut group = c.benchmark_group("axum_route_1KiB");
    group.measurement_time(Duration::from_secs(5));
    let routes = [
        ("bare", Router::new().route("/webhook/reducto", post(bare))),
        (
            "webhook_layer_memory",
            Router::new()
                .route("/webhook/reducto", post(guarded))
                .layer(WebhookLayer::new(
                    Receiver::builder()
                        .secret(SECRET)
                        .build()
                        .expect("receiver"),
                )),
        ),
    ];
    for (name, mut app) in routes {
        group.bench_function(name, |b| {
            b.iter_batched(
                &request,
                |req| {
                    let res = rt.block_on(async {
                        ServiceExt::<http::Request<Body>>::ready(&mut app)
                            .await
                            .expect("ready")
                            .call(req)
                            .await
                            .expect("infallible")
                    });
                    assert_eq!(res.status(), StatusCode::OK);
                    res
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
