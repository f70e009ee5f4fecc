#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn
//! What `WebhookLayer` costs per request, in-process (no sockets): the load
//! benchmark's own axum route (`hookgate_loadbench::axum_route`), bare and
//! behind the layer with the default in-memory store, and the floor (the
//! same verify + claim + mark done written inline in the handler, no layer),
//! called with 1 KiB signed Reducto events, each with a fresh message id so
//! every call takes the full path (verify, claim, handler, mark done).
//!
//! The loopback load benchmark (`loadbench/`) shows what a whole server does,
//! but on a 2-vCPU machine shared with the load generator its ratios move by
//! the kernel's wake-ups as much as by the layer; this isolates the layer's
//! own CPU. `cargo bench -p hookgate-loadbench --bench overhead`

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::http::StatusCode;
use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use hookgate_loadbench::axum_route::{bare_router, floor_router, memory_router, signed_delivery};
use hookgate_loadbench::event_body;
use tower::{Service, ServiceExt};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let body = Bytes::from(event_body(1024));
    let next = AtomicU64::new(0);
    let request = || {
        signed_delivery(
            &format!("msg_bench_{}", next.fetch_add(1, Ordering::Relaxed)),
            &body,
        )
    };

    let mut group = c.benchmark_group("axum_route_1KiB");
    group.measurement_time(Duration::from_secs(5));
    let routes = [
        ("bare", bare_router()),
        ("floor_inline_memory", floor_router()),
        ("webhook_layer_memory", memory_router()),
    ];
    for (name, app) in routes {
        // What `axum::serve` does once per connection: turn every route
        // (and its layers) into a service up front. A bare `Router<()>` called
        // as a service would apply the layers again on every request.
        let mut app = app.with_state::<()>(());
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
