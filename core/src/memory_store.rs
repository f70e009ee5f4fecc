//! The in-memory [`IdempotencyStore`]: one process, bounded in size, with TTL
//! expiry. For a single replica; several replicas need a shared store (Redis).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use hashbrown::HashTable;
use siphasher::sip128::SipHasher13;

use crate::clock::{Clock, SystemClock};
use crate::idempotency::{ClaimOutcome, ClaimToken, IdempotencyStore, StoreError};

const SHARDS: usize = 16;

/// A bounded, sharded in-memory store.
///
/// When full, expired entries and done markers are evicted first, oldest
/// claim first (a later duplicate of an evicted one is processed again: at
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
/// use hookgate::store::{ClaimOutcome, ClaimToken, IdempotencyStore, MemoryStore};
/// let store = MemoryStore::new();
/// let me = ClaimToken::random();
/// let ttl = Duration::from_secs(30);
/// assert_eq!(store.claim("k", me, ttl).await.unwrap(), ClaimOutcome::Fresh);
/// assert_eq!(store.claim("k", ClaimToken::random(), ttl).await.unwrap(), ClaimOutcome::InFlight);
/// assert!(store.complete("k", me, Duration::from_secs(3600)).await.unwrap());
/// assert_eq!(store.claim("k", ClaimToken::random(), ttl).await.unwrap(), ClaimOutcome::Done);
/// # });
/// ```
pub struct MemoryStore {
    shards: Box<[Mutex<Shard>]>,
    shard_capacity: usize,
    hasher: SipHasher13,
    /// Entries expire by its monotonic reading, kept in milliseconds.
    clock: Arc<dyn Clock>,
}

#[derive(Debug, Default)]
struct Shard {
    table: HashTable<Entry>,
    /// The keys' fingerprints in the order they were claimed, oldest first:
    /// eviction's queue. Every entry of the table is queued at least once; a
    /// fingerprint whose entry is gone is stale and skipped.
    order: VecDeque<Fingerprint>,
}

/// 32 bytes, two to a cache line: no pointer to chase, nothing else
/// allocated per key.
#[derive(Debug)]
struct Entry {
    fp: Fingerprint,
    /// The owner of a claim in flight ([`owner`] of its token, never 0), or
    /// [`PROCESSED`].
    owner: u64,
    /// Milliseconds on the clock's monotonic timeline; live while later than now.
    expires: u64,
}

/// [`Entry::owner`] of a processed delivery.
const PROCESSED: u64 = 0;

/// The 64 bits of a claim token an entry keeps (never [`PROCESSED`]). Tokens are
/// random: two owners of one key are told apart but for 2⁻⁶⁴ luck.
fn owner(token: ClaimToken) -> u64 {
    let t = token.as_u128();
    match (t as u64) ^ ((t >> 64) as u64) {
        PROCESSED => 1,
        folded => folded,
    }
}

impl Entry {
    fn is_live(&self, now: u64) -> bool {
        self.expires > now
    }

    fn is_done(&self) -> bool {
        self.owner == PROCESSED
    }
}

impl MemoryStore {
    /// Default capacity: 100 000 keys. Full, that is about 12 MiB of memory
    /// (measured: ≈ 70 bytes a key while it fills, ≈ 120 once it evicts,
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
            clock: Arc::new(SystemClock),
        }
    }

    /// The same store, expiring its entries by `clock` (default: the
    /// [`SystemClock`]). A receiver's default store already uses the
    /// receiver's clock; a test moves a [`FixedClock`](crate::clock::FixedClock)
    /// instead of sleeping past a TTL.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use std::{sync::Arc, time::Duration};
    /// use hookgate::clock::FixedClock;
    /// use hookgate::store::{ClaimOutcome, ClaimToken, IdempotencyStore, MemoryStore};
    /// let clock = Arc::new(FixedClock::new(1_700_000_000));
    /// let store = MemoryStore::new().with_clock(clock.clone());
    /// let ttl = Duration::from_secs(30);
    /// store.claim("k", ClaimToken::random(), ttl).await.unwrap();
    /// clock.advance(31); // the claim's holder crashed; its claim lapses
    /// assert_eq!(store.claim("k", ClaimToken::random(), ttl).await.unwrap(), ClaimOutcome::Fresh);
    /// # });
    /// ```
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Live keys (in flight or done) currently held.
    pub fn len(&self) -> usize {
        let now = self.now();
        self.shards
            .iter()
            .map(|s| lock(s).table.iter().filter(|e| e.is_live(now)).count())
            .sum()
    }

    /// Whether no live key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Now, in milliseconds on the clock's monotonic timeline.
    fn now(&self) -> u64 {
        millis(self.clock.monotonic())
    }

    /// The key's fingerprint and its locked shard. The shard is chosen by
    /// bits the table itself does not use to place entries (it takes the low
    /// bits for the bucket and the top seven as a tag).
    fn shard(&self, key: &str) -> (Fingerprint, MutexGuard<'_, Shard>) {
        let fp = self.fingerprint(key);
        (fp, lock(&self.shards[fp.shard()]))
    }

    fn fingerprint(&self, key: &str) -> Fingerprint {
        let h = self.hasher.hash(key.as_bytes());
        Fingerprint {
            hash: h.h1,
            check: h.h2,
        }
    }
}

