//! What hookgate tells an operator: one `tracing` span per delivery and
//! metrics through the [`metrics`] facade. The library installs no exporter
//! and no subscriber; with neither installed, all of this costs a few
//! atomic loads and clock reads per delivery.
//!
//! # The delivery span
//!
//! Every adapter opens one span, [`SPAN_NAME`] (`hookgate.delivery`, level
//! `INFO`, target `hookgate`), per request on its protected route, made by
//! [`delivery_span`], and runs the whole request in it: the app's handler and
//! its own spans are its children, so an app's log lines carry the message
//! id. Its fields, the same in every adapter:
//!
//! | field | value |
//! | --- | --- |
//! | `framework` | `axum`, `actix` or `rocket` |
//! | `mode` | `signed` or `direct` |
//! | `message_id` | the authenticated message id (signed mode; never one from a refused delivery) |
//! | `client` | the client address as hookgate established it (trusted proxies applied) |
//! | `outcome` | the outcome code (see [`OUTCOME_CODES`]) |
//! | `status` | the HTTP status answered, when hookgate or the handler's status decided it |
//! | `verify_ms` | the checks decided from the request alone: size, headers, source, signature or token |
//! | `store_ms` | the claim (or the enqueue) at admission; not with the built-in in-memory store |
//! | `handler_ms` | from admission to the handler's end |
//! | `settle_ms` | marking the delivery done or releasing its claim; not with the built-in in-memory store |
//!
//! Never a secret, a signature, a token or a body. Refusals are logged at
//! `INFO` (a duplicate or a queued delivery at `DEBUG`), store trouble at
//! `WARN`, inside the span.
//!
//! # Metrics
//!
//! | name | kind | labels | what |
//! | --- | --- | --- | --- |
//! | `hookgate_deliveries_total` | counter | `outcome`, `mode` | every delivery once, by how it ended |
//! | `hookgate_verify_duration_seconds` | histogram | `mode` | the checks decided from the request alone (signature, token, source) |
//! | `hookgate_store_duration_seconds` | histogram | `op` | one call to an idempotency store (not the built-in in-memory one): `claim`, `complete`, `release`, `renew` |
//! | `hookgate_store_errors_total` | counter | `op` | store calls that failed or ran past the store deadline |
//! | `hookgate_handler_duration_seconds` | histogram | — | from admission to the handler's end |
//! | `hookgate_in_flight` | gauge | — | admitted deliveries whose handler has not ended |
//! | `hookgate_queue_ready` | gauge | — | queue mode: entries waiting for a worker |
//! | `hookgate_queue_scheduled` | gauge | — | queue mode: failed entries waiting for their retry |
//! | `hookgate_queue_running` | gauge | — | queue mode: entries a worker holds |
//! | `hookgate_queue_dead` | gauge | — | queue mode: dead letters |
//! | `hookgate_queue_oldest_age_seconds` | gauge | — | queue mode: age of the oldest waiting or running entry (0 when empty) |
//! | `hookgate_queue_attempts_total` | counter | `result` | queue mode: handler attempts, `succeeded`, `failed` or `permanent` |
//! | `hookgate_queue_dead_letters_total` | counter | — | queue mode: entries moved to the dead letters |
//!
//! [`METRICS`] is this table as data (the dashboard's test checks every query
//! against it). Label values are bounded: `outcome` is one of
//! [`OUTCOME_CODES`], `mode` `signed` or `direct`, `op` one of
//! [`STORE_OPS`], `result` one of [`ATTEMPT_RESULTS`]; never an id. The queue
//! gauges are refreshed by the worker pool every [`QUEUE_GAUGE_INTERVAL`]
//! from [`Receiver::queue_stats`](crate::Receiver::queue_stats).
//!
//! Call [`register`] after installing a global recorder: it gives each
//! metric its help text and unit ([`describe`]) and registers the handles
//! once, so a delivery does not look each one up again. It registers only
//! with a global recorder that is installed: called earlier, it registers
//! nothing and deliveries still reach a recorder installed later.
//!
//! ```
//! use hookgate::observe;
//!
//! let span = observe::delivery_span(observe::FRAMEWORK_AXUM);
//! # drop(span);
//! assert!(observe::METRICS.iter().any(|m| m.name == observe::DELIVERIES_TOTAL));
//! assert!(observe::OUTCOME_CODES.contains(&"invalid_signature"));
//! ```

