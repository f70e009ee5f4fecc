//! [`QueueError`]: what can go wrong talking to a queue backend.

use std::time::Duration;

use crate::idempotency::StoreError;
use crate::queue::entry::EntryDecodeError;

/// A queue failure. On the request path any of them answers `503` with
/// `Retry-After` (fail closed: the sender retries, nothing is lost); workers
/// log it, pause and try again.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueueError {
    /// The backend could not be reached, timed out or reported an error.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The backend holds an entry hookgate cannot read.
    #[error("queue entry {id}: {source}")]
    Corrupt {
        /// The entry's id in the backend.
        id: String,
        /// Why it cannot be read.
        #[source]
        source: EntryDecodeError,
    },
    /// Fewer replicas than required confirmed the enqueue in time (`WAIT`).
    #[error("only {acknowledged} of {required} replicas confirmed the enqueue within {timeout:?}")]
    NotReplicated {
        /// Replicas required.
        required: u32,
        /// Replicas that confirmed.
        acknowledged: u32,
        /// How long the backend waited.
        timeout: Duration,
    },
    /// The receiver was not built in queue mode.
    #[error("the receiver does not run in queue mode; configure `ReceiverBuilder::queue`")]
    NotQueueMode,
    /// The handler given to
    /// [`start_workers`](crate::Receiver::start_workers) takes another event
    /// type than the one the request path checks payloads against
    /// ([`QueueConfig::event`](crate::queue::QueueConfig::event), default
    /// `JobEvent`): every delivery would be answered `202` and then fail in
    /// the worker.
    #[error("the workers' handler takes `{handler}` but the queue checks payloads as `{configured}`; give the same type to `QueueConfig::event::<E>()` and to the handler")]
    EventTypeMismatch {
        /// The type `QueueConfig::event` set (what `202` promised).
        configured: &'static str,
        /// The type the handler takes.
        handler: &'static str,
    },
    /// A dead-letter id that does not parse.
    #[error("`{0}` is not a dead-letter id (`<shard>-<entry id>`)")]
    BadDeadLetterId(String),
}

impl QueueError {
    /// The failure as a [`StoreError`], for the `503 store_unavailable`
    /// answer the request path gives.
    pub(crate) fn into_store_error(self) -> StoreError {
        match self {
            Self::Store(e) => e,
            other => StoreError::Backend(Box::new(other)),
        }
    }
}
