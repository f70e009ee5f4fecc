//! Loopback load benchmark for hookgate.
//!
//! * `bench-server <variant> <addr>` serves `POST /webhook/reducto` in one of
//!   several ways (bare route, behind hookgate in memory or Redis, queue mode's
//!   request path, the [`floor`] written inline, or a hand-written verify +
//!   `SET NX` handler),
//!   for axum, actix-web and Rocket.
//! * `route-loop <framework>-<route> <n>` serves deliveries in-process, for
//!   `loadbench/count.sh` to count instructions per delivery under callgrind
//!   (routes `bare`, `floor`, `memory`, and `prometheus`: `memory` with the
//!   Prometheus recorder of [`install_prometheus`]).
//! * `loadgen` sends pre-signed 1 KiB Reducto events with unique message ids over
//!   N keep-alive connections and prints throughput and latency.
//! * `queue-drain` fills a Redis queue and times queue mode's workers
//!   draining it against a bare `XREADGROUP` + `XACK` loop over the same
//!   entries and against the same Redis work done inline.
//! * `loadbench/run.sh` runs every variant in one go and prints a table.
//!
//! Every handler does the same work: parse the typed job event and answer
//! `200 {"received": true}`.

pub mod actix_route;
pub mod axum_route;
pub mod floor;
pub mod redis_keys;
pub mod rocket_route;

/// The body every handler answers with.
pub const RECEIVED: &str = r#"{"received":true}"#;

/// The handlers' work: parse the typed Reducto event.
pub fn parse(body: &[u8]) -> serde_json::Result<hookgate::JobEvent> {
    serde_json::from_slice(body)
}

/// The secret every variant verifies with (and the load generator signs with).
pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// The route under load.
pub const ROUTE: &str = "/webhook/reducto";

/// The secret every variant verifies with, parsed.
pub fn bench_secret() -> hookgate::Secret {
    hookgate::Secret::parse(SECRET).expect("the bench secret parses")
}

/// The headers of a delivery of `body` with message id `id`, signed now with
/// the bench secret as a Svix sender signs.
pub fn signed_headers(id: &str, body: &[u8]) -> [(&'static str, String); 5] {
    use hookgate::clock::Clock;
    let now = hookgate::clock::SystemClock.now_unix();
    [
        ("svix-id", id.to_owned()),
        ("svix-timestamp", now.to_string()),
        ("svix-signature", bench_secret().sign(id, now, body)),
        ("content-type", "application/json".to_owned()),
        ("content-length", body.len().to_string()),
    ]
}

/// The receiver of the in-memory layer routes the in-process benches
/// measure: the bench secret and the default in-memory store
/// (`bench-server` builds its own receivers).
pub fn memory_receiver() -> hookgate::Receiver {
    hookgate::Receiver::builder()
        .secret(SECRET)
        .build()
        .expect("the bench receiver builds")
}

/// Installs the Prometheus recorder as the example receivers install it
/// (`examples/src/metrics.rs`): `_seconds` metrics as histograms, then
/// [`hookgate::observe::register`]. The caller drains it
/// ([`run_upkeep`](metrics_exporter_prometheus::PrometheusHandle::run_upkeep)).
///
/// # Panics
///
/// When a global recorder is already installed.
pub fn install_prometheus() -> metrics_exporter_prometheus::PrometheusHandle {
    use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
    const BUCKETS: &[f64] = &[
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    ];
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), BUCKETS)
        .expect("buckets")
        .install_recorder()
        .expect("recorder");
    hookgate::observe::register();
    handle
}

/// A Reducto job event padded to `size` bytes.
pub fn event_body(size: usize) -> Vec<u8> {
    let mut body = br#"{"status":"Completed","job_id":"job_load","metadata":{"pad":""#.to_vec();
    while body.len() + 3 < size {
        body.push(b'x');
    }
    body.extend_from_slice(b"\"}}");
    body
}

#[cfg(test)]
mod tests {
    #[test]
    fn body_is_the_size_asked_and_parses() {
        let b = super::event_body(1024);
        assert_eq!(b.len(), 1024);
        let ev: hookgate::JobEvent = serde_json::from_slice(&b).unwrap();
        assert!(ev.status.is_completed());
    }
}
