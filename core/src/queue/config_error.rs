//! [`QueueConfigError`]: queue settings that do not fit together, refused by
//! [`ReceiverBuilder::build`](crate::ReceiverBuilder::build).

/// Queue-mode settings `build()` refuses, each saying what to change.
///
/// ```
/// use hookgate::queue::{MemoryQueue, QueueConfig, QueueConfigError};
/// use hookgate::{BuildError, Receiver};
///
/// let err = Receiver::builder()
///     .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
///     .queue(QueueConfig::new(MemoryQueue::new()).allow_volatile(true).workers(0))
///     .build()
///     .unwrap_err();
/// assert!(matches!(err, BuildError::Queue(QueueConfigError::NoWorkers)));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueueConfigError {
    /// `workers(0)`.
    #[error("the queue needs at least one worker")]
    NoWorkers,
    /// `max_attempts(0)`.
    #[error("the queue's maximum attempts must be at least 1")]
    NoAttempts,
    /// A zero duration where the queue needs one (the setting's name).
    #[error("the queue's {0} must be greater than zero")]
    ZeroDuration(&'static str),
    /// A zero retry base delay.
    #[error("the retry base delay must be greater than zero")]
    RetryBaseZero,
    /// A retry cap shorter than the base delay.
    #[error("the retry cap must not be shorter than the base delay")]
    RetryCapBelowBase,
    /// A retry factor below 1 or not finite.
    #[error("the retry factor must be a finite number of at least 1")]
    RetryFactor,
    /// A retry jitter outside 0..=1.
    #[error("the retry jitter must be between 0 and 1")]
    RetryJitter,
    /// A Redis queue name with `{` or `}` (it would move the Redis Cluster
    /// hash tag of every key).
    #[error("the Redis queue name `{0}` must not contain `{{` or `}}` (Redis Cluster hash tags)")]
    NameBrace(String),
    /// A Redis queue with zero shards.
    #[error("the Redis queue needs at least one shard")]
    NoShards,
    /// A backend's own settings, refused by its
    /// [`check`](crate::queue::QueueBackend::check).
    #[error("the queue backend's settings: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl QueueConfigError {
    /// A backend's own refusal, wrapping its error.
    pub fn backend(error: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        Self::Backend(error.into())
    }
}
