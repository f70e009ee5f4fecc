//! The in-memory [`IdempotencyStore`]: one process, bounded in size, with TTL
//! expiry. For a single replica; several replicas need a shared store (Redis).

use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;

use foldhash::fast::RandomState;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::idempotency::{ClaimOutcome, ClaimToken, IdempotencyStore, StoreError};

const SHARDS: usize = 16;

/// A bounded, sharded in-memory store.
///
/// When full, the oldest-written done markers are evicted first (a later
/// duplicate of an evicted one is processed again: at least once still holds);
/// live in-flight claims are never evicted, and a claim that finds only those
/// fails with [`StoreError::Full`] (answered 503, so the sender retries).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use std::time::Duration;
/// use hookgate::{ClaimOutcome, ClaimToken, IdempotencyStore, MemoryStore};
/// let store = MemoryStore::new();
/// let me = ClaimToken::random();
/// let ttl = Duration::from_secs(30);
/// assert_eq!(store.claim("k", me, ttl).await.unwrap(), ClaimOutcome::Fresh);
/// assert_eq!(store.claim("k", ClaimToken::random(), ttl).await.unwrap(), ClaimOutcome::InFlight);
/// assert!(store.complete("k", me, Duration::from_secs(3600)).await.unwrap());
/// assert_eq!(store.claim("k", ClaimToken::random(), ttl).await.unwrap(), ClaimOutcome::Done);
/// # });
/// ```
#[derive(Debug)]
pub struct MemoryStore {
    shards: Box<[Mutex<Shard>]>,
    shard_capacity: usize,
    hasher: RandomState,
}

#[derive(Debug, Default)]
struct Shard {
    map: HashMap<Arc<str>, Entry, RandomState>,
    /// Keys in the order they were last written, with the write's generation;
    /// entries whose generation no longer matches the map are stale.
    order: VecDeque<(Arc<str>, u64)>,
    next_gen: u64,
}

#[derive(Debug, Clone)]
struct Entry {
    /// The map's own key, so a rewrite can queue it without allocating.
    key: Arc<str>,
    state: State,
    expires: Instant,
    generation: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    InFlight(ClaimToken),
    Done,
}

impl MemoryStore {
    /// Default capacity: 100 000 keys (a few MiB).
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// A store holding up to [`Self::DEFAULT_CAPACITY`] keys.
    pub fn new() -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY)
    }

    /// A store holding up to `capacity` keys (at least one per shard).
    pub fn with_capacity(capacity: usize) -> Self {
        let shard_capacity = capacity.div_ceil(SHARDS).max(1);
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            shard_capacity,
            hasher: RandomState::default(),
        }
    }

    /// Live keys (in flight or done) currently held.
    pub fn len(&self) -> usize {
        let now = Instant::now();
        self.shards
            .iter()
            .map(|s| lock(s).map.values().filter(|e| e.expires > now).count())
            .sum()
    }

    /// Whether no live key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn shard(&self, key: &str) -> MutexGuard<'_, Shard> {
        let idx = (self.hasher.hash_one(key) as usize) % SHARDS;
        lock(&self.shards[idx])
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

