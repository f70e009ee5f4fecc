//! [`QueueBackend`]: where queued deliveries live, and the types its calls
//! exchange. Implemented by [`MemoryQueue`](super::MemoryQueue) (one process,
//! development) and `RedisQueue` (feature `redis`: Redis Streams).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::queue::config_error::QueueConfigError;
use crate::queue::entry::QueueEntry;
use crate::queue::error::QueueError;

/// What an enqueue found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// The entry was appended and its key marked, together.
    Queued,
    /// The key was already queued, running, dead or done: nothing was written.
    Duplicate,
}

/// Where a taken entry sits in the backend, to settle it later.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Receipt {
    shard: u32,
    id: String,
}

impl Receipt {
    /// Entry `id` on shard `shard`.
    pub fn new(shard: u32, id: impl Into<String>) -> Self {
        Self {
            shard,
            id: id.into(),
        }
    }

    /// The shard (0 when the queue is not sharded).
    pub fn shard(&self) -> u32 {
        self.shard
    }

    /// The entry's id within its shard.
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// An entry a worker took, with the number of the attempt it starts.
#[derive(Debug, Clone)]
pub struct Taken {
    /// Where it sits, to settle it.
    pub receipt: Receipt,
    /// The delivery.
    pub entry: QueueEntry,
    /// This attempt's number, 1-based, counted over the delivery's whole
    /// life (retries and reclaims after a worker died included).
    pub attempt: u32,
}

/// A snapshot of the queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct QueueStats {
    /// Entries waiting for a worker.
    pub ready: u64,
    /// Failed entries waiting for their retry delay to pass.
    pub scheduled: u64,
    /// Entries a worker holds right now (or held when it died, until they are
    /// reclaimed).
    pub running: u64,
    /// Dead letters.
    pub dead: u64,
    /// Age of the oldest entry waiting or running, in milliseconds.
    pub oldest_age_ms: Option<u64>,
}

/// The id of a dead letter: `<shard>-<entry id>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeadLetterId(pub Receipt);

impl fmt::Display for DeadLetterId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.0.shard, self.0.id)
    }
}

impl std::str::FromStr for DeadLetterId {
    type Err = QueueError;

    /// ```
    /// use hookgate::queue::DeadLetterId;
    /// let id: DeadLetterId = "2-1700000000000-0".parse().unwrap();
    /// assert_eq!(id.0.shard(), 2);
    /// assert_eq!(id.0.id(), "1700000000000-0");
    /// assert_eq!(id.to_string(), "2-1700000000000-0");
    /// assert!("x-1".parse::<DeadLetterId>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, QueueError> {
        let bad = || QueueError::BadDeadLetterId(s.to_owned());
        let (shard, id) = s.split_once('-').ok_or_else(bad)?;
        let shard = shard.parse().map_err(|_| bad())?;
        if id.is_empty() {
            return Err(bad());
        }
        Ok(Self(Receipt::new(shard, id)))
    }
}

/// A delivery that used up its attempts, with its last error; or an entry the
/// backend could not read ([`QueueEntry::is_unreadable`]), set aside with the
/// reason as its last error.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    /// Its id, to requeue it.
    pub id: DeadLetterId,
    /// The delivery, with its attempts and last error.
    pub entry: QueueEntry,
}

/// What protects queued deliveries against a backend crash, as far as the
/// backend can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Written to disk (AOF) and/or copied to this many replicas.
    Protected {
        /// Whether an append-only file is on.
        aof: bool,
        /// Connected replicas.
        replicas: u32,
    },
    /// Neither: a crash of the backend loses what is queued.
    Unprotected,
    /// The backend would not say (e.g. `CONFIG GET` not allowed).
    Unknown,
    /// Kept in this process's memory only: lost when it stops.
    ProcessMemory,
}