use std::time::Duration;

use tracing::{Level, Span};

/// The span every adapter opens per delivery.
pub const SPAN_NAME: &str = "hookgate.delivery";
/// The `framework` field of the span in `hookgate-tower`.
pub const FRAMEWORK_AXUM: &str = "axum";
/// The `framework` field of the span in `hookgate-actix`.
pub const FRAMEWORK_ACTIX: &str = "actix";
/// The `framework` field of the span in `hookgate-rocket`.
pub const FRAMEWORK_ROCKET: &str = "rocket";

/// Counter: every delivery once, by how it ended (`outcome`, `mode`).
pub const DELIVERIES_TOTAL: &str = "hookgate_deliveries_total";
/// Histogram, seconds: the checks decided from the request alone (`mode`).
pub const VERIFY_DURATION: &str = "hookgate_verify_duration_seconds";
/// Histogram, seconds: one idempotency-store call (`op`).
pub const STORE_DURATION: &str = "hookgate_store_duration_seconds";
/// Counter: store calls that failed or timed out (`op`).
pub const STORE_ERRORS_TOTAL: &str = "hookgate_store_errors_total";
/// Histogram, seconds: from admission to the handler's end.
pub const HANDLER_DURATION: &str = "hookgate_handler_duration_seconds";
/// Gauge: admitted deliveries whose handler has not ended.
pub const IN_FLIGHT: &str = "hookgate_in_flight";
/// Gauge: queue entries waiting for a worker.
pub const QUEUE_READY: &str = "hookgate_queue_ready";
/// Gauge: failed queue entries waiting for their retry delay.
pub const QUEUE_SCHEDULED: &str = "hookgate_queue_scheduled";
/// Gauge: queue entries a worker holds.
pub const QUEUE_RUNNING: &str = "hookgate_queue_running";
/// Gauge: dead letters.
pub const QUEUE_DEAD: &str = "hookgate_queue_dead";
/// Gauge, seconds: age of the oldest waiting or running queue entry.
pub const QUEUE_OLDEST_AGE: &str = "hookgate_queue_oldest_age_seconds";
/// Counter: queue handler attempts (`result`).
pub const QUEUE_ATTEMPTS_TOTAL: &str = "hookgate_queue_attempts_total";
/// Counter: queue entries moved to the dead letters.
pub const QUEUE_DEAD_LETTERS_TOTAL: &str = "hookgate_queue_dead_letters_total";

/// How often the worker pool refreshes the queue gauges.
pub const QUEUE_GAUGE_INTERVAL: Duration = Duration::from_secs(5);

/// The kind of a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// Only goes up.
    Counter,
    /// Goes up and down.
    Gauge,
    /// A distribution (Prometheus: `_bucket`, `_sum`, `_count`).
    Histogram,
}

/// One metric hookgate emits: a row of the table in the [module docs](self).
#[derive(Debug, Clone, Copy)]
pub struct MetricInfo {
    /// The metric's name.
    pub name: &'static str,
    /// Counter, gauge or histogram.
    pub kind: MetricKind,
    /// Its label names.
    pub labels: &'static [&'static str],
    /// Its help text.
    pub help: &'static str,
}

const fn info(
    name: &'static str,
    kind: MetricKind,
    labels: &'static [&'static str],
    help: &'static str,
) -> MetricInfo {
    MetricInfo {
        name,
        kind,
        labels,
        help,
    }
}

