//! [`QueueEntry`]: one queued delivery, with everything a worker needs to give
//! the app's handler exactly what a route handler gets (the verified raw body
//! and the delivery facts), plus the queue's own bookkeeping (dedupe key,
//! received-at, attempts so far, last error); and its byte encoding.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::delivery::{Delivery, Facts, Mode};
use bytes::Bytes;

/// One queued delivery. Cheap to clone (the body and facts are shared).
///
/// Its [byte form](Self::to_bytes) is a compact binary header (about 60 bytes
/// for a signed delivery) followed by the raw body.
#[derive(Clone)]
pub struct QueueEntry {
    key: Arc<str>,
    delivery: Delivery,
    received_at_ms: u64,
    attempts: u32,
    /// Attempts made before the last requeue (they do not count against the
    /// maximum again).
    requeued_after: u32,
    last_error: Option<Arc<str>>,
    forget_job: Option<Arc<str>>,
    /// A placeholder for bytes a backend holds but cannot read.
    unreadable: bool,
}

/// Bytes that are not a queue entry hookgate wrote.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a hookgate queue entry: {0}")]
pub struct EntryDecodeError(String);

impl QueueEntry {
    /// A new entry for an admitted delivery under dedupe key `key`, received
    /// now, with no attempt made yet.
    pub fn new(key: impl Into<Arc<str>>, delivery: Delivery) -> Self {
        Self {
            key: key.into(),
            delivery,
            received_at_ms: unix_ms(SystemTime::now()),
            attempts: 0,
            requeued_after: 0,
            last_error: None,
            forget_job: None,
            unreadable: false,
        }
    }

    /// A placeholder for bytes a backend holds as an entry but cannot read
    /// (written by something other than this version of hookgate, or
    /// damaged): its key is empty, its body is the raw bytes, its last error
    /// says why, and it is [unreadable](Self::is_unreadable). Backends set
    /// such entries aside as dead letters instead of failing every take, and
    /// do not requeue them.
    pub fn unreadable(raw: Bytes, reason: impl Into<Arc<str>>) -> Self {
        Self {
            key: Arc::from(""),
            delivery: Delivery::new(Facts {
                body: raw,
                mode: Mode::Signed,
                other: None,
                family: None,
                message_id: None,
                timestamp: None,
                job_id: None,
                status: None,
                client_addr: None,
                redact_field: None,
            }),
            received_at_ms: 0,
            attempts: 0,
            requeued_after: 0,
            last_error: Some(reason.into()),
            forget_job: None,
            unreadable: true,
        }
    }

    /// Whether this is a placeholder for bytes that could not be read
    /// ([`unreadable`](Self::unreadable)): its body is those bytes, not a
    /// delivery.
    pub fn is_unreadable(&self) -> bool {
        self.unreadable
    }

    /// Also forget this known job id once the delivery is processed (direct
    /// mode with known jobs, final status).
    pub(crate) fn forgetting_job(mut self, job: Option<String>) -> Self {
        self.forget_job = job.map(Into::into);
        self
    }

    /// The dedupe key (the queue's marker for this delivery).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The dedupe key, shared.
    pub(crate) fn shared_key(&self) -> Arc<str> {
        self.key.clone()
    }

    /// The delivery: raw body and facts, as a route handler gets them.
    pub fn delivery(&self) -> &Delivery {
        &self.delivery
    }

    /// When the receiver accepted the delivery.
    pub fn received_at(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.received_at_ms)
    }

    /// How many attempts were made before this entry was (re)queued, over the
    /// delivery's whole life.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// How many of those were made before an operator last requeued it as a
    /// dead letter: the maximum attempts count from there.
    pub fn attempts_before_requeue(&self) -> u32 {
        self.requeued_after
    }

    /// The last attempt's error, once one failed.
    pub fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }

    /// The known job to forget once done.
    pub(crate) fn forget_job(&self) -> Option<&str> {
        self.forget_job.as_deref()
    }

    /// This entry after `attempts` attempts, the last failing with `error`.
    pub fn with_failure(&self, attempts: u32, error: impl Into<Arc<str>>) -> Self {
        let mut next = self.clone();
        next.attempts = attempts;
        next.last_error = Some(error.into());
        next
    }

    /// This entry requeued from the dead letters: it gets the full number of
    /// attempts again, while its attempt numbers keep counting over its whole
    /// life. The last error is kept for the record.
    pub fn requeued(&self) -> Self {
        let mut next = self.clone();
        next.requeued_after = self.attempts;
        next
    }
}

impl std::fmt::Debug for QueueEntry {
    /// The facts, never the body (it may hold a token).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueueEntry")
            .field("key", &self.key)
            .field("delivery", &self.delivery)
            .field("attempts", &self.attempts)
            .field("last_error", &self.last_error)
            .field("unreadable", &self.unreadable)
            .finish_non_exhaustive()
    }
}

/// Milliseconds since the Unix epoch (0 for a clock before 1970).
pub(crate) fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

mod codec;
#[cfg(test)]
mod tests;