/// Where queued deliveries live.
///
/// The contract a backend keeps (the receiver and workers rely on it):
///
/// * [`enqueue`](Self::enqueue) is atomic: the entry is appended and its key
///   marked together, or neither (an already marked key → `Duplicate`).
/// * A key stays marked while its entry is queued, running, scheduled for a
///   retry or dead, and for `done_ttl` once [`complete`](Self::complete)d.
/// * An entry is given to one worker at a time; one whose worker stopped
///   answering (no [`extend`](Self::extend) for the visibility timeout) can be
///   [`reclaim`](Self::reclaim)ed by another.
///
/// The receiver and the workers run every call under their own deadline.
#[async_trait::async_trait]
pub trait QueueBackend: Send + Sync + 'static {
    /// Appends `entry` unless its key is marked; marks it.
    async fn enqueue(&self, entry: &QueueEntry) -> Result<Enqueued, QueueError>;

    /// Whether `key` is marked (queued, running, dead or done).
    async fn is_marked(&self, key: &str) -> Result<bool, QueueError>;

    /// Takes up to `max` waiting entries for `consumer` (first moving retries
    /// whose delay has passed back to the waiting ones). An entry the backend
    /// cannot read is not returned: it is moved to the dead letters as
    /// [unreadable](QueueEntry::is_unreadable), with the reason as its last
    /// error, so one bad entry never stalls the queue.
    async fn take(&self, consumer: &str, max: usize) -> Result<Vec<Taken>, QueueError>;

    /// Takes over up to `max` entries held by any worker for longer than
    /// `idle` without an [`extend`](Self::extend).
    async fn reclaim(
        &self,
        consumer: &str,
        idle: Duration,
        max: usize,
    ) -> Result<Vec<Taken>, QueueError>;

    /// Tells the backend `consumer` still works on `receipt` (resets its idle
    /// time). Returns false when the entry is no longer held by `consumer`.
    async fn extend(&self, consumer: &str, receipt: &Receipt) -> Result<bool, QueueError>;

    /// The handler succeeded: removes the entry and marks `key` done for
    /// `done_ttl`, together.
    async fn complete(
        &self,
        receipt: &Receipt,
        key: &str,
        done_ttl: Duration,
    ) -> Result<(), QueueError>;

    /// [`complete`](Self::complete) for several entries at once (what the
    /// workers do when several handlers succeeded meanwhile): each entry is
    /// removed and its key marked done, each as one step. The default calls
    /// `complete` for each; a backend overrides it to save round trips.
    async fn complete_many(
        &self,
        done: &[(Receipt, Arc<str>)],
        done_ttl: Duration,
    ) -> Result<(), QueueError> {
        for (receipt, key) in done {
            self.complete(receipt, key, done_ttl).await?;
        }
        Ok(())
    }

    /// The attempt failed: replaces the entry by `entry` (its attempts and last
    /// error updated), to be taken again after `delay`.
    async fn retry_later(
        &self,
        receipt: &Receipt,
        entry: &QueueEntry,
        delay: Duration,
    ) -> Result<(), QueueError>;

    /// The last attempt failed: moves the entry, as `entry`, to the dead
    /// letters. Its key stays marked.
    async fn dead_letter(&self, receipt: &Receipt, entry: &QueueEntry) -> Result<(), QueueError>;

    /// A snapshot of the queue.
    async fn stats(&self) -> Result<QueueStats, QueueError>;

    /// Up to `max` dead letters, oldest first.
    async fn dead_letters(&self, max: usize) -> Result<Vec<DeadLetter>, QueueError>;

    /// Puts dead letter `id` back in the queue as [`QueueEntry::requeued`]
    /// (the full number of attempts again). Returns false when there is no
    /// such dead letter (any more), or when it is
    /// [unreadable](QueueEntry::is_unreadable) (it stays a dead letter).
    async fn requeue(&self, id: &DeadLetterId) -> Result<bool, QueueError>;

    /// Removes `key`'s done marker, so the same delivery sent again is
    /// processed again. A key still queued, running or dead is left alone.
    /// Returns whether a done marker was removed.
    async fn forget(&self, key: &str) -> Result<bool, QueueError>;

    /// What protects queued deliveries against a backend crash.
    async fn durability(&self) -> Result<Durability, QueueError> {
        Ok(Durability::Unknown)
    }

    /// Whether the backend's settings are consistent (checked by `build()`);
    /// a backend of the app's own refuses with
    /// [`QueueConfigError::backend`].
    fn check(&self) -> Result<(), QueueConfigError> {
        Ok(())
    }

    /// Whether queued deliveries live only in this process (lost when it
    /// stops). `build()` refuses such a backend unless the app opts in.
    fn is_volatile(&self) -> bool {
        false
    }
}

#[async_trait::async_trait]
impl<Q: QueueBackend + ?Sized> QueueBackend for Arc<Q> {
    async fn enqueue(&self, entry: &QueueEntry) -> Result<Enqueued, QueueError> {
        (**self).enqueue(entry).await
    }
    async fn is_marked(&self, key: &str) -> Result<bool, QueueError> {
        (**self).is_marked(key).await
    }
    async fn take(&self, consumer: &str, max: usize) -> Result<Vec<Taken>, QueueError> {
        (**self).take(consumer, max).await
    }
    async fn reclaim(
        &self,
        consumer: &str,
        idle: Duration,
        max: usize,
    ) -> Result<Vec<Taken>, QueueError> {
        (**self).reclaim(consumer, idle, max).await
    }
    async fn extend(&self, consumer: &str, receipt: &Receipt) -> Result<bool, QueueError> {
        (**self).extend(consumer, receipt).await
    }
    async fn complete(
        &self,
        receipt: &Receipt,
        key: &str,
        done_ttl: Duration,
    ) -> Result<(), QueueError> {
        (**self).complete(receipt, key, done_ttl).await
    }
    async fn complete_many(
        &self,
        done: &[(Receipt, Arc<str>)],
        done_ttl: Duration,
    ) -> Result<(), QueueError> {
        (**self).complete_many(done, done_ttl).await
    }
    async fn retry_later(
        &self,
        receipt: &Receipt,
        entry: &QueueEntry,
        delay: Duration,
    ) -> Result<(), QueueError> {
        (**self).retry_later(receipt, entry, delay).await
    }
    async fn dead_letter(&self, receipt: &Receipt, entry: &QueueEntry) -> Result<(), QueueError> {
        (**self).dead_letter(receipt, entry).await
    }
    async fn stats(&self) -> Result<QueueStats, QueueError> {
        (**self).stats().await
    }
    async fn dead_letters(&self, max: usize) -> Result<Vec<DeadLetter>, QueueError> {
        (**self).dead_letters(max).await
    }
    async fn requeue(&self, id: &DeadLetterId) -> Result<bool, QueueError> {
        (**self).requeue(id).await
    }
    async fn forget(&self, key: &str) -> Result<bool, QueueError> {
        (**self).forget(key).await
    }
    async fn durability(&self) -> Result<Durability, QueueError> {
        (**self).durability().await
    }
    fn check(&self) -> Result<(), QueueConfigError> {
        (**self).check()
    }
    fn is_volatile(&self) -> bool {
        (**self).is_volatile()
    }
}
