//! Serves `n` fresh signed 1 KiB deliveries in-process through one of the
//! load benchmark's routes, for counting instructions per delivery under
//! callgrind (exact, unlike the clock on a shared VM):
//!
//! ```sh
//! bash loadbench/count.sh            # every route, per delivery
//! ```
//!
//! `route-loop <framework>-<route> <n>`: framework `axum`, `actix` or
//! `rocket`; route `bare` (no verification), `floor` (the same checks
//! written inline, `hookgate_loadbench::floor`), `memory` (behind the
//! adapter, default in-memory store) or `prometheus` (the `memory` route
//! with the Prometheus recorder installed in-process as `bench-server`'s
//! `*-prometheus` variants install it, `hookgate::observe::register()`
//! called, drained every 1 000 deliveries outside the counted part). Each
//! framework's requests go through
//! its own in-process entry point (axum: the router as a tower `Service`;
//! actix-web: `test::init_service`; Rocket: the local client), so compare
//! routes within one framework. Only the `serve_*` functions are meant to
//! be counted (`--toggle-collect`): building and signing the requests is not.

use actix_web::dev::ServiceResponse;
use axum::body::Body;
use bytes::Bytes;
use hookgate_loadbench::actix_route::ActixRoute;
use hookgate_loadbench::axum_route::{bare_router, floor_router, memory_router, signed_delivery};
use hookgate_loadbench::rocket_route::RocketRoute;
use hookgate_loadbench::{event_body, memory_receiver, signed_headers, ROUTE};
use metrics_exporter_prometheus::PrometheusHandle;
use rocket::local::asynchronous::{Client, LocalRequest};
use tower::{Service, ServiceExt};

type AxumApp = axum::routing::RouterIntoService<Body>;

/// One delivery through the axum route: the part callgrind counts.
#[inline(never)]
fn serve_one_axum(
    rt: &tokio::runtime::Runtime,
    app: &mut AxumApp,
    req: http::Request<Body>,
) -> u16 {
    rt.block_on(async {
        let res = ServiceExt::<http::Request<Body>>::ready(app)
            .await
            .expect("ready")
            .call(req)
            .await
            .expect("infallible");
        res.status().as_u16()
    })
}

/// One delivery through the actix-web app: the part callgrind counts.
#[inline(never)]
fn serve_one_actix<S, R, B>(sys: &actix_web::rt::SystemRunner, app: &S, req: R) -> u16
where
    S: actix_web::dev::Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    sys.block_on(async {
        let res = app.call(req).await.expect("the app answers");
        res.status().as_u16()
    })
}

/// One delivery through the Rocket instance: the part callgrind counts.
#[inline(never)]
fn serve_one_rocket(rt: &tokio::runtime::Runtime, req: LocalRequest<'_>) -> u16 {
    rt.block_on(async { req.dispatch().await.status().code })
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn id(i: u64) -> String {
    format!("msg_loop_{i}")
}

/// Drains the Prometheus recorder, when one is installed, every 1 000
/// deliveries (`bench-server` drains it every 5 s: tens of thousands).
/// Counted too (`count.sh` collects `serve_*`): sorting the histogram
/// samples into buckets is part of what a recorded delivery costs.
#[inline(never)]
fn serve_upkeep(recorder: Option<&PrometheusHandle>, i: u64) {
    if let Some(handle) = recorder.filter(|_| i % 1000 == 999) {
        handle.run_upkeep();
    }
}

/// The Prometheus recorder, installed for the `prometheus` route only.
fn recorder(route: &str) -> Option<PrometheusHandle> {
    (route == "prometheus").then(hookgate_loadbench::install_prometheus)
}

fn axum(route: &str, n: u64, body: &Bytes) {
    let recorder = recorder(route);
    let router = match route {
        "bare" => bare_router(),
        "floor" => floor_router(),
        "memory" | "prometheus" => memory_router(),
        other => unknown(other),
    };
    // As `axum::serve` does once per connection.
    let mut app = router.with_state::<()>(()).into_service::<Body>();
    let rt = current_thread();
    for i in 0..n {
        let status = serve_one_axum(&rt, &mut app, signed_delivery(&id(i), body));
        assert_eq!(status, 200, "delivery {i}");
        serve_upkeep(recorder.as_ref(), i);
    }
}

fn actix(route: &str, n: u64, body: &Bytes) {
    let recorder = recorder(route);
    let route = match route {
        "bare" => ActixRoute::Bare,
        "floor" => ActixRoute::floor(),
        "memory" | "prometheus" => ActixRoute::Guarded(memory_receiver()),
        other => unknown(other),
    };
    let sys = actix_web::rt::System::new();
    let app = sys.block_on(actix_web::test::init_service(
        actix_web::App::new().configure(|cfg| route.configure(cfg)),
    ));
    for i in 0..n {
        let mut req = actix_web::test::TestRequest::post().uri(ROUTE);
        for header in signed_headers(&id(i), body) {
            req = req.insert_header(header);
        }
        let status = serve_one_actix(&sys, &app, req.set_payload(body.clone()).to_request());
        assert_eq!(status, 200, "delivery {i}");
        serve_upkeep(recorder.as_ref(), i);
    }
}

fn rocket(route: &str, n: u64, body: &Bytes) {
    let recorder = recorder(route);
    let route = match route {
        "bare" => RocketRoute::Bare,
        "floor" => RocketRoute::Floor,
        "memory" | "prometheus" => RocketRoute::Guarded(memory_receiver()),
        other => unknown(other),
    };
    let config = rocket::Config {
        log_level: rocket::config::LogLevel::Off,
        cli_colors: false,
        ..rocket::Config::release_default()
    };
    let rt = current_thread();
    let client = rt
        .block_on(Client::untracked(route.mount(rocket::custom(config))))
        .expect("rocket ignites");
    for i in 0..n {
        let mut req = client.post(ROUTE).body(&body[..]);
        for (name, value) in signed_headers(&id(i), body) {
            req = req.header(rocket::http::Header::new(name, value));
        }
        let status = serve_one_rocket(&rt, req);
        assert_eq!(status, 200, "delivery {i}");
        serve_upkeep(recorder.as_ref(), i);
    }
}

fn unknown(route: &str) -> ! {
    eprintln!("unknown route {route} (bare, floor, memory or prometheus)");
    std::process::exit(2);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some((framework, route)), Some(n)) = (
        args.get(1).and_then(|r| r.split_once('-')),
        args.get(2).and_then(|n| n.parse::<u64>().ok()),
    ) else {
        eprintln!("usage: route-loop <axum|actix|rocket>-<bare|floor|memory|prometheus> <n>");
        std::process::exit(2);
    };
    // A server is never single-threaded, and glibc's malloc takes faster
    // single-threaded paths until a second thread has existed (≈ 100
    // instructions a delivery here). `observe::register()` starts a thread
    // (the `prometheus` routes), and so do servers and the Prometheus
    // upkeep: every route is counted as a server runs it.
    std::thread::spawn(|| ()).join().expect("a thread");
    let body = Bytes::from(event_body(1024));
    match framework {
        "axum" => axum(route, n, &body),
        "actix" => actix(route, n, &body),
        "rocket" => rocket(route, n, &body),
        other => {
            eprintln!("unknown framework {other}");
            std::process::exit(2);
        }
    }
}
