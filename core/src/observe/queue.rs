//! Queue mode's metrics: attempts and dead letters, counted by the workers,
//! and the queue gauges the worker pool refreshes every
//! [`QUEUE_GAUGE_INTERVAL`](super::QUEUE_GAUGE_INTERVAL). Rare next to
//! deliveries, so looked up by name each time.

use super::*;

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
