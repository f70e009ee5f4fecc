//! Operations on a queue-mode receiver, for an app's admin endpoints or a CLI:
//! statistics, dead letters, requeue, and forgetting a processed delivery so
//! that an intentional replay (same message id) is processed again.

use crate::key::message_key;
use crate::queue::backend::{DeadLetter, DeadLetterId, QueueStats};
use crate::queue::config::QueueConfig;
use crate::queue::enqueue::within;
use crate::queue::error::QueueError;
use crate::receiver::Receiver;

/// How many dead letters `requeue_all_dead` moves per backend call.
const REQUEUE_BATCH: usize = 100;

impl Receiver {
    fn queue_config(&self) -> Result<&QueueConfig, QueueError> {
        self.inner.queue.as_deref().ok_or(QueueError::NotQueueMode)
    }

    /// The answer for a failed queue operation: `503` with this receiver's
    /// `Retry-After` (the cause is logged, never sent).
    pub fn queue_unavailable(&self, error: QueueError) -> crate::Outcome {
        self.store_unavailable(error.into_store_error())
    }

    /// A snapshot of the queue: ready, scheduled for a retry, running, dead,
    /// and the age of the oldest waiting or running entry.
    pub async fn queue_stats(&self) -> Result<QueueStats, QueueError> {
        let q = self.queue_config()?;
        within(self.inner.settle.deadline, q.backend.stats()).await
    }

    /// Up to `max` dead letters, oldest first, each with its attempts and last
    /// error.
    pub async fn dead_letters(&self, max: usize) -> Result<Vec<DeadLetter>, QueueError> {
        let q = self.queue_config()?;
        within(self.inner.settle.deadline, q.backend.dead_letters(max)).await
    }

    /// Puts one dead letter back in the queue with the full number of attempts
    /// again (its attempt numbers keep counting over its life). Returns false
    /// when it is not (any more) a dead letter, or when it is an entry that
    /// could not be read ([`QueueEntry::is_unreadable`](crate::queue::QueueEntry::is_unreadable)),
    /// which stays a dead letter.
    pub async fn requeue_dead(&self, id: &DeadLetterId) -> Result<bool, QueueError> {
        let q = self.queue_config()?;
        within(self.inner.settle.deadline, q.backend.requeue(id)).await
    }

    /// Puts every dead letter back in the queue (but those that could not be
    /// read); returns how many.
    pub async fn requeue_all_dead(&self) -> Result<usize, QueueError> {
        let q = self.queue_config()?;
        let deadline = self.inner.settle.deadline;
        let mut moved = 0;
        loop {
            let batch = within(deadline, q.backend.dead_letters(REQUEUE_BATCH)).await?;
            let mut moved_now = 0;
            for dead in &batch {
                if within(deadline, q.backend.requeue(&dead.id)).await? {
                    moved_now += 1;
                }
            }
            moved += moved_now;
            if batch.len() < REQUEUE_BATCH || moved_now == 0 {
                return Ok(moved);
            }
        }
    }

    /// Forgets that signed message `message_id` was processed (deletes its
    /// done marker), so the sender's replay of it — which reuses the message
    /// id — is queued and handled again. Returns whether a done marker was
    /// removed; a delivery still queued, running or dead is left alone.
    pub async fn forget_message(&self, message_id: &str) -> Result<bool, QueueError> {
        self.forget_key(&message_key(&self.inner.key_prefix, message_id))
            .await
    }

    /// Like [`forget_message`](Self::forget_message) for a dedupe key as
    /// [`QueueEntry::key`](crate::queue::QueueEntry::key) shows it (direct
    /// mode keys included).
    pub async fn forget_key(&self, key: &str) -> Result<bool, QueueError> {
        let q = self.queue_config()?;
        within(self.inner.settle.deadline, q.backend.forget(key)).await
    }
}
