//! [`MemoryQueue`]: the queue in this process's memory, for development and
//! tests. A `202` from it promises nothing once the process stops, so
//! `build()` refuses it unless the app opts in
//! ([`QueueConfig::allow_volatile`](super::QueueConfig::allow_volatile)).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::deadline::instant_after;
use crate::queue::backend::{
    DeadLetter, DeadLetterId, Durability, Enqueued, QueueBackend, QueueStats, Receipt, Taken,
};
use crate::queue::entry::QueueEntry;
use crate::queue::error::QueueError;

/// A queue in this process's memory: the same behaviour as the Redis backend
/// (dedupe marks, retries, reclaim, dead letters), lost when the process
/// stops, and not shared with other replicas.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use hookgate::queue::{MemoryQueue, QueueConfig};
/// let receiver = hookgate::Receiver::builder()
///     .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
///     .queue(QueueConfig::new(MemoryQueue::new()).allow_volatile(true))
///     .build()
///     .unwrap();
/// assert!(receiver.queue_mode());
/// # });
/// ```
#[derive(Default)]
pub struct MemoryQueue {
    state: Mutex<State>,
}

impl std::fmt::Debug for MemoryQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryQueue").finish_non_exhaustive()
    }
}

#[derive(Default)]
struct State {
    next_id: u64,
    marks: HashMap<String, Mark>,
    /// Done markers in the order they were written (the done TTL is the same
    /// for all of a receiver's), to drop expired ones.
    done_order: VecDeque<(Instant, String)>,
    ready: VecDeque<Waiting>,
    running: HashMap<u64, Running>,
    scheduled: BTreeMap<(Instant, u64), QueueEntry>,
    dead: BTreeMap<u64, QueueEntry>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Queued,
    Done { until: Instant },
}

struct Waiting {
    id: u64,
    since: Instant,
    entry: QueueEntry,
}

struct Running {
    since: Instant,
    entry: QueueEntry,
    consumer: String,
    last_seen: Instant,
    deliveries: u32,
}

impl MemoryQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half-written
        // in a way later calls trip over; keep going.
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.expire(Instant::now());
        state
    }
}

impl State {
    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn expire(&mut self, now: Instant) {
        while let Some((until, _)) = self.done_order.front() {
            if *until > now {
                break;
            }
            let (until, key) = self.done_order.pop_front().unwrap_or((now, String::new()));
            if self.marks.get(&key) == Some(&Mark::Done { until }) {
                self.marks.remove(&key);
            }
        }
        let due: Vec<(Instant, u64)> = self
            .scheduled
            .range(..=(now, u64::MAX))
            .map(|(k, _)| *k)
            .collect();
        for k in due {
            if let Some(entry) = self.scheduled.remove(&k) {
                let id = self.id();
                self.ready.push_back(Waiting {
                    id,
                    since: now,
                    entry,
                });
            }
        }
    }

    fn is_marked(&self, key: &str) -> bool {
        self.marks.contains_key(key)
    }
}

fn receipt(id: u64) -> Receipt {
    Receipt::new(0, id.to_string())
}

fn parse(receipt: &Receipt) -> Option<u64> {
    receipt.id().parse().ok()
}

#[async_trait::async_trait]
impl QueueBackend for MemoryQueue {
    async fn enqueue(&self, entry: &QueueEntry) -> Result<Enqueued, QueueError> {
        let mut s = self.lock();
        if s.is_marked(entry.key()) {
            return Ok(Enqueued::Duplicate);
        }
        s.marks.insert(entry.key().to_owned(), Mark::Queued);
        let id = s.id();
        s.ready.push_back(Waiting {
            id,
            since: Instant::now(),
            entry: entry.clone(),
        });
        Ok(Enqueued::Queued)
    }

    async fn is_marked(&self, key: &str) -> Result<bool, QueueError> {
        Ok(self.lock().is_marked(key))
    }

    async fn take(&self, consumer: &str, max: usize) -> Result<Vec<Taken>, QueueError> {
        let mut s = self.lock();
        let now = Instant::now();
        let mut out = Vec::new();
        while out.len() < max {
            let Some(w) = s.ready.pop_front() else { break };
            out.push(Taken {
                receipt: receipt(w.id),
                attempt: w.entry.attempts().saturating_add(1),
                entry: w.entry.clone(),
            });
            s.running.insert(
                w.id,
                Running {
                    since: w.since,
                    entry: w.entry,
                    consumer: consumer.to_owned(),
                    last_seen: now,
                    deliveries: 1,
                },
            );
        }
        Ok(out)
    }