/// A duration in whole milliseconds, rounded up (saturating).
fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_nanos().div_ceil(1_000_000)).unwrap_or(u64::MAX)
}

/// When an entry written `now` with `ttl` expires: never before `ttl` has
/// passed (the clock's millisecond may already be under way).
fn expiry(now: u64, ttl: Duration) -> u64 {
    now.saturating_add(millis(ttl)).saturating_add(1)
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

/// Shows the capacity only: never the hash key (with it a sender could aim
/// for colliding keys) nor the entries (a full store holds 100 000).
impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("capacity", &(self.shard_capacity * SHARDS))
            .finish_non_exhaustive()
    }
}

/// A poisoned shard only means a panic happened while it was held; the table's
/// invariants hold between statements, so keep using it.
fn lock(m: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A key's 128-bit fingerprint: `hash` places the entry in the table, both
/// halves identify the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fingerprint {
    hash: u64,
    check: u64,
}

impl Fingerprint {
    /// The shard of the key: bits the table does not use to place entries.
    fn shard(self) -> usize {
        (self.hash >> 32) as usize % SHARDS
    }
}

fn same_key(fp: Fingerprint) -> impl Fn(&Entry) -> bool {
    move |e| e.fp == fp
}

/// The store's operations, answered at once; the receiver calls these directly.
impl MemoryStore {
    pub(crate) fn claim_now(
        &self,
        key: &str,
        token: ClaimToken,
        in_flight_ttl: Duration,
    ) -> Result<ClaimOutcome, StoreError> {
        let now = self.now();
        let (fp, mut shard) = self.shard(key);
        if let Some(e) = shard.table.find_mut(fp.hash, same_key(fp)) {
            if e.is_live(now) {
                return Ok(if e.is_done() {
                    ClaimOutcome::Done
                } else {
                    ClaimOutcome::InFlight
                });
            }
            // Expired: take it over in place (it stays queued where it was).
            e.owner = owner(token);
            e.expires = expiry(now, in_flight_ttl);
            return Ok(ClaimOutcome::Fresh);
        }
        if !shard.make_room(self.shard_capacity, now) {
            return Err(StoreError::Full);
        }
        shard.insert(fp, owner(token), expiry(now, in_flight_ttl));
        Ok(ClaimOutcome::Fresh)
    }

    pub(crate) fn complete_now(
        &self,
        key: &str,
        token: ClaimToken,
        done_ttl: Duration,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        let (fp, mut shard) = self.shard(key);
        match shard.table.find_mut(fp.hash, same_key(fp)) {
            Some(e) if e.is_live(now) && e.owner == owner(token) => {
                e.owner = PROCESSED;
                e.expires = expiry(now, done_ttl);
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
        let now = self.now();
        let (fp, mut shard) = self.shard(key);
        match shard.table.find_mut(fp.hash, same_key(fp)) {
            Some(e) if e.is_live(now) && e.owner == owner(token) => {
                e.expires = expiry(now, in_flight_ttl);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    pub(crate) fn release_now(&self, key: &str, token: ClaimToken) -> Result<bool, StoreError> {
        let now = self.now();
        let (fp, mut shard) = self.shard(key);
        let Ok(entry) = shard.table.find_entry(fp.hash, same_key(fp)) else {
            return Ok(false);
        };
        // An expired entry goes either way; only a live claim of ours counts.
        let e = entry.get();
        let expired = !e.is_live(now);
        let ours = !expired && e.owner == owner(token);
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

    /// It is the built-in store: a receiver calls it directly.
    fn into_memory_store(self: Arc<Self>) -> Option<Arc<MemoryStore>> {
        Some(self)
    }
}

mod eviction;

#[cfg(test)]
mod tests;
