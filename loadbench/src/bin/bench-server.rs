//! One webhook route served in one of several ways, for the load benchmark.
//!
//! `bench-server <variant> <addr>`; variants:
//! `axum-bare`, `axum-memory`, `axum-redis`, `axum-handwritten`, `axum-queue`
//! (queue mode on Redis: verify, then the atomic enqueue, answered `202`; no
//! workers, so only the request path is measured; the queue is deleted on
//! `SIGTERM`/`SIGINT`, as are `axum-handwritten`'s keys), `axum-floor`
//! (verify + in-memory claim written inline in the handler, no layer),
//! `actix-bare`, `actix-memory`, `actix-redis`, `actix-floor`,
//! `rocket-bare`, `rocket-memory`, `rocket-redis`, `rocket-floor` (each
//! framework's floor does the same work: `hookgate_loadbench::floor`), and
//! `axum-prometheus`, `actix-prometheus`, `rocket-prometheus`: the `memory`
//! variant with the Prometheus recorder installed (as the example receivers
//! install it), so hookgate's metrics are recorded for every delivery.
//! `*-redis`, `axum-handwritten` and `axum-queue` use `REDIS_URL` (default
//! `redis://127.0.0.1:6379/`). `WORKERS` sets the worker threads of the Tokio
//! runtime the axum and Rocket variants run on (default 2; actix always uses
//! 2 workers). `STORE_CAPACITY` sets the capacity of the `*-memory`
//! variants' store (default: `MemoryStore::DEFAULT_CAPACITY`), e.g. 1000 to
//! keep its table in cache. Prints `listening on <addr>` when ready.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use hookgate::queue::QueueConfig;
use hookgate::redis::{connect, ConnectionManager, RedisQueue, RedisStore};
use hookgate::Receiver;
use hookgate_loadbench::axum_route::{bare_router, floor_router, guarded_router, received};
use hookgate_loadbench::redis_keys::delete_keys;
use hookgate_loadbench::{parse, ROUTE, SECRET};

fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into())
}

/// The receiver of a `*-memory` or `*-redis` variant; a fresh key prefix per
/// start so runs never see each other's markers.
async fn receiver(redis: bool) -> Receiver {
    let builder = Receiver::builder()
        .secret(SECRET)
        .key_prefix(format!("bench:{}:", std::process::id()))
        // A run's markers need not outlive it: keep the shared Redis small
        // (just past the replay window the default tolerance allows, which
        // `build()` requires).
        .done_ttl(std::time::Duration::from_secs(15 * 60));
    let builder = if redis {
        let conn = connect(&redis_url()).await.expect("redis");
        builder.store(RedisStore::new(conn))
    } else if let Ok(capacity) = std::env::var("STORE_CAPACITY") {
        let capacity = capacity
            .parse()
            .expect("STORE_CAPACITY is a number of keys");
        builder.store(hookgate::store::MemoryStore::with_capacity(capacity))
    } else {
        builder
    };
    builder.build().expect("receiver")
}

/// The queue of the `axum-queue` variant: its own name per start.
fn bench_queue(conn: ConnectionManager) -> RedisQueue<ConnectionManager> {
    RedisQueue::new(conn).named(format!("bench:{}:queue", std::process::id()))
}

/// The receiver of `axum-queue`: queue mode on Redis, the same secret and
/// done TTL as the other variants.
async fn queue_receiver() -> (Receiver, ConnectionManager) {
    let conn = connect(&redis_url()).await.expect("redis");
    let receiver = Receiver::builder()
        .secret(SECRET)
        .key_prefix(format!("bench:{}:", std::process::id()))
        .done_ttl(std::time::Duration::from_secs(15 * 60))
        .queue(QueueConfig::new(bench_queue(conn.clone())))
        .build()
        .expect("receiver");
    (receiver, conn)
}

/// Deletes everything the `axum-queue` variant queued (its stream, its
/// markers), so repeated runs do not fill the shared Redis.
async fn delete_bench_queue(conn: ConnectionManager) {
    let tag = bench_queue(conn.clone()).stream_key(0);
    let tag = tag.trim_end_matches(":stream").to_owned();
    let pattern = format!("{tag}*");
    let deleted = delete_keys(conn, &pattern).await;
    eprintln!("deleted {deleted} keys matching {pattern}");
}

/// Resolves on `SIGTERM` or `SIGINT`.
async fn terminated() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

fn listening(addr: SocketAddr) {
    println!("listening on {addr}");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(variant), Some(addr)) = (
        args.get(1),
        args.get(2).and_then(|a| a.parse::<SocketAddr>().ok()),
    ) else {
        eprintln!("usage: bench-server <variant> <addr>");
        std::process::exit(2);
    };
    let (framework, mode) = variant.split_once('-').unwrap_or((variant.as_str(), ""));
    let mode = if mode == "prometheus" {
        install_prometheus();
        "memory"
    } else {
        mode
    };
    match framework {
        "axum" => tokio_rt().block_on(axum_server::run(mode, addr)),
        "actix" => actix_server::run(mode, addr),
        "rocket" => tokio_rt().block_on(rocket_server::run(mode, addr)),
        _ => {
            eprintln!("unknown variant {variant}");
            std::process::exit(2);
        }
    }
}