    async fn reclaim(
        &self,
        consumer: &str,
        idle: Duration,
        max: usize,
    ) -> Result<Vec<Taken>, QueueError> {
        let mut s = self.lock();
        let now = Instant::now();
        let mut out = Vec::new();
        for (id, r) in s.running.iter_mut() {
            if out.len() >= max {
                break;
            }
            if now.saturating_duration_since(r.last_seen) >= idle {
                r.consumer = consumer.to_owned();
                r.last_seen = now;
                r.deliveries += 1;
                out.push(Taken {
                    receipt: receipt(*id),
                    attempt: r.entry.attempts().saturating_add(r.deliveries),
                    entry: r.entry.clone(),
                });
            }
        }
        Ok(out)
    }

    async fn extend(&self, consumer: &str, receipt: &Receipt) -> Result<bool, QueueError> {
        let mut s = self.lock();
        match parse(receipt).and_then(|id| s.running.get_mut(&id)) {
            Some(r) if r.consumer == consumer => {
                r.last_seen = Instant::now();
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn complete(
        &self,
        receipt: &Receipt,
        key: &str,
        done_ttl: Duration,
    ) -> Result<(), QueueError> {
        let mut s = self.lock();
        if let Some(id) = parse(receipt) {
            s.running.remove(&id);
        }
        let until = instant_after(done_ttl);
        s.marks.insert(key.to_owned(), Mark::Done { until });
        s.done_order.push_back((until, key.to_owned()));
        Ok(())
    }

    async fn retry_later(
        &self,
        receipt: &Receipt,
        entry: &QueueEntry,
        delay: Duration,
    ) -> Result<(), QueueError> {
        let mut s = self.lock();
        if let Some(id) = parse(receipt) {
            if s.running.remove(&id).is_some() {
                s.scheduled
                    .insert((instant_after(delay), id), entry.clone());
            }
        }
        Ok(())
    }

    async fn dead_letter(&self, receipt: &Receipt, entry: &QueueEntry) -> Result<(), QueueError> {
        let mut s = self.lock();
        if let Some(id) = parse(receipt) {
            if s.running.remove(&id).is_some() {
                s.dead.insert(id, entry.clone());
            }
        }
        Ok(())
    }

    async fn stats(&self) -> Result<QueueStats, QueueError> {
        let s = self.lock();
        let now = Instant::now();
        let oldest = s
            .ready
            .iter()
            .map(|w| w.since)
            .chain(s.running.values().map(|r| r.since))
            .min();
        Ok(QueueStats {
            ready: s.ready.len() as u64,
            scheduled: s.scheduled.len() as u64,
            running: s.running.len() as u64,
            dead: s.dead.len() as u64,
            oldest_age_ms: oldest.map(|t| {
                u64::try_from(now.saturating_duration_since(t).as_millis()).unwrap_or(u64::MAX)
            }),
        })
    }

    async fn dead_letters(&self, max: usize) -> Result<Vec<DeadLetter>, QueueError> {
        let s = self.lock();
        Ok(s.dead
            .iter()
            .take(max)
            .map(|(id, entry)| DeadLetter {
                id: DeadLetterId(receipt(*id)),
                entry: entry.clone(),
            })
            .collect())
    }

    async fn requeue(&self, id: &DeadLetterId) -> Result<bool, QueueError> {
        let mut s = self.lock();
        let Some(entry) = parse(&id.0).and_then(|n| s.dead.remove(&n)) else {
            return Ok(false);
        };
        let new_id = s.id();
        s.ready.push_back(Waiting {
            id: new_id,
            since: Instant::now(),
            entry: entry.requeued(),
        });
        Ok(true)
    }

    async fn forget(&self, key: &str) -> Result<bool, QueueError> {
        let mut s = self.lock();
        if matches!(s.marks.get(key), Some(Mark::Done { .. })) {
            s.marks.remove(key);
            return Ok(true);
        }
        Ok(false)
    }

    async fn durability(&self) -> Result<Durability, QueueError> {
        Ok(Durability::ProcessMemory)
    }

    fn is_volatile(&self) -> bool {
        true
    }
}
