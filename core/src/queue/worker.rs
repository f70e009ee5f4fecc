//! The worker pool: takes entries from the queue, runs the app's handler for
//! each (at most `workers` at once), and settles every attempt: success →
//! removed and marked done; failure, panic or past the attempt deadline →
//! retried after a back-off, or a dead letter after the maximum attempts.
//! Entries of a worker that died are reclaimed after the visibility timeout.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinHandle;

use crate::queue::error::QueueError;
use crate::queue::job::QueueHandler;
use crate::receiver::Receiver;

use super::coalesce::coalesce;
use super::pool::{settle_slots, Pool};

/// A running worker pool. Keep it for as long as the workers should run:
/// [`shutdown`](Self::shutdown) stops it gracefully; dropping it stops the
/// pool taking entries and lets running handlers finish (within their attempt
/// deadline), without waiting for them.
#[derive(Debug)]
#[must_use = "dropping the handle stops the workers; keep it while they should run"]
pub struct Workers {
    /// `Some(grace)` once shutting down.
    stop: watch::Sender<Option<Duration>>,
    pool: JoinHandle<usize>,
    consumer: Arc<str>,
}

impl Workers {
    /// This pool's consumer name in the backend (unique per pool).
    pub fn consumer(&self) -> &str {
        &self.consumer
    }

    /// Stops taking entries, lets running handlers finish for up to `grace`,
    /// then cancels the rest: their entries stay in the queue and another
    /// worker takes them after the visibility timeout. Returns how many
    /// handlers were cancelled.
    pub async fn shutdown(self, grace: Duration) -> usize {
        let _ = self.stop.send(Some(grace));
        self.pool.await.unwrap_or(0)
    }
}

impl Receiver {
    /// Whether this receiver runs in queue mode.
    pub fn queue_mode(&self) -> bool {
        self.inner.queue.is_some()
    }

    /// Starts the queue's worker pool in this process, running `handler` for
    /// each queued delivery with its event parsed as `E`. Call it once per
    /// process, inside a Tokio runtime; every replica may run one.
    ///
    /// On start the pool logs a warning when the backend says that nothing
    /// protects queued deliveries against its crash (no AOF, no replicas), or
    /// that they live in this process only.
    ///
    /// Fails with [`QueueError::NotQueueMode`] when the receiver was not
    /// built with [`ReceiverBuilder::queue`](crate::ReceiverBuilder::queue),
    /// and with [`QueueError::EventTypeMismatch`] when `E` is not the event
    /// type the queue checks payloads against
    /// ([`QueueConfig::event`](crate::queue::QueueConfig::event), default
    /// [`JobEvent`](crate::JobEvent)).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use std::time::Duration;
    /// use hookgate::queue::{MemoryQueue, QueueConfig, Queued};
    /// use hookgate::JobEvent;
    ///
    /// let receiver = hookgate::Receiver::builder()
    ///     .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    ///     .queue(QueueConfig::new(MemoryQueue::new()).allow_volatile(true))
    ///     .build()
    ///     .unwrap();
    /// let workers = receiver
    ///     .start_workers(|job: Queued<JobEvent>| async move {
    ///         println!("{} finished (attempt {})", job.event.job_id, job.attempt);
    ///         Ok::<(), std::convert::Infallible>(())
    ///     })
    ///     .unwrap();
    /// workers.shutdown(Duration::from_secs(5)).await;
    /// # });
    /// ```
    pub fn start_workers<E, H>(&self, handler: H) -> Result<Workers, QueueError>
    where
        E: DeserializeOwned + Send + 'static,
        H: QueueHandler<E>,
    {
        let config = self.inner.queue.clone().ok_or(QueueError::NotQueueMode)?;
        if config.event.id != std::any::TypeId::of::<E>() {
            return Err(QueueError::EventTypeMismatch {
                configured: config.event.name,
                handler: std::any::type_name::<E>(),
            });
        }
        let consumer: Arc<str> = format!(
            "{}-{}-{:08x}",
            hostname(),
            std::process::id(),
            rand::random::<u32>()
        )
        .into();
        let (stop, stopped) = watch::channel(None);
        let (completions, completed) = mpsc::unbounded_channel();
        tokio::spawn(coalesce(
            config.backend.clone(),
            self.inner.settle.done_ttl,
            self.inner.settle.deadline,
            completed,
        ));
        let pool = Arc::new(Pool {
            handler,
            completions,
            settling: Arc::new(Semaphore::new(settle_slots(config.workers))),
            backend: config.backend.clone(),
            config,
            settle: self.inner.settle.clone(),
            consumer: consumer.clone(),
            _event: PhantomData,
        });
        let pool = tokio::spawn(pool.run(stopped));
        Ok(Workers {
            stop,
            pool,
            consumer,
        })
    }
}

/// The host's name for consumer names, when the environment says it.
fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty() && h.len() <= 64)
        .unwrap_or_else(|| "hookgate".to_owned())
}
