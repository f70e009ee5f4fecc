//! Serves `n` fresh signed 1 KiB deliveries in-process through one of the
//! load benchmark's axum routes, for counting instructions per delivery under
//! callgrind (exact, unlike the clock on a shared VM):
//!
//! ```sh
//! bash loadbench/count.sh            # every route, per delivery
//! ```
//!
//! `route-loop <bare|floor|memory> <n>`. Only `serve_one` is meant to be
//! counted (`--toggle-collect`): building and signing the requests is not.

use axum::body::Body;
use axum::http::StatusCode;
use axum::Router;
use bytes::Bytes;
use hookgate_loadbench::axum_route::{bare_router, floor_router, memory_router, signed_delivery};
use hookgate_loadbench::event_body;
use tower::{Service, ServiceExt};

type App = axum::routing::RouterIntoService<Body>;

/// One delivery through the route: the part callgrind counts.
#[inline(never)]
fn serve_one(rt: &tokio::runtime::Runtime, app: &mut App, req: http::Request<Body>) -> StatusCode {
    rt.block_on(async {
        let res = ServiceExt::<http::Request<Body>>::ready(app)
            .await
            .expect("ready")
            .call(req)
            .await
            .expect("infallible");
        res.status()
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(route), Some(n)) = (args.get(1), args.get(2).and_then(|n| n.parse::<u64>().ok()))
    else {
        eprintln!("usage: route-loop <bare|floor|memory> <n>");
        std::process::exit(2);
    };
    let router: Router = match route.as_str() {
        "bare" => bare_router(),
        "floor" => floor_router(),
        "memory" => memory_router(),
        other => {
            eprintln!("unknown route {other}");
            std::process::exit(2);
        }
    };
    // As `axum::serve` does once per connection.
    let mut app = router.with_state::<()>(()).into_service::<Body>();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let body = Bytes::from(event_body(1024));
    for i in 0..n {
        let req = signed_delivery(&format!("msg_loop_{i}"), &body);
        let status = serve_one(&rt, &mut app, req);
        assert_eq!(status, StatusCode::OK, "delivery {i}");
    }
}
