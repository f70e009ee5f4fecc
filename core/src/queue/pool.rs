//! The pool behind [`Workers`](super::Workers): takes entries, runs the
//! handler for each under its attempt deadline (at most `workers` at once),
//! settles every attempt (done in batches, a retry after its back-off, or a
//! dead letter), reclaims a dead worker's entries, and pauses while the
//! backend is unreachable.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use tokio::sync::{mpsc, oneshot, watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

use crate::claim::SettleConfig;
use crate::deadline::instant_after;
use crate::queue::backend::{Durability, QueueBackend, Receipt, Taken};
use crate::queue::coalesce::Completion;
use crate::queue::config::QueueConfig;
use crate::queue::enqueue::within;
use crate::queue::entry::QueueEntry;
use crate::queue::error::QueueError;
use crate::queue::job::{QueueHandler, Queued};
use crate::queue::tasks::{drain, panic_message, AbortOnDrop};

/// How many settled attempts may wait for the backend at once: a worker's
/// slot is free for the next handler as soon as its attempt ended, while the
/// backend records the outcome (four per worker, at least 16).
pub(super) fn settle_slots(workers: usize) -> usize {
    workers.saturating_mul(4).max(16)
}

pub(super) struct Pool<E, H> {
    pub(super) handler: H,
    /// Successes to mark done, written in batches by
    /// [`coalesce`](super::coalesce::coalesce).
    pub(super) completions: mpsc::UnboundedSender<Completion>,
    /// Outcomes being written to the backend, bounded (see [`settle_slots`]).
    pub(super) settling: Arc<Semaphore>,
    pub(super) backend: Arc<dyn QueueBackend>,
    pub(super) config: Arc<QueueConfig>,
    pub(super) settle: Arc<SettleConfig>,
    pub(super) consumer: Arc<str>,
    pub(super) _event: PhantomData<fn() -> E>,
}

/// How one attempt ended.
enum Outcome {
    Succeeded,
    /// Worth retrying.
    Failed(String),
    /// Retrying cannot help (the payload does not parse as the handler's
    /// event type).
    Permanent(String),
}

/// The longest wait between two extensions of a running entry's visibility.
const MAX_BEAT: Duration = Duration::from_secs(24 * 3600);

/// Waits doubling from 100 ms to 2 s while the backend is unreachable.
struct Pause {
    current: Option<Duration>,
}

impl Pause {
    fn failed(&mut self, what: &str, e: &QueueError) -> Duration {
        let next = match self.current {
            None => {
                tracing::warn!(error = %e, "hookgate: queue unreachable while {what}; workers pause until it answers");
                Duration::from_millis(100)
            }
            Some(d) => (d * 2).min(Duration::from_secs(2)),
        };
        self.current = Some(next);
        next
    }

    fn succeeded(&mut self) {
        if self.current.take().is_some() {
            tracing::info!("hookgate: queue reachable again; workers resume");
        }
    }
}

