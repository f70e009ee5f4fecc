//! Unit tests of `memory_store`.

use super::*;
use crate::clock::FixedClock;

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

/// A store on a manual clock, and the clock.
fn clocked() -> (MemoryStore, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(1_700_000_000));
    (MemoryStore::new().with_clock(clock.clone()), clock)
}

#[tokio::test]
async fn in_flight_expires_by_itself() {
    let (s, clock) = clocked();
    let me = ClaimToken::random();
    s.claim("k", me, Duration::from_millis(30)).await.unwrap();
    clock.advance_by(Duration::from_millis(30));
    // Never early: the claim lives its whole TTL.
    assert!(s.renew("k", me, Duration::from_millis(30)).await.unwrap());
    clock.advance_by(Duration::from_millis(32));
    assert!(!s.complete("k", me, DONE).await.unwrap());
    assert_eq!(
        s.claim("k", ClaimToken::random(), TTL).await.unwrap(),
        ClaimOutcome::Fresh
    );
}

#[tokio::test]
async fn a_done_marker_lives_its_ttl_then_the_key_is_fresh() {
    let (s, clock) = clocked();
    let me = ClaimToken::random();
    s.claim("k", me, TTL).await.unwrap();
    assert!(s.complete("k", me, DONE).await.unwrap());
    clock.advance_by(DONE);
    assert_eq!(
        s.claim("k", ClaimToken::random(), TTL).await.unwrap(),
        ClaimOutcome::Done
    );
    clock.advance_by(Duration::from_millis(2));
    assert_eq!(s.len(), 0);
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
    // Two keys of room per shard. "live" is the oldest claim of its shard
    // and stays in flight: eviction must go past it (not answer `Full`
    // while done markers could go), skip the stale fingerprints that
    // releases leave behind, and never evict the live claim itself.
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
        // Every entry is still queued.
        for e in shard.table.iter() {
            assert!(shard.order.contains(&e.fp));
        }
    }
}

#[test]
fn an_entry_is_32_bytes_and_holds_no_key() {
    assert_eq!(std::mem::size_of::<Entry>(), 32);
}

#[test]
fn an_owner_is_never_the_done_marker() {
    assert_ne!(owner(ClaimToken::from_u128(0)), PROCESSED);
    assert_ne!(owner(ClaimToken::from_u128(u128::MAX)), PROCESSED);
    assert_ne!(owner(ClaimToken::from_u128((7 << 64) | 7)), PROCESSED);
    let (a, b) = (ClaimToken::random(), ClaimToken::random());
    assert_ne!(owner(a), owner(b));
}

#[test]
fn expiry_is_never_early() {
    // Rounded up to the millisecond, plus the millisecond under way.
    assert_eq!(millis(Duration::from_nanos(1)), 1);
    assert_eq!(millis(Duration::from_millis(1)), 1);
    assert_eq!(millis(Duration::from_micros(1001)), 2);
    assert_eq!(expiry(5, Duration::ZERO), 6);
    assert_eq!(expiry(5, Duration::from_millis(30)), 36);
    assert_eq!(expiry(u64::MAX - 1, Duration::MAX), u64::MAX);
}

#[tokio::test]
async fn eviction_goes_by_claim_order() {
    // Eight keys of room per shard and 400 processed keys: in every shard,
    // each key still held was claimed after each key evicted.
    let s = MemoryStore::with_capacity(SHARDS * 8);
    let keys: Vec<String> = (0..400).map(|i| format!("k{i}")).collect();
    for k in &keys {
        let t = ClaimToken::random();
        assert_eq!(s.claim(k, t, TTL).await.unwrap(), ClaimOutcome::Fresh);
        assert!(s.complete(k, t, DONE).await.unwrap());
    }
    let mut newest_evicted = [None::<usize>; SHARDS];
    let mut oldest_kept = [None::<usize>; SHARDS];
    for (i, k) in keys.iter().enumerate() {
        let fp = s.fingerprint(k);
        let held = lock(&s.shards[fp.shard()])
            .table
            .find(fp.hash, same_key(fp))
            .is_some();
        if held {
            oldest_kept[fp.shard()].get_or_insert(i);
        } else {
            newest_evicted[fp.shard()] = Some(i);
        }
    }
    for shard in 0..SHARDS {
        let (Some(evicted), Some(kept)) = (newest_evicted[shard], oldest_kept[shard]) else {
            panic!("shard {shard} should both hold and have evicted keys");
        };
        assert!(
            evicted < kept,
            "shard {shard}: evicted k{evicted}, kept k{kept}"
        );
    }
    assert_eq!(s.len(), SHARDS * 8);
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
fn debug_shows_neither_the_hash_key_nor_the_entries() {
    let s = MemoryStore::with_capacity(SHARDS * 2);
    s.claim_now("k", ClaimToken::random(), TTL).unwrap();
    let shown = format!("{s:?}");
    assert_eq!(shown, "MemoryStore { capacity: 32, .. }");
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
    let (s, clock) = clocked();
    let first = ClaimToken::random();
    let second = ClaimToken::random();
    s.claim("k", first, Duration::from_millis(20))
        .await
        .unwrap();
    clock.advance_by(Duration::from_millis(22));
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
