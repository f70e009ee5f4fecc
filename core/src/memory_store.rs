//! The in-memory [`IdempotencyStore`]: one process, bounded in size, with TTL
//! expiry. For a single replica; several replicas need a shared store (Redis).

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use hashbrown::HashTable;
use siphasher::sip128::SipHasher13;

use crate::idempotency::{ClaimOutcome, ClaimToken, IdempotencyStore, StoreError};

const SHARDS: usize = 16;

/// A bounded, sharded in-memory store.
///
/// When full, expired entries and the oldest-written done markers are
/// evicted first (a later duplicate of an evicted one is processed again: at
/// least once still holds); live in-flight claims are never evicted, and a
/// claim whose shard holds nothing else fails with [`StoreError::Full`]
/// (answered 503, so the sender retries).
///
/// The store never keeps a key, only its fingerprint: a 128-bit SipHash-1-3
/// under a random key drawn when the store is made. Two different keys
/// share a fingerprint with probability 2⁻¹²⁸ a pair (about 10⁻²⁹ for a full
/// default store), and since the hash key never leaves the process, a
/// sender cannot aim for a collision. Each operation hashes its key once: the
/// fingerprint picks the shard, places the entry and identifies it, so
/// lookups, evictions and table growth never hash again, and no key is
/// allocated or compared byte by byte.
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
    hasher: SipHasher13,
}

#[derive(Debug, Default)]
struct Shard {
    table: HashTable<Entry>,
    /// Writes in order, oldest first: (key hash, the write's generation).
    /// Entries whose generation no longer matches the table are stale.
    order: VecDeque<(u64, u64)>,
    next_gen: u64,
}

/// 64 bytes: no pointer to chase, nothing else allocated per key.
#[derive(Debug)]
struct Entry {
    /// The fingerprint's first half: places the entry in the table.
    hash: u64,
    /// Its second half: with `hash`, identifies the key.
    check: u64,
    state: State,
    expires: Instant,
    /// Unique within the shard: which write of `order` is this entry's latest.
    generation: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    InFlight(ClaimToken),
    Done,
}

impl MemoryStore {
    /// Default capacity: 100 000 keys. Full, that is about 22 MiB of memory
    /// (measured: ≈ 130 bytes a key while it fills, ≈ 220 once it evicts,
    /// whatever the keys' length: the table keeps room for the slots
    /// evictions free); size it with [`Self::with_capacity`].
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
            hasher: SipHasher13::new_with_key(&rand::random()),
        }
    }

    /// Live keys (in flight or done) currently held.
    pub fn len(&self) -> usize {
        let now = Instant::now();
        self.shards
            .iter()
            .map(|s| lock(s).table.iter().filter(|e| e.expires > now).count())
            .sum()
    }

    /// Whether no live key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The key's fingerprint and its locked shard. The shard is chosen by
    /// bits the table itself does not use to place entries (it takes the low
    /// bits for the bucket and the top seven as a tag).
    fn shard(&self, key: &str) -> (Fingerprint, MutexGuard<'_, Shard>) {
        let h = self.hasher.hash(key.as_bytes());
        let fp = Fingerprint {
            hash: h.h1,
            check: h.h2,
        };
        let idx = (fp.hash >> 32) as usize % SHARDS;
        (fp, lock(&self.shards[idx]))
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

/// A poisoned shard only means a panic happened while it was held; the table's
/// invariants hold between statements, so keep using it.
fn lock(m: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A key's 128-bit fingerprint, in the two halves an [`Entry`] keeps.
#[derive(Debug, Clone, Copy)]
struct Fingerprint {
    hash: u64,
    check: u64,
}

fn same_key(fp: Fingerprint) -> impl Fn(&Entry) -> bool {
    move |e| e.hash == fp.hash && e.check == fp.check
}

/// The next generation of a shard, queued as the newest write of `hash`.
/// Takes the two fields it needs, so an entry of the table can stay borrowed.
fn record_write(order: &mut VecDeque<(u64, u64)>, next_gen: &mut u64, hash: u64) -> u64 {
    *next_gen += 1;
    order.push_back((hash, *next_gen));
    *next_gen
}

/// Past this many queued writes (stale ones included) the queue is rebuilt.
fn queue_limit(capacity: usize) -> usize {
    2 * capacity + 64
}

impl Shard {
    fn insert(&mut self, fp: Fingerprint, state: State, expires: Instant) {
        let generation = record_write(&mut self.order, &mut self.next_gen, fp.hash);
        let entry = Entry {
            hash: fp.hash,
            check: fp.check,
            state,
            expires,
            generation,
        };
        self.table.insert_unique(fp.hash, entry, |e| e.hash);
    }

    /// The live or expired entry of `key`, and a way to rewrite it in place
    /// (one probe of the table per operation).
    fn find(&mut self, fp: Fingerprint) -> Option<Found<'_>> {
        let entry = self.table.find_mut(fp.hash, same_key(fp))?;
        Some(Found {
            entry,
            order: &mut self.order,
            next_gen: &mut self.next_gen,
        })
    }

    /// Frees room for one more key; false when only live in-flight claims remain.
    ///
    /// Evicts expired entries and done markers, oldest write first. A live
    /// in-flight claim is never evicted: it goes to the back of the queue and
    /// the scan goes on, so one slow handler does not block the shard. The scan
    /// looks at each queued write at most once.
    fn make_room(&mut self, capacity: usize, now: Instant) -> bool {
        let mut budget = self.order.len();
        while self.table.len() >= capacity {
            if budget == 0 {
                return false;
            }
            budget -= 1;
            let Some((hash, generation)) = self.order.pop_front() else {
                return false;
            };
            let Ok(entry) = self.table.find_entry(hash, |e| e.generation == generation) else {
                continue; // rewritten or removed since: a stale write
            };
            let e = entry.get();
            if e.expires <= now || e.state == State::Done {
                entry.remove();
            } else {
                self.order.push_back((hash, generation));
            }
        }
        // Stale writes pile up when keys are released or rewritten; rebuild
        // the queue once it is far larger than the table.
        if self.order.len() > queue_limit(capacity) {
            let mut live: Vec<(u64, u64)> =
                self.table.iter().map(|e| (e.hash, e.generation)).collect();
            live.sort_unstable_by_key(|&(_, g)| g);
            // Refilled in place: the queue keeps its allocation.
            self.order.clear();
            self.order.extend(live);
        }
        true
    }
}

/// An entry found in a shard, with the shard's write queue.
struct Found<'a> {
    entry: &'a mut Entry,
    order: &'a mut VecDeque<(u64, u64)>,
    next_gen: &'a mut u64,
}

