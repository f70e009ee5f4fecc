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
//! Call [`register`] once after installing a global recorder: it gives each
//! metric its help text and unit ([`describe`]) and registers the handles
//! once, so a delivery does not look each one up again.
//!
//! ```
//! use hookgate::observe;
//!
//! let span = observe::delivery_span(observe::FRAMEWORK_AXUM);
//! # drop(span);
//! assert!(observe::METRICS.iter().any(|m| m.name == observe::DELIVERIES_TOTAL));
//! assert!(observe::OUTCOME_CODES.contains(&"invalid_signature"));
//! ```

use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use metrics::{Key, Label, Level as MetricLevel, Metadata};
use tracing::{Level, Span};

use crate::delivery::Mode;
use crate::outcome::{Conclusion, HandlerEnd, Outcome};
use crate::receiver::Admission;

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
        /// at admission ([`Outcome::code`]); `processed`, `handler_failed`,
        /// `handler_error` and the replacing `handler_timeout`, `claim_lost`,
        /// `store_unavailable` when the handler ends
        /// ([`Conclusion::code`]); `dropped` when an admitted delivery's
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

/// [`describe`]s hookgate's metrics to the installed global recorder and
/// registers their handles with it once, so that each delivery updates them
/// directly instead of asking the recorder for each of its five handles (a
/// look-up in the recorder's registry and a reference count every thread
/// shares, each). Call it once, right
/// after installing your global recorder; from then on hookgate records into
/// that recorder only, even inside `metrics::with_local_recorder`. Without
/// it, every handle is looked up per delivery from whatever recorder is
/// current (what tests with a local recorder want).
pub fn register() {
    describe();
    let _ = HANDLES.get_or_init(|| metrics::with_recorder(Handles::new));
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

// ---------------------------------------------------------------------------
// Keys: built once, so recording allocates nothing.

static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), MetricLevel::INFO, Some(module_path!()));

struct Keys {
    /// `[outcome index][mode index]`.
    deliveries: Vec<[Key; 2]>,
    verify: [Key; 2],
    store: Vec<Key>,
    store_errors: Vec<Key>,
    handler: Key,
    in_flight: Key,
}

/// The handles [`register`] registered, when it was called.
static HANDLES: OnceLock<Handles> = OnceLock::new();

struct Handles {
    deliveries: Vec<[metrics::Counter; 2]>,
    verify: [metrics::Histogram; 2],
    store: Vec<metrics::Histogram>,
    store_errors: Vec<metrics::Counter>,
    handler: metrics::Histogram,
    in_flight: metrics::Gauge,
}

impl Handles {
    fn new(r: &dyn metrics::Recorder) -> Self {
        let k = keys();
        let counter = |key: &Key| r.register_counter(key, &METADATA);
        let histogram = |key: &Key| r.register_histogram(key, &METADATA);
        Self {
            deliveries: k
                .deliveries
                .iter()
                .map(|[s, d]| [counter(s), counter(d)])
                .collect(),
            verify: [histogram(&k.verify[0]), histogram(&k.verify[1])],
            store: k.store.iter().map(histogram).collect(),
            store_errors: k.store_errors.iter().map(counter).collect(),
            handler: histogram(&k.handler),
            in_flight: r.register_gauge(&k.in_flight, &METADATA),
        }
    }
}

/// Updates a metric through the registered handles, or else through the
/// current recorder: `handle` picks and updates the handle either way.
macro_rules! update {
    ($register:ident, $key:expr, $cached:expr, |$h:ident| $update:expr) => {
        match HANDLES.get() {
            Some(handles) => {
                let $h = $cached(handles);
                $update
            }
            None => metrics::with_recorder(|r| {
                let $h = &r.$register($key, &METADATA);
                $update
            }),
        }
    };
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mode = |m: &'static str| Label::from_static_parts("mode", m);
        let with = |name: &'static str, labels: Vec<Label>| Key::from_parts(name, labels);
        Keys {
            deliveries: OUTCOME_CODES
                .iter()
                .map(|code| {
                    let outcome = Label::from_static_parts("outcome", code);
                    [
                        with(DELIVERIES_TOTAL, vec![outcome.clone(), mode("signed")]),
                        with(DELIVERIES_TOTAL, vec![outcome, mode("direct")]),
                    ]
                })
                .collect(),
            verify: [
                with(VERIFY_DURATION, vec![mode("signed")]),
                with(VERIFY_DURATION, vec![mode("direct")]),
            ],
            store: STORE_OPS
                .iter()
                .map(|op| with(STORE_DURATION, vec![Label::from_static_parts("op", op)]))
                .collect(),
            store_errors: STORE_OPS
                .iter()
                .map(|op| with(STORE_ERRORS_TOTAL, vec![Label::from_static_parts("op", op)]))
                .collect(),
            handler: Key::from_static_name(HANDLER_DURATION),
            in_flight: Key::from_static_name(IN_FLIGHT),
        }
    })
}

