//! Loopback load benchmark for hookgate.
//!
//! * `bench-server <variant> <addr>` serves `POST /webhook/reducto` in one of
//!   several ways (bare route, behind hookgate in memory or Redis, or a
//!   hand-written verify + `SET NX` handler), for axum, actix-web and Rocket.
//! * `loadgen` sends pre-signed 1 KiB Reducto events with unique message ids over
//!   N keep-alive connections and prints throughput and latency.
//! * `loadbench/run.sh` runs every variant in one go and prints a table.
//!
//! Every handler does the same work: parse the typed job event and answer
//! `200 {"received": true}`.

pub mod axum_route;

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