impl<E, H> Pool<E, H>
where
    E: DeserializeOwned + Send + 'static,
    H: QueueHandler<E>,
{
    fn deadline(&self) -> Duration {
        self.settle.deadline
    }

    /// Reclaim checks run this often: a quarter of the visibility timeout,
    /// between 50 ms and 1 s.
    fn reclaim_interval(&self) -> Duration {
        (self.config.visibility / 4).clamp(Duration::from_millis(50), Duration::from_secs(1))
    }

    pub(super) async fn run(self: Arc<Self>, mut stop: watch::Receiver<Option<Duration>>) -> usize {
        self.report_durability().await;
        let gauges = tokio::spawn(publish_gauges(
            self.backend.clone(),
            self.deadline(),
            stop.clone(),
        ));
        let _gauges = AbortOnDrop(gauges);
        let slots = Arc::new(Semaphore::new(self.config.workers));
        let mut running = JoinSet::new();
        let mut pause = Pause { current: None };
        let mut next_reclaim = Instant::now();
        loop {
            while running.try_join_next().is_some() {}
            if stop.borrow().is_some() {
                break;
            }
            let first = tokio::select! {
                permit = slots.clone().acquire_owned() => match permit {
                    Ok(p) => p,
                    Err(_) => break,
                },
                _ = stop.changed() => break,
            };
            let mut permits = vec![first];
            if slots.available_permits() + 1 < self.config.workers {
                // Handlers that are ending free their slots within a few
                // polls: one pass of the scheduler lets a take fetch for them
                // too (fewer, larger takes when handlers are quick).
                tokio::task::yield_now().await;
            }
            while let Ok(p) = slots.clone().try_acquire_owned() {
                permits.push(p);
            }
            let mut taken = Vec::new();
            let mut failed = None;
            if Instant::now() >= next_reclaim {
                next_reclaim = Instant::now() + self.reclaim_interval();
                match within(
                    self.deadline(),
                    self.backend
                        .reclaim(&self.consumer, self.config.visibility, permits.len()),
                )
                .await
                {
                    Ok(found) => {
                        for t in &found {
                            tracing::info!(key = %t.entry.key(), attempt = t.attempt, "hookgate: reclaimed an entry whose worker stopped answering");
                        }
                        taken = found;
                    }
                    Err(e) => failed = Some(("reclaiming entries", e)),
                }
            }
            if failed.is_none() && taken.len() < permits.len() {
                match within(
                    self.deadline(),
                    self.backend
                        .take(&self.consumer, permits.len() - taken.len()),
                )
                .await
                {
                    Ok(found) => taken.extend(found),
                    Err(e) => failed = Some(("taking entries", e)),
                }
            }
            let wait = match &failed {
                Some((what, e)) => Some(pause.failed(what, e)),
                None => {
                    pause.succeeded();
                    taken.is_empty().then_some(self.config.poll_interval)
                }
            };
            for (t, permit) in taken.into_iter().zip(permits.drain(..)) {
                let pool = self.clone();
                running.spawn(async move { pool.run_one(t, permit).await });
            }
            drop(permits);
            if let Some(wait) = wait {
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stop.changed() => break,
                }
            }
        }
        let grace = stop.borrow().unwrap_or(self.config.attempt_deadline);
        drain(running, grace).await
    }

    async fn report_durability(&self) {
        match within(self.deadline(), self.backend.durability()).await {
            Ok(Durability::Unprotected) => tracing::warn!(
                "hookgate: the queue's Redis has neither AOF nor replicas: a Redis crash loses queued deliveries that were already answered 202"
            ),
            Ok(Durability::ProcessMemory) => tracing::warn!(
                "hookgate: the queue lives in this process's memory: queued deliveries are lost when it stops (development only)"
            ),
            Ok(Durability::Unknown) => tracing::info!(
                "hookgate: the queue backend does not say whether AOF or replicas protect it"
            ),
            Ok(Durability::Protected { aof, replicas }) => {
                tracing::info!(aof, replicas, "hookgate: the queue is protected against a backend crash")
            }
            Err(e) => tracing::info!(error = %e, "hookgate: could not ask the queue backend about durability"),
        }
    }

    /// Runs one attempt in worker slot `slot`, then records its outcome. The
    /// slot is given back as soon as the handler ended, so the next handler
    /// does not wait for the backend's answer; the task (and so a graceful
    /// shutdown) still waits for the outcome to be recorded.
    async fn run_one(&self, taken: Taken, slot: OwnedSemaphorePermit) {
        let Taken {
            receipt,
            entry,
            attempt,
        } = taken;
        let outcome = self.attempt(&receipt, &entry, attempt).await;
        crate::observe::queue_attempt(match outcome {
            Outcome::Succeeded => "succeeded",
            Outcome::Failed(_) => "failed",
            Outcome::Permanent(_) => "permanent",
        });
        // Bounded: past that many outcomes in flight, the slot waits too.
        let settling = self.settling.clone().acquire_owned().await;
        drop(slot);
        let max = self.config.max_attempts;
        // Attempts since an operator last requeued it count against the maximum.
        let budget_used = attempt.saturating_sub(entry.attempts_before_requeue());
        match outcome {
            Outcome::Succeeded => {
                tracing::debug!(key = %entry.key(), attempt, "hookgate: queued delivery handled");
                let key = entry.shared_key();
                self.settle("marking a delivery done", || self.complete(&receipt, &key))
                    .await;
                if let Some(job) = entry.forget_job() {
                    if let Err(e) = self.settle.within(self.settle.jobs().forget(job)).await {
                        tracing::warn!(error = %e, "hookgate: could not forget a finished job");
                    }
                }
            }
            Outcome::Failed(error) if budget_used < max => {
                let delay = self.config.backoff.delay(attempt);
                tracing::warn!(key = %entry.key(), attempt, max, ?delay, %error, "hookgate: queued delivery failed; retrying later");
                let next = entry.with_failure(attempt, error);
                self.settle("scheduling a retry", || {
                    self.backend.retry_later(&receipt, &next, delay)
                })
                .await;
            }
            Outcome::Failed(error) | Outcome::Permanent(error) => {
                tracing::error!(key = %entry.key(), attempt, %error, "hookgate: queued delivery failed for the last time; moved to the dead letters");
                crate::observe::queue_dead_letter();
                let dead = entry.with_failure(attempt, error);
                self.settle("moving a dead letter", || {
                    self.backend.dead_letter(&receipt, &dead)
                })
                .await;
            }
        }
        drop(settling);
    }

    /// Marks a success done: with the others that succeeded meanwhile, in one
    /// backend call ([`coalesce`](super::coalesce::coalesce)); alone when that batch failed, so the
    /// error is this entry's own.
    async fn complete(&self, receipt: &Receipt, key: &Arc<str>) -> Result<(), QueueError> {
        let (reply, answer) = oneshot::channel();
        let queued = self
            .completions
            .send(Completion {
                receipt: receipt.clone(),
                key: key.clone(),
                reply,
            })
            .is_ok();
        if queued && answer.await == Ok(true) {
            return Ok(());
        }
        self.backend
            .complete(receipt, key, self.settle.done_ttl)
            .await
    }

    /// Runs one attempt under its deadline, in its own task (so a panic is
    /// caught), extending the entry's visibility while it runs.
    async fn attempt(&self, receipt: &Receipt, entry: &QueueEntry, attempt: u32) -> Outcome {
        let event: E = match entry.delivery().event() {
            Ok(e) => e,
            Err(rejection) => {
                return Outcome::Permanent(format!(
                    "the payload does not parse as the handler's event type: {rejection}"
                ))
            }
        };
        let job = Queued {
            event,
            delivery: entry.delivery().clone(),
            attempt,
            received_at: entry.received_at(),
        };
        let mut task = AbortOnDrop(tokio::spawn(self.handler.call(job)));
        let limit = self.config.attempt_deadline;
        let deadline = tokio::time::sleep(limit);
        tokio::pin!(deadline);
        // At most daily: an interval's next tick is its last plus the period,
        // which a `Duration::MAX` visibility would overflow.
        let every = (self.config.visibility / 3).clamp(Duration::from_millis(10), MAX_BEAT);
        let mut beat = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        loop {
            tokio::select! {
                joined = &mut task.0 => return match joined {
                    Ok(Ok(())) => Outcome::Succeeded,
                    Ok(Err(e)) => Outcome::Failed(e.to_string()),
                    Err(j) if j.is_panic() => Outcome::Failed(format!("the handler panicked: {}", panic_message(j.into_panic()))),
                    Err(_) => Outcome::Failed("the handler was cancelled".to_owned()),
                },
                _ = &mut deadline => {
                    task.0.abort();
                    return Outcome::Failed(format!("the attempt ran past its deadline of {limit:?}"));
                }
                _ = beat.tick() => {
                    match within(self.deadline(), self.backend.extend(&self.consumer, receipt)).await {
                        Ok(true) => {}
                        Ok(false) => tracing::warn!(key = %entry.key(), "hookgate: another worker took over this entry (this one did not answer in time); both may run it"),
                        Err(e) => tracing::debug!(error = %e, "hookgate: could not extend an entry's visibility"),
                    }
                }
            }
        }
    }

    /// Settles an attempt, trying again while the backend is unreachable, for
    /// up to the visibility timeout (after which another worker may have
    /// taken the entry over and will run it again: at least once holds).
    async fn settle<F, Fut>(&self, what: &str, call: F)
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<(), QueueError>>,
    {
        let give_up = instant_after(self.config.visibility);
        let mut pause = Pause { current: None };
        loop {
            match within(self.deadline(), call()).await {
                Ok(()) => {
                    pause.succeeded();
                    return;
                }
                Err(e) => {
                    let wait = pause.failed(what, &e);
                    if Instant::now() + wait >= give_up {
                        tracing::warn!(error = %e, "hookgate: gave up {what}; the entry is taken over after the visibility timeout and run again");
                        return;
                    }
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}

/// Publishes the queue's statistics as the `observe` gauges every
/// [`QUEUE_GAUGE_INTERVAL`](crate::observe::QUEUE_GAUGE_INTERVAL) until the
/// pool stops (aborted with it). A failed read leaves the last values.
async fn publish_gauges(
    backend: Arc<dyn QueueBackend>,
    deadline: Duration,
    mut stop: watch::Receiver<Option<Duration>>,
) {
    loop {
        match within(deadline, backend.stats()).await {
            Ok(stats) => crate::observe::queue_gauges(&stats),
            Err(e) => {
                tracing::debug!(error = %e, "hookgate: could not read the queue's statistics for its gauges")
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(crate::observe::QUEUE_GAUGE_INTERVAL) => {}
            _ = stop.changed() => return,
        }
    }
}