impl Found<'_> {
    /// Rewrites the entry in place and queues it as the newest write.
    fn rewrite(self, state: State, expires: Instant) {
        let hash = self.entry.hash;
        self.entry.generation = record_write(self.order, self.next_gen, hash);
        self.entry.state = state;
        self.entry.expires = expires;
    }
}

/// The store's operations, answered at once; the receiver calls these directly.
impl MemoryStore {
    pub(crate) fn claim_now(
        &self,
        key: &str,
        token: ClaimToken,
        in_flight_ttl: Duration,
    ) -> Result<ClaimOutcome, StoreError> {
        let now = Instant::now();
        let (fp, mut shard) = self.shard(key);
        let expires = now + in_flight_ttl;
        if let Some(found) = shard.find(fp) {
            if found.entry.expires > now {
                return Ok(match found.entry.state {
                    State::Done => ClaimOutcome::Done,
                    State::InFlight(_) => ClaimOutcome::InFlight,
                });
            }
            // Expired: take it over in place.
            found.rewrite(State::InFlight(token), expires);
            return Ok(ClaimOutcome::Fresh);
        }
        if !shard.make_room(self.shard_capacity, now) {
            return Err(StoreError::Full);
        }
        shard.insert(fp, State::InFlight(token), expires);
        Ok(ClaimOutcome::Fresh)
    }