fn mode_index(mode: Mode) -> usize {
    match mode {
        Mode::Signed => 0,
        Mode::Direct => 1,
    }
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Signed => "signed",
        Mode::Direct => "direct",
    }
}

fn millis(elapsed: Duration) -> f64 {
    elapsed.as_secs_f64() * 1e3
}

/// The span to record into, when a subscriber may be listening: nothing (not
/// even a look-up of the current span) otherwise.
fn current_span() -> Option<Span> {
    if tracing::level_enabled!(Level::INFO) {
        let span = Span::current();
        (!span.is_none()).then_some(span)
    } else {
        None
    }
}

/// Counts one delivery's end and records it on the span.
fn count(mode: Mode, code: &'static str, status: Option<u16>, span: Option<&Span>) {
    match outcome_index(code) {
        Some(i) => {
            let m = mode_index(mode);
            update!(
                register_counter,
                &keys().deliveries[i][m],
                |h: &'static Handles| &h.deliveries[i][m],
                |c| c.increment(1)
            )
        }
        None => metrics::counter!(DELIVERIES_TOTAL, "outcome" => code, "mode" => mode_name(mode))
            .increment(1),
    }
    if let Some(span) = span {
        span.record("outcome", code);
        if let Some(status) = status {
            // As an i64: OpenTelemetry has no unsigned integers (a u64
            // would be exported as a string).
            span.record("status", i64::from(status));
        }
    }
}

// ---------------------------------------------------------------------------
// The decision points.

/// Admission checks began; see [`Checking::done`].
pub(crate) struct Checking {
    started: Instant,
}

/// Starts timing the checks decided from the request alone.
pub(crate) fn checking() -> Checking {
    Checking {
        started: Instant::now(),
    }
}

impl Checking {
    /// The checks are done: times them, and records the mode and, once
    /// authenticated, the message id on the span.
    pub(crate) fn done(self, mode: Mode, message_id: Option<&str>) {
        let elapsed = self.started.elapsed();
        let m = mode_index(mode);
        update!(
            register_histogram,
            &keys().verify[m],
            |h: &'static Handles| &h.verify[m],
            |v| v.record(elapsed.as_secs_f64())
        );
        if let Some(span) = current_span() {
            span.record("mode", mode_name(mode));
            span.record("verify_ms", millis(elapsed));
            if let Some(id) = message_id {
                span.record("message_id", id);
            }
        }
    }
}

/// The client address hookgate established, on the span.
pub(crate) fn client(addr: Option<IpAddr>) {
    if let (Some(addr), Some(span)) = (addr, current_span()) {
        span.record("client", tracing::field::display(addr));
    }
}

/// Admission decided. A [`Respond`](Admission::Respond) ends the delivery:
/// counted and logged (refusals at `INFO`, store trouble at `WARN`, a
/// duplicate or a queued delivery at `DEBUG`). A
/// [`Proceed`](Admission::Proceed) starts its claim's handler clock and the
/// in-flight gauge.
pub(crate) fn admitted(mode: Mode, admission: &mut Admission) {
    match admission {
        Admission::Proceed(_, claim) => claim.observed = InFlight::start(mode),
        Admission::Respond(outcome) => answered(mode, outcome),
    }
}

/// hookgate answered a delivery itself, without admitting it (admission's
/// refusals, a duplicate, a queued delivery, and the adapters' early
/// `payload_too_large` / `body_unreadable`).
pub(crate) fn answered(mode: Mode, outcome: &Outcome) {
    let span = current_span();
    count(
        mode,
        outcome.code(),
        Some(outcome.status().as_u16()),
        span.as_ref(),
    );
    match outcome {
        Outcome::Duplicate => tracing::debug!("hookgate: duplicate of a processed delivery"),
        Outcome::Queued => tracing::debug!("hookgate: delivery queued"),
        Outcome::Refused(crate::Rejection::StoreUnavailable { source, .. }) => tracing::warn!(
            error = %source,
            code = outcome.code(),
            status = outcome.status().as_u16(),
            "hookgate: store unavailable; answering 503"
        ),
        Outcome::Refused(_) => tracing::info!(
            code = outcome.code(),
            status = outcome.status().as_u16(),
            "hookgate: delivery refused"
        ),
    }
}