/// [`install_prometheus`](hookgate_loadbench::install_prometheus), drained
/// every 5 s as the example receivers drain it.
fn install_prometheus() {
    let handle = hookgate_loadbench::install_prometheus();
    std::thread::spawn(move || loop {
        std::thread::sleep(std::time::Duration::from_secs(5));
        handle.run_upkeep();
    });
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(
            std::env::var("WORKERS")
                .ok()
                .and_then(|w| w.parse().ok())
                .unwrap_or(2),
        )
        .enable_all()
        .build()
        .expect("runtime")
}

mod axum_server {
    use super::*;
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::{IntoResponse, Response};
    use axum::routing::post;
    use axum::Router;

    /// What the Reducto / Svix docs show: verify with the `svix` crate, then one
    /// `SET NX` to skip duplicates. No in-flight state, no release on failure.
    struct HandWritten {
        webhook: svix::webhooks::Webhook,
        redis: redis::aio::ConnectionManager,
    }

    async fn handwritten(
        State(st): State<Arc<HandWritten>>,
        headers: HeaderMap,
        body: Bytes,
    ) -> Response {
        if st.webhook.verify(&body, &headers).is_err() {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        let Some(id) = headers.get("svix-id").and_then(|v| v.to_str().ok()) else {
            return StatusCode::BAD_REQUEST.into_response();
        };
        let mut conn = st.redis.clone();
        let fresh: Result<Option<String>, _> = redis::cmd("SET")
            .arg(format!("handwritten:{}:{id}", std::process::id()))
            .arg(1)
            .arg("NX")
            .arg("EX")
            .arg(120)
            .query_async(&mut conn)
            .await;
        match fresh {
            Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
            Ok(None) => received(),
            Ok(Some(_)) => match parse(&body) {
                Ok(_) => received(),
                Err(_) => StatusCode::BAD_REQUEST.into_response(),
            },
        }
    }

    pub async fn run(mode: &str, addr: SocketAddr) {
        let app = match mode {
            "bare" => bare_router(),
            "floor" => floor_router(),
            "memory" | "redis" => guarded_router(receiver(mode == "redis").await),
            "queue" => {
                let (receiver, conn) = queue_receiver().await;
                let app = Router::new().route(
                    ROUTE,
                    hookgate_tower::queue_route(
                        receiver.queue_receiver().expect("a receiver in queue mode"),
                    ),
                );
                let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
                listening(listener.local_addr().expect("addr"));
                axum::serve(
                    listener,
                    app.into_make_service_with_connect_info::<SocketAddr>(),
                )
                .with_graceful_shutdown(terminated())
                .await
                .expect("serve");
                delete_bench_queue(conn).await;
                return;
            }
            "handwritten" => {
                let st = Arc::new(HandWritten {
                    webhook: svix::webhooks::Webhook::new(SECRET).expect("secret"),
                    redis: connect(&redis_url()).await.expect("redis"),
                });
                let conn = st.redis.clone();
                let app = Router::new().route(ROUTE, post(handwritten)).with_state(st);
                let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
                listening(listener.local_addr().expect("addr"));
                axum::serve(
                    listener,
                    app.into_make_service_with_connect_info::<SocketAddr>(),
                )
                .with_graceful_shutdown(terminated())
                .await
                .expect("serve");
                let pattern = format!("handwritten:{}:*", std::process::id());
                let deleted = delete_keys(conn, &pattern).await;
                eprintln!("deleted {deleted} keys matching {pattern}");
                return;
            }
            other => {
                eprintln!("unknown axum mode {other}");
                std::process::exit(2);
            }
        };
        let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
        listening(listener.local_addr().expect("addr"));
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("serve");
    }
}

mod actix_server {
    use super::*;
    use actix_web::{App, HttpServer};
    use hookgate_loadbench::actix_route::ActixRoute;

    pub fn run(mode: &str, addr: SocketAddr) {
        let mode = mode.to_owned();
        actix_web::rt::System::new().block_on(async move {
            let route = match mode.as_str() {
                "bare" => ActixRoute::Bare,
                "floor" => ActixRoute::floor(),
                "memory" | "redis" => ActixRoute::Guarded(receiver(mode == "redis").await),
                other => {
                    eprintln!("unknown actix mode {other}");
                    std::process::exit(2);
                }
            };
            let server = HttpServer::new(move || {
                let route = route.clone();
                App::new().configure(move |cfg| route.configure(cfg))
            })
            .workers(2)
            .bind(addr)
            .expect("bind");
            listening(server.addrs()[0]);
            server.run().await.expect("serve");
        });
    }
}

mod rocket_server {
    use super::*;
    use hookgate_loadbench::rocket_route::RocketRoute;
    use rocket::config::LogLevel;
    use rocket::fairing::AdHoc;

    pub async fn run(mode: &str, addr: SocketAddr) {
        let config = rocket::Config {
            address: addr.ip(),
            port: addr.port(),
            workers: 2,
            log_level: LogLevel::Off,
            cli_colors: false,
            ..rocket::Config::release_default()
        };
        let rocket = rocket::custom(config).attach(AdHoc::on_liftoff("listening", |r| {
            Box::pin(async move {
                listening(SocketAddr::new(r.config().address, r.config().port));
            })
        }));
        let route = match mode {
            "bare" => RocketRoute::Bare,
            "floor" => RocketRoute::Floor,
            "memory" | "redis" => RocketRoute::Guarded(receiver(mode == "redis").await),
            other => {
                eprintln!("unknown rocket mode {other}");
                std::process::exit(2);
            }
        };
        if let Err(e) = route.mount(rocket).launch().await {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