    pub(crate) fn complete_now(
        &self,
        key: &str,
        token: ClaimToken,
        done_ttl: Duration,
    ) -> Result<bool, StoreError> {
        let now = Instant::now();
        let (fp, mut shard) = self.shard(key);
        match shard.find(fp) {
            Some(found)
                if found.entry.expires > now && found.entry.state == State::InFlight(token) =>
            {
                found.rewrite(State::Done, now + done_ttl);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    pub(crate) fn renew_now(
        &self,
        key: &str,
        token: ClaimToken,
        in_flight_ttl: Duration,
    ) -> Result<bool, StoreError> {
        let now = Instant::now();
        let (fp, mut shard) = self.shard(key);
        match shard.table.find_mut(fp.hash, same_key(fp)) {
            Some(e) if e.expires > now && e.state == State::InFlight(token) => {
                e.expires = now + in_flight_ttl;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    pub(crate) fn release_now(&self, key: &str, token: ClaimToken) -> Result<bool, StoreError> {
        let now = Instant::now();
        let (fp, mut shard) = self.shard(key);
        let Ok(entry) = shard.table.find_entry(fp.hash, same_key(fp)) else {
            return Ok(false);
        };
        // An expired entry goes either way; only a live claim of ours counts.
        let e = entry.get();
        let expired = e.expires <= now;
        let ours = !expired && e.state == State::InFlight(token);
        if expired || ours {
            entry.remove();
        }
        Ok(ours)
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
        self.claim_now(key, token, in_flight_ttl)
    }

    async fn complete(
        &self,
        key: &str,
        token: ClaimToken,
        done_ttl: Duration,
    ) -> Result<bool, StoreError> {
        self.complete_now(key, token, done_ttl)
    }

    async fn renew(
        &self,
        key: &str,
        token: ClaimToken,
        in_flight_ttl: Duration,
    ) -> Result<bool, StoreError> {
        self.renew_now(key, token, in_flight_ttl)
    }

    async fn release(&self, key: &str, token: ClaimToken) -> Result<bool, StoreError> {
        self.release_now(key, token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

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

    #[tokio::test]
    async fn a_live_claim_at_the_head_never_blocks_or_is_evicted() {
        // Two keys of room per shard. "live" is the oldest write of its shard
        // and stays in flight: eviction must go past it (not answer `Full`
        // while done markers could go), skip the stale writes that releases
        // leave behind, and never evict the live claim itself.
        let s = MemoryStore::with_capacity(SHARDS * 2);
        let me = ClaimToken::random();
        assert_eq!(s.claim("live", me, TTL).await.unwrap(), ClaimOutcome::Fresh);
        for i in 0..2_000 {
            let key = format!("k{i}");
            let t = ClaimToken::random();
            assert_eq!(s.claim(&key, t, TTL).await.unwrap(), ClaimOutcome::Fresh);
            if i % 2 == 0 {
                assert!(s.release(&key, t).await.unwrap());
            } else {
                assert!(s.complete(&key, t, DONE).await.unwrap());
            }
        }
        // The live claim survived every eviction and is still ours.
        assert_eq!(
            s.claim("live", ClaimToken::random(), TTL).await.unwrap(),
            ClaimOutcome::InFlight
        );
        assert!(s.complete("live", me, DONE).await.unwrap());
        assert!(s.len() <= SHARDS * 2);
        for shard in s.shards.iter() {
            let shard = lock(shard);
            assert!(shard.order.len() <= 2 * 2 + 64 + 2);
            // Every entry's latest write is still queued.
            for e in shard.table.iter() {
                assert!(shard.order.contains(&(e.hash, e.generation)));
            }
        }
    }

    #[test]
    fn an_entry_is_64_bytes_and_holds_no_key() {
        assert_eq!(std::mem::size_of::<Entry>(), 64);
    }

    #[tokio::test]
    async fn keys_are_told_apart_by_fingerprint_alone() {
        // Prefixes, lengths and trailing zero bytes: every key is its own.
        let keys = ["", "\0", "a", "a\0", "a\0\0", "ab", "ba", "msg:x", "msg:x "];
        let s = MemoryStore::new();
        for k in keys {
            let t = ClaimToken::random();
            assert_eq!(
                s.claim(k, t, TTL).await.unwrap(),
                ClaimOutcome::Fresh,
                "{k:?}"
            );
            assert!(s.complete(k, t, DONE).await.unwrap());
        }
        for k in keys {
            let t = ClaimToken::random();
            assert_eq!(
                s.claim(k, t, TTL).await.unwrap(),
                ClaimOutcome::Done,
                "{k:?}"
            );
        }
        // 100 000 Svix-style ids in one store: no two taken for each other.
        let s = MemoryStore::with_capacity(200_000);
        for i in 0..100_000u32 {
            let k = format!("msg:msg_{i:027}");
            let t = ClaimToken::random();
            assert_eq!(s.claim(&k, t, TTL).await.unwrap(), ClaimOutcome::Fresh);
            assert!(s.complete(&k, t, DONE).await.unwrap());
        }
        assert_eq!(s.len(), 100_000);
    }

    #[test]
    fn each_store_draws_its_own_hash_key() {
        let (a, b) = (MemoryStore::new(), MemoryStore::new());
        assert_ne!(a.hasher.key(), b.hasher.key());
        let fa = a.shard("msg:1").0;
        let fb = b.shard("msg:1").0;
        assert_ne!((fa.hash, fa.check), (fb.hash, fb.check));
    }

    #[tokio::test]
    async fn expired_claims_are_taken_over_in_place() {
        let s = MemoryStore::new();
        let first = ClaimToken::random();
        let second = ClaimToken::random();
        s.claim("k", first, Duration::from_millis(20))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(
            s.claim("k", second, TTL).await.unwrap(),
            ClaimOutcome::Fresh
        );
        // The expired owner can no longer settle; the new one can.
        assert!(!s.release("k", first).await.unwrap());
        assert!(!s.complete("k", first, DONE).await.unwrap());
        assert!(s.complete("k", second, DONE).await.unwrap());
        assert_eq!(s.len(), 1);
    }
}