/// The admitted part of a delivery, carried by its claim: its mode and when
/// it was admitted, packed in one word (the claim is moved through every
/// adapter's per-request future, several times over). Dropped while still
/// running (the claim dropped before the handler ended), it counts the
/// delivery `dropped`.
#[derive(Default)]
pub(crate) struct InFlight {
    /// 0: not admitted; otherwise nanoseconds since [`epoch`] + 1, shifted
    /// left once, the low bit the mode (1: direct).
    packed: u64,
}

/// The process's reference instant for [`InFlight`].
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn nanos_since_epoch() -> u64 {
    // u64 nanoseconds: 584 years.
    epoch().elapsed().as_nanos() as u64
}

impl InFlight {
    fn start(mode: Mode) -> Self {
        update!(
            register_gauge,
            &keys().in_flight,
            |h: &'static Handles| &h.in_flight,
            |g| g.increment(1.0)
        );
        let direct = u64::from(matches!(mode, Mode::Direct));
        Self {
            packed: ((nanos_since_epoch() + 1) << 1) | direct,
        }
    }

    /// The admission's time and mode, once (nothing after).
    fn take(&mut self) -> Option<(u64, Mode)> {
        let packed = std::mem::take(&mut self.packed);
        (packed != 0).then(|| {
            let mode = if packed & 1 == 1 {
                Mode::Direct
            } else {
                Mode::Signed
            };
            ((packed >> 1) - 1, mode)
        })
    }

    /// The handler ended (now); returns what [`Ended::concluded`] needs once
    /// its claim is settled.
    pub(crate) fn ended(&mut self) -> Option<Ended> {
        let (admitted, mode) = self.take()?;
        let handler = Duration::from_nanos(nanos_since_epoch().saturating_sub(admitted));
        update!(
            register_gauge,
            &keys().in_flight,
            |h: &'static Handles| &h.in_flight,
            |g| g.decrement(1.0)
        );
        update!(
            register_histogram,
            &keys().handler,
            |h: &'static Handles| &h.handler,
            |t| t.record(handler.as_secs_f64())
        );
        if let Some(span) = current_span() {
            span.record("handler_ms", millis(handler));
        }
        Some(Ended { mode })
    }
}

/// An admitted delivery whose handler has ended, waiting for its claim to be
/// settled.
pub(crate) struct Ended {
    mode: Mode,
}

impl Ended {
    /// The claim is settled: counts how the delivery ended (`end` gives the
    /// handler's own status, when it answered with one).
    pub(crate) fn concluded(self, conclusion: &Conclusion, end: HandlerEnd) {
        match (conclusion, end) {
            (Conclusion::Replace(outcome), _) => self.replaced(outcome),
            (Conclusion::Handler(handled), HandlerEnd::Status(status)) => count(
                self.mode,
                handled.code(),
                Some(status),
                current_span().as_ref(),
            ),
            (Conclusion::Handler(handled), _) => {
                count(self.mode, handled.code(), None, current_span().as_ref())
            }
        }
    }

    /// The handler ran past its deadline: counted `handler_timeout`.
    pub(crate) fn timed_out(self, outcome: &Outcome) {
        self.replaced(outcome);
    }

    fn replaced(self, outcome: &Outcome) {
        let status = outcome.status().as_u16();
        count(
            self.mode,
            outcome.code(),
            Some(status),
            current_span().as_ref(),
        );
        tracing::warn!(
            code = outcome.code(),
            status,
            "hookgate: the handler's answer was replaced"
        );
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some((_, mode)) = self.take() {
            update!(
                register_gauge,
                &keys().in_flight,
                |h: &'static Handles| &h.in_flight,
                |g| g.decrement(1.0)
            );
            count(mode, DROPPED, None, current_span().as_ref());
        }
    }
}

/// One idempotency-store call, by its index in [`STORE_OPS`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum StoreOp {
    Claim = 0,
    Complete = 1,
    Release = 2,
    Renew = 3,
}

/// Now, for [`store_call`]: one word (not an `Instant`'s two) in each store
/// future that holds it.
pub(crate) fn store_started() -> u64 {
    nanos_since_epoch()
}

/// Times one store call (begun at [`store_started`]) and counts its failure.
/// The claim is the span's `store_ms`, marking done or releasing its
/// `settle_ms`.
pub(crate) fn store_call(op: StoreOp, started: u64, failed: bool) {
    let elapsed = Duration::from_nanos(nanos_since_epoch().saturating_sub(started));
    let i = op as usize;
    update!(
        register_histogram,
        &keys().store[i],
        |h: &'static Handles| &h.store[i],
        |t| t.record(elapsed.as_secs_f64())
    );
    if failed {
        store_failed(op);
    }
    let field = match op {
        StoreOp::Claim => "store_ms",
        StoreOp::Complete | StoreOp::Release => "settle_ms",
        StoreOp::Renew => return,
    };
    if let Some(span) = current_span() {
        span.record(field, millis(elapsed));
    }
}

