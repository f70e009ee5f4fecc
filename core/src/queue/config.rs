//! [`QueueConfig`]: queue mode's settings, given to
//! [`ReceiverBuilder::queue`](crate::ReceiverBuilder::queue) and checked by
//! `build()`.

use std::any::TypeId;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::delivery::Delivery;
use crate::event::JobEvent;
use crate::queue::backend::QueueBackend;
use crate::queue::backoff::Backoff;
use crate::queue::config_error::QueueConfigError;
use crate::rejection::Rejection;

/// How a delivery's payload is checked before it is enqueued: it must parse
/// as the event type the workers' handler takes.
pub(crate) type Validate = fn(&Delivery) -> Result<(), Rejection>;

/// The event type a [`QueueConfig`] checks payloads against, so that
/// [`Receiver::start_workers`](crate::Receiver::start_workers) can refuse a
/// handler of another type.
#[derive(Clone, Copy)]
pub(crate) struct EventType {
    pub(crate) id: TypeId,
    pub(crate) name: &'static str,
}

impl EventType {
    pub(crate) fn of<E: 'static>() -> Self {
        Self {
            id: TypeId::of::<E>(),
            name: std::any::type_name::<E>(),
        }
    }
}

fn validate<E: DeserializeOwned>(delivery: &Delivery) -> Result<(), Rejection> {
    delivery.event::<E>().map(drop)
}

/// Queue mode: the request path authenticates, checks, deduplicates and
/// enqueues each delivery atomically, then answers `202`; workers
/// ([`Receiver::start_workers`](crate::Receiver::start_workers)) run the app's
/// handler, retry failures with back-off and set aside what keeps failing as
/// dead letters.
///
/// ```
/// use std::time::Duration;
/// use hookgate::queue::{Backoff, MemoryQueue, QueueConfig};
/// let config = QueueConfig::new(MemoryQueue::new())
///     .allow_volatile(true) // development only: lost when the process stops
///     .workers(8)
///     .max_attempts(5)
///     .backoff(Backoff::new(Duration::from_secs(1), Duration::from_secs(60)))
///     .visibility_timeout(Duration::from_secs(30));
/// let receiver = hookgate::Receiver::builder()
///     .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
///     .queue(config)
///     .build()
///     .unwrap();
/// assert!(receiver.queue_mode());
/// ```
#[derive(Clone)]
pub struct QueueConfig {
    pub(crate) backend: Arc<dyn QueueBackend>,
    pub(crate) validate: Validate,
    pub(crate) event: EventType,
    pub(crate) workers: usize,
    pub(crate) max_attempts: u32,
    pub(crate) backoff: Backoff,
    pub(crate) visibility: Duration,
    pub(crate) attempt_deadline: Duration,
    pub(crate) poll_interval: Duration,
    pub(crate) enqueue_deadline: Option<Duration>,
    pub(crate) allow_volatile: bool,
}

impl std::fmt::Debug for QueueConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueueConfig")
            .field("workers", &self.workers)
            .field("max_attempts", &self.max_attempts)
            .field("backoff", &self.backoff)
            .field("visibility", &self.visibility)
            .field("attempt_deadline", &self.attempt_deadline)
            .field("event", &self.event.name)
            .finish_non_exhaustive()
    }
}

impl QueueConfig {
    /// Default worker tasks per process: 4.
    pub const DEFAULT_WORKERS: usize = 4;
    /// Default attempts before a delivery becomes a dead letter: 5.
    pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;
    /// Default visibility timeout: 30 s.
    pub const DEFAULT_VISIBILITY: Duration = Duration::from_secs(30);
    /// Default deadline of one attempt: 5 minutes.
    pub const DEFAULT_ATTEMPT_DEADLINE: Duration = Duration::from_secs(300);

    /// Queue mode on `backend`, with the defaults: 4 workers, 5 attempts,
    /// 1 s doubling to 60 s between them, 30 s visibility timeout, 5 min per
    /// attempt, payloads checked as [`JobEvent`].
    pub fn new(backend: impl QueueBackend) -> Self {
        Self::shared(Arc::new(backend))
    }