/// Every metric hookgate emits, with its labels and help text.
pub const METRICS: &[MetricInfo] = &[
    info(DELIVERIES_TOTAL, MetricKind::Counter, &["outcome", "mode"], "Webhook deliveries, once each, by how they ended."),
    info(VERIFY_DURATION, MetricKind::Histogram, &["mode"], "Time spent on the checks decided from the request alone (signature, token, source), in seconds."),
    info(STORE_DURATION, MetricKind::Histogram, &["op"], "Duration of one idempotency-store call, in seconds."),
    info(STORE_ERRORS_TOTAL, MetricKind::Counter, &["op"], "Idempotency-store calls that failed or ran past the store deadline."),
    info(HANDLER_DURATION, MetricKind::Histogram, &[], "Time from admission to the handler's end, in seconds."),
    info(IN_FLIGHT, MetricKind::Gauge, &[], "Admitted deliveries whose handler has not ended."),
    info(QUEUE_READY, MetricKind::Gauge, &[], "Queue entries waiting for a worker."),
    info(QUEUE_SCHEDULED, MetricKind::Gauge, &[], "Failed queue entries waiting for their retry delay."),
    info(QUEUE_RUNNING, MetricKind::Gauge, &[], "Queue entries a worker holds."),
    info(QUEUE_DEAD, MetricKind::Gauge, &[], "Dead letters in the queue."),
    info(QUEUE_OLDEST_AGE, MetricKind::Gauge, &[], "Age of the oldest waiting or running queue entry, in seconds (0 when none)."),
    info(QUEUE_ATTEMPTS_TOTAL, MetricKind::Counter, &["result"], "Queue handler attempts, by result."),
    info(QUEUE_DEAD_LETTERS_TOTAL, MetricKind::Counter, &[], "Queue entries moved to the dead letters."),
];

/// Values of the `op` label of the store metrics.
pub const STORE_OPS: &[&str] = &["claim", "complete", "release", "renew"];

/// Values of the `result` label of [`QUEUE_ATTEMPTS_TOTAL`].
pub const ATTEMPT_RESULTS: &[&str] = &["succeeded", "failed", "permanent"];

/// Declares the outcome codes, their table and the code → index lookup.
macro_rules! outcome_codes {
    ($($index:literal => $code:literal,)*) => {
        /// Every value of the `outcome` label (and span field): how a
        /// delivery ended. `duplicate`, `queued` and the refusals are decided
        /// at admission ([`Outcome::code`](crate::Outcome::code)); `processed`, `handler_failed`,
        /// `handler_error` and the replacing `handler_timeout`, `claim_lost`,
        /// `store_unavailable` when the handler ends
        /// ([`Conclusion::code`](crate::adapter::Conclusion::code)); `dropped` when an admitted delivery's
        /// claim was dropped before its handler ended (a panic, or the
        /// request cancelled): the claim released itself.
        pub const OUTCOME_CODES: &[&str] = &[$($code),*];

        fn outcome_index(code: &str) -> Option<usize> {
            match code {
                $($code => Some($index),)*
                _ => None,
            }
        }
    };
}

outcome_codes! {
    0 => "processed",
    1 => "handler_failed",
    2 => "handler_error",
    3 => "duplicate",
    4 => "queued",
    5 => "dropped",
    6 => "handler_timeout",
    7 => "claim_lost",
    8 => "store_unavailable",
    9 => "in_flight",
    10 => "missing_signature",
    11 => "mixed_signature_headers",
    12 => "invalid_message_id",
    13 => "invalid_timestamp",
    14 => "timestamp_too_old",
    15 => "timestamp_too_new",
    16 => "invalid_signature",
    17 => "unauthorized",
    18 => "missing_token",
    19 => "invalid_token",
    20 => "source_not_allowed",
    21 => "unknown_job",
    22 => "malformed_payload",
    23 => "payload_too_large",
    24 => "body_unreadable",
    25 => "receiver_not_installed",
    26 => "unknown_tenant",
    27 => "key_source_unavailable",
}

