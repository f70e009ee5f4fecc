//! Recording: what the core calls at each decision point (checked,
//! admitted, answered, the handler's end, store calls). The keys and handles
//! are in [`handles`](super::handles); nothing here allocates per delivery.

use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tracing::{Level, Span};

use super::handles::{keys, update};
use super::*;
use crate::delivery::Mode;
use crate::outcome::{Conclusion, HandlerEnd, Outcome};
use crate::receiver::Admission;

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
                |h: &Handles| &h.deliveries[i][m],
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
            |h: &Handles| &h.verify[m],
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
            |h: &Handles| &h.in_flight,
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
            |h: &Handles| &h.in_flight,
            |g| g.decrement(1.0)
        );
        update!(
            register_histogram,
            &keys().handler,
            |h: &Handles| &h.handler,
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
                |h: &Handles| &h.in_flight,
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
        |h: &Handles| &h.store[i],
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
        |h: &Handles| &h.store_errors[i],
        |c| c.increment(1)
    );
}

/// Queue mode's enqueue at admission: the span's `store_ms`.
pub(crate) fn enqueued(started: Instant) {
    if let Some(span) = current_span() {
        span.record("store_ms", millis(started.elapsed()));
    }
}