/// A call to the built-in in-memory store failed (it is full).
pub(crate) fn store_failed(op: StoreOp) {
    let i = op as usize;
    update!(
        register_counter,
        &keys().store_errors[i],
        |h: &'static Handles| &h.store_errors[i],
        |c| c.increment(1)
    );
}

/// Queue mode's enqueue at admission: the span's `store_ms`.
pub(crate) fn enqueued(started: Instant) {
    if let Some(span) = current_span() {
        span.record("store_ms", millis(started.elapsed()));
    }
}

// ---------------------------------------------------------------------------
// Queue mode.

/// One queue handler attempt ended: `result` is one of [`ATTEMPT_RESULTS`].
pub(crate) fn queue_attempt(result: &'static str) {
    metrics::counter!(QUEUE_ATTEMPTS_TOTAL, "result" => result).increment(1);
}

/// An entry was moved to the dead letters.
pub(crate) fn queue_dead_letter() {
    metrics::counter!(QUEUE_DEAD_LETTERS_TOTAL).increment(1);
}

/// Publishes a [`QueueStats`](crate::queue::QueueStats) snapshot as the queue
/// gauges.
pub fn queue_gauges(stats: &crate::queue::QueueStats) {
    metrics::gauge!(QUEUE_READY).set(stats.ready as f64);
    metrics::gauge!(QUEUE_SCHEDULED).set(stats.scheduled as f64);
    metrics::gauge!(QUEUE_RUNNING).set(stats.running as f64);
    metrics::gauge!(QUEUE_DEAD).set(stats.dead as f64);
    metrics::gauge!(QUEUE_OLDEST_AGE).set(stats.oldest_age_ms.unwrap_or(0) as f64 / 1e3);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Handled;
    use crate::rejection::Rejection;
    use crate::signature::SignatureError;

    #[test]
    fn every_code_an_outcome_can_have_is_in_the_table() {
        let mut codes = vec![
            Outcome::Duplicate.code(),
            Outcome::Queued.code(),
            Handled::Processed.code(),
            Handled::Failed.code(),
            Handled::Errored.code(),
            DROPPED,
        ];
        let rejections = [
            Rejection::HeaderAuth,
            Rejection::MissingToken,
            Rejection::InvalidToken,
            Rejection::SourceNotAllowed,
            Rejection::UnknownJob,
            Rejection::PayloadTooLarge { limit: 1 },
            Rejection::BodyUnreadable,
            Rejection::InFlight { retry_after: 1 },
            Rejection::StoreUnavailable {
                retry_after: 1,
                source: crate::StoreError::Full,
            },
            Rejection::HandlerTimeout { retry_after: 1 },
            Rejection::ClaimLost { retry_after: 1 },
            Rejection::NotInstalled,
        ];
        codes.extend(rejections.iter().map(Rejection::code));
        let signature = [
            SignatureError::Missing,
            SignatureError::MixedFamilies,
            SignatureError::InvalidMessageId,
            SignatureError::InvalidTimestamp,
            SignatureError::MissingHeader("svix-id"),
            SignatureError::TimestampTooOld { tolerance_secs: 1 },
            SignatureError::TimestampTooNew {
                tolerance_secs: 1,
                looks_like_milliseconds: false,
            },
            SignatureError::NoMatch,
        ];
        codes.extend(signature.iter().map(SignatureError::code));
        codes.push(Rejection::MissingField("job_id").code());
        for code in &codes {
            assert!(
                OUTCOME_CODES.contains(code),
                "{code} is not in OUTCOME_CODES"
            );
        }
        // And the table names nothing else, each code once, at its index.
        assert_eq!(
            OUTCOME_CODES.len(),
            codes.iter().collect::<std::collections::HashSet<_>>().len()
        );
        for (i, code) in OUTCOME_CODES.iter().enumerate() {
            assert_eq!(outcome_index(code), Some(i));
        }
    }

    #[test]
    fn every_metric_name_is_a_prometheus_name_in_the_table_once() {
        let mut names = std::collections::HashSet::new();
        for m in METRICS {
            assert!(names.insert(m.name), "{} twice", m.name);
            assert!(m.name.starts_with("hookgate_"));
            assert!(m.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
            assert_eq!(
                m.kind == MetricKind::Counter,
                m.name.ends_with("_total"),
                "{}",
                m.name
            );
        }
    }
}