/// The `dropped` outcome code.
const DROPPED: &str = "dropped";

/// Gives every metric its help text and unit in the installed recorder (an
/// exporter prints them as `# HELP` lines). Call it once, after installing
/// the recorder; without one it does nothing.
pub fn describe() {
    for m in METRICS {
        let unit = if m.name.ends_with("_seconds") {
            Some(metrics::Unit::Seconds)
        } else {
            None
        };
        metrics::with_recorder(|r| {
            let key = metrics::KeyName::from_const_str(m.name);
            let help = metrics::SharedString::const_str(m.help);
            match m.kind {
                MetricKind::Counter => r.describe_counter(key, unit, help),
                MetricKind::Gauge => r.describe_gauge(key, unit, help),
                MetricKind::Histogram => r.describe_histogram(key, unit, help),
            }
        });
    }
}

/// [`describe`]s hookgate's metrics to the current recorder and registers
/// their handles with the global recorder once, so that each delivery
/// updates them directly instead of asking the recorder for each of its five
/// handles (a look-up in the recorder's registry and a reference count every
/// thread shares, each). Call it right after installing your global
/// recorder. Returns whether the handles are registered.
///
/// * Before `register()` has found a global recorder, every delivery is
///   recorded into the recorder current at that moment
///   ([`metrics::with_recorder`]: the thread's local recorder, else the
///   global one), each handle looked up per delivery.
/// * Called before any global recorder is installed (or with a zero-sized
///   one), it registers nothing and returns `false`: deliveries still reach
///   a recorder installed later (looked up per delivery) until `register()`
///   is called again. Receivers built before or after are all the same.
/// * It registers with the global recorder even when called inside
///   `metrics::with_local_recorder` (never with the local one, gone at the
///   end of its scope). Once registered, hookgate records into the global
///   recorder only, local recorders included: a test that captures
///   hookgate's metrics with a local recorder does not call `register()`.
/// * Called again once registered, it only describes the metrics again.
///
/// ```
/// // No global recorder in this doctest: nothing to register with.
/// assert!(!hookgate::observe::register());
/// ```
pub fn register() -> bool {
    describe();
    handles::register_global()
}

/// A new `hookgate.delivery` span for one request, its fields empty until
/// the core records them. An adapter runs the whole request in it (e.g.
/// `tracing::Instrument::instrument`); the core records into the current
/// span, so a request outside the span reports its metrics all the same.
///
/// When no subscriber wants it, the span is
/// [disabled](tracing::Span::is_disabled): an adapter then runs the request
/// as it is, without entering the span at each poll.
///
/// `framework` is [`FRAMEWORK_AXUM`], [`FRAMEWORK_ACTIX`],
/// [`FRAMEWORK_ROCKET`], or a new adapter's own name.
pub fn delivery_span(framework: &'static str) -> Span {
    // Checked first: with no subscriber, the macro's disabled path would
    // still hand its fields to the `log` crate's fallback.
    if !tracing::level_enabled!(Level::INFO) {
        return Span::none();
    }
    tracing::info_span!(
        target: "hookgate",
        "hookgate.delivery",
        framework,
        mode = tracing::field::Empty,
        message_id = tracing::field::Empty,
        client = tracing::field::Empty,
        outcome = tracing::field::Empty,
        status = tracing::field::Empty,
        verify_ms = tracing::field::Empty,
        store_ms = tracing::field::Empty,
        handler_ms = tracing::field::Empty,
        settle_ms = tracing::field::Empty,
    )
}

mod handles;
mod queue;
mod record;

pub use queue::queue_gauges;
pub(crate) use queue::{queue_attempt, queue_dead_letter};
pub(crate) use record::{
    admitted, answered, checking, client, enqueued, store_call, store_failed, store_started,
    Checking, Ended, InFlight, StoreOp,
};

#[cfg(test)]
mod tests;