/// A poisoned shard only means a panic happened while it was held; the map's
/// invariants hold between statements, so keep using it.
fn lock(m: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Rewrites an entry in place (one hash lookup per operation) and queues it
/// as the newest write.
fn rewrite(
    order: &mut VecDeque<(Arc<str>, u64)>,
    next_gen: &mut u64,
    entry: &mut Entry,
    state: State,
    expires: Instant,
) {
    *next_gen += 1;
    entry.state = state;
    entry.expires = expires;
    entry.generation = *next_gen;
    order.push_back((entry.key.clone(), *next_gen));
}

impl Shard {
    fn insert(&mut self, key: &str, state: State, expires: Instant) {
        self.next_gen += 1;
        let generation = self.next_gen;
        let key: Arc<str> = Arc::from(key);
        self.order.push_back((key.clone(), generation));
        self.map.insert(
            key.clone(),
            Entry {
                key,
                state,
                expires,
                generation,
            },
        );
    }

    /// Frees room for one more key; false when only live in-flight claims remain.
    fn make_room(&mut self, capacity: usize, now: Instant) -> bool {
        while self.map.len() >= capacity {
            let Some((key, generation)) = self.order.pop_front() else {
                return false;
            };
            let Some(entry) = self.map.get(&key) else {
                continue;
            };
            if entry.generation != generation {
                continue;
            }
            if entry.expires <= now || entry.state == State::Done {
                self.map.remove(&key);
                continue;
            }
            // The oldest write is a live in-flight claim: keep it.
            self.order.push_front((key, generation));
            return false;
        }
        // Stale order entries pile up when keys are released or rewritten;
        // rebuild the queue once it is far larger than the map.
        if self.order.len() > 2 * capacity + 64 {
            let mut live: Vec<(Arc<str>, u64)> = self
                .map
                .iter()
                .map(|(k, e)| (k.clone(), e.generation))
                .collect();
            live.sort_unstable_by_key(|(_, g)| *g);
            self.order = live.into();
        }
        true
    }

    /// The live entry for `key`, dropping it if expired.
    fn live(&mut self, key: &str, now: Instant) -> Option<&mut Entry> {
        match self.map.get(key) {
            Some(e) if e.expires <= now => {
                self.map.remove(key);
                None
            }
            Some(_) => self.map.get_mut(key),
            None => None,
        }
    }
}

#[async_trait::async_trait]
impl IdempotencyStore for MemoryStore {
    async fn claim(
        &self,
        key: &str,
        token: ClaimToken,
        in_flight_ttl: Duration,
    ) -> Result<ClaimOutcome, StoreError> {
        let now = Instant::now();
        let mut guard = self.shard(key);
        let shard = &mut *guard;
        if let Some(entry) = shard.map.get_mut(key) {
            if entry.expires > now {
                return Ok(match entry.state {
                    State::Done => ClaimOutcome::Done,
                    State::InFlight(_) => ClaimOutcome::InFlight,
                });
            }
            // Expired: take it over in place.
            let state = State::InFlight(token);
            rewrite(
                &mut shard.order,
                &mut shard.next_gen,
                entry,
                state,
                now + in_flight_ttl,
            );
            return Ok(ClaimOutcome::Fresh);
        }
        if !shard.make_room(self.shard_capacity, now) {
            return Err(StoreError::Full);
        }
        shard.insert(key, State::InFlight(token), now + in_flight_ttl);
        Ok(ClaimOutcome::Fresh)
    }

    async fn complete(
        &self,
        key: &str,
        token: ClaimToken,
        done_ttl: Duration,
    ) -> Result<bool, StoreError> {
        let now = Instant::now();
        let mut guard = self.shard(key);
        let shard = &mut *guard;
        match shard.map.get_mut(key) {
            Some(e) if e.expires > now && e.state == State::InFlight(token) => {
                rewrite(
                    &mut shard.order,
                    &mut shard.next_gen,
                    e,
                    State::Done,
                    now + done_ttl,
                );
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn renew(
        &self,
        key: &str,
        token: ClaimToken,
        in_flight_ttl: Duration,
    ) -> Result<bool, StoreError> {
        let now = Instant::now();
        let mut shard = self.shard(key);
        match shard.map.get_mut(key) {
            Some(e) if e.expires > now && e.state == State::InFlight(token) => {
                e.expires = now + in_flight_ttl;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn release(&self, key: &str, token: ClaimToken) -> Result<bool, StoreError> {
        let now = Instant::now();
        let mut shard = self.shard(key);
        match shard.live(key, now) {
            Some(e) if e.state == State::InFlight(token) => {
                shard.map.remove(key);
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(30);
    const DONE: Duration = Duration::from_secs(3600);

    #[tokio::test]
    async fn owner_only_completes_and_releases() {
        let s = MemoryStore::new();
        let me = ClaimToken::random();
        let other = ClaimToken::random();
        assert_eq!(s.claim("k", me, TTL).await.unwrap(), ClaimOutcome::Fresh);
        assert!(!s.complete("k", other, DONE).await.unwrap());
        assert!(!s.release("k", other).await.unwrap());
        assert!(!s.renew("k", other, TTL).await.unwrap());
        assert!(s.renew("k", me, TTL).await.unwrap());
        assert!(s.release("k", me).await.unwrap());
        assert_eq!(s.claim("k", other, TTL).await.unwrap(), ClaimOutcome::Fresh);
        assert!(s.complete("k", other, DONE).await.unwrap());
        // done cannot be released or completed again
        assert!(!s.release("k", other).await.unwrap());
        assert!(!s.complete("k", other, DONE).await.unwrap());
        assert_eq!(s.claim("k", me, TTL).await.unwrap(), ClaimOutcome::Done);
    }

    #[tokio::test]
    async fn in_flight_expires_by_itself() {
        let s = MemoryStore::new();
        let me = ClaimToken::random();
        s.claim("k", me, Duration::from_millis(30)).await.unwrap();
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(!s.complete("k", me, DONE).await.unwrap());
        assert_eq!(
            s.claim("k", ClaimToken::random(), TTL).await.unwrap(),
            ClaimOutcome::Fresh
        );
    }

    #[tokio::test]
    async fn bounded_evicts_done_before_in_flight() {
        let s = MemoryStore::with_capacity(SHARDS * 4);
        for i in 0..10_000 {
            let key = format!("k{i}");
            let t = ClaimToken::random();
            assert_eq!(s.claim(&key, t, TTL).await.unwrap(), ClaimOutcome::Fresh);
            assert!(s.complete(&key, t, DONE).await.unwrap());
        }
        assert!(s.len() <= SHARDS * 4);
        for shard in s.shards.iter() {
            assert!(lock(shard).order.len() <= 2 * 4 + 64 + 2);
        }
        // Fill with live in-flight claims: eventually refused, never evicted.
        let mut refused = 0;
        for i in 0..1000 {
            match s.claim(&format!("f{i}"), ClaimToken::random(), TTL).await {
                Ok(ClaimOutcome::Fresh) => {}
                Err(StoreError::Full) => refused += 1,
                other => panic!("{other:?}"),
            }
        }
        assert!(refused > 0);
        assert!(s.len() <= SHARDS * 4);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn thousand_concurrent_claims_one_fresh() {
        let s = Arc::new(MemoryStore::new());
        let tasks: Vec<_> = (0..1000)
            .map(|_| {
                let s = s.clone();
                tokio::spawn(async move { s.claim("one", ClaimToken::random(), TTL).await })
            })
            .collect();
        let mut fresh = 0;
        for t in tasks {
            if t.await.unwrap().unwrap() == ClaimOutcome::Fresh {
                fresh += 1;
            }
        }
        assert_eq!(fresh, 1);
    }
}