    /// Queue mode on a backend shared with other code (e.g. an operations
    /// endpoint).
    pub fn shared(backend: Arc<dyn QueueBackend>) -> Self {
        Self {
            backend,
            validate: validate::<JobEvent>,
            event: EventType::of::<JobEvent>(),
            workers: Self::DEFAULT_WORKERS,
            max_attempts: Self::DEFAULT_MAX_ATTEMPTS,
            backoff: Backoff::default(),
            visibility: Self::DEFAULT_VISIBILITY,
            attempt_deadline: Self::DEFAULT_ATTEMPT_DEADLINE,
            poll_interval: Duration::from_millis(100),
            enqueue_deadline: None,
            allow_volatile: false,
        }
    }

    /// The event type the workers' handler takes (default [`JobEvent`]): a
    /// payload that does not parse as `E` is refused with `400` before it is
    /// enqueued, so the queue only holds deliveries the handler can be given.
    ///
    /// [`start_workers`](crate::Receiver::start_workers) requires a handler
    /// of this very type and refuses any other
    /// ([`QueueError::EventTypeMismatch`](crate::queue::QueueError::EventTypeMismatch)):
    /// otherwise every delivery would be answered `202`, then fail to parse
    /// in the worker and end as a dead letter.
    pub fn event<E: DeserializeOwned + 'static>(mut self) -> Self {
        self.validate = validate::<E>;
        self.event = EventType::of::<E>();
        self
    }

    /// Worker tasks in this process: how many handlers run at once (default 4).
    pub fn workers(mut self, n: usize) -> Self {
        self.workers = n;
        self
    }

    /// Attempts before a delivery becomes a dead letter (default 5).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n;
        self
    }

    /// The wait between attempts (default: 1 s doubling, at most 60 s, 20 %
    /// jitter).
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// How long an entry held by a worker that stopped answering stays hidden
    /// before another worker takes it over (default 30 s). A live worker
    /// extends it every third of this while its handler runs, so a slow
    /// handler is not taken over.
    pub fn visibility_timeout(mut self, timeout: Duration) -> Self {
        self.visibility = timeout;
        self
    }

    /// How long one attempt may run before it counts as failed (default
    /// 5 minutes).
    pub fn attempt_deadline(mut self, deadline: Duration) -> Self {
        self.attempt_deadline = deadline;
        self
    }

    /// How long an idle worker waits before looking for entries again
    /// (default 100 ms).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// The deadline of the enqueue on the request path (default: the
    /// receiver's store deadline). Raise it when the backend waits for
    /// replicas.
    pub fn enqueue_deadline(mut self, deadline: Duration) -> Self {
        self.enqueue_deadline = Some(deadline);
        self
    }

    /// Accepts a backend that keeps deliveries only in this process (a
    /// [`MemoryQueue`](super::MemoryQueue)): its `202` is lost with the
    /// process. For development and tests; `build()` refuses one otherwise.
    pub fn allow_volatile(mut self, allow: bool) -> Self {
        self.allow_volatile = allow;
        self
    }

    /// The backend.
    pub fn backend(&self) -> &Arc<dyn QueueBackend> {
        &self.backend
    }

    /// Whether the settings are consistent; the message says what is not.
    pub(crate) fn check(&self) -> Result<(), QueueConfigError> {
        if self.workers == 0 {
            return Err(QueueConfigError::NoWorkers);
        }
        if self.max_attempts == 0 {
            return Err(QueueConfigError::NoAttempts);
        }
        for (d, name) in [
            (self.visibility, "visibility timeout"),
            (self.attempt_deadline, "attempt deadline"),
            (self.poll_interval, "poll interval"),
        ] {
            if d.is_zero() {
                return Err(QueueConfigError::ZeroDuration(name));
            }
        }
        if self.enqueue_deadline.is_some_and(|d| d.is_zero()) {
            return Err(QueueConfigError::ZeroDuration("enqueue deadline"));
        }
        self.backoff.check()?;
        self.backend.check()
    }
}
