#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn
//! The in-memory store's claim + mark-done pair, per delivery, with fresh keys:
//! on a small store (everything in cache) and on the default 100 000-key store
//! kept full (every claim evicts the oldest done marker), as under sustained load;
//! and a new default store filled with its first 100 000 deliveries, as a
//! freshly started receiver is.
//!
//! `cargo bench -p hookgate-loadbench --bench memory_store`

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use hookgate::store::{ClaimOutcome, ClaimToken, IdempotencyStore, MemoryStore};

const IN_FLIGHT: Duration = Duration::from_secs(30);
const DONE: Duration = Duration::from_secs(3600);

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("memory_store_claim_done");
    for capacity in [1_000usize, MemoryStore::DEFAULT_CAPACITY] {
        let store = MemoryStore::with_capacity(capacity);
        let mut n = 0u64;
        let mut key = || {
            n += 1;
            format!("hookgate:msg:msg_2b8f0c1d_{n}")
        };
        // Fill it, so every measured claim evicts.
        rt.block_on(async {
            for _ in 0..capacity * 2 {
                let (k, t) = (key(), ClaimToken::random());
                store.claim(&k, t, IN_FLIGHT).await.expect("claim");
                store.complete(&k, t, DONE).await.expect("done");
            }
        });
        group.bench_with_input(BenchmarkId::from_parameter(capacity), &capacity, |b, _| {
            b.iter_batched(
                &mut key,
                |k| {
                    rt.block_on(async {
                        let t = ClaimToken::random();
                        let fresh = store.claim(&k, t, IN_FLIGHT).await.expect("claim");
                        assert_eq!(fresh, ClaimOutcome::Fresh);
                        assert!(store.complete(&k, t, DONE).await.expect("done"));
                    })
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();

    let mut group = c.benchmark_group("memory_store_fill");
    group.sample_size(10);
    let keys: Vec<String> = (0..MemoryStore::DEFAULT_CAPACITY)
        .map(|n| format!("hookgate:msg:msg_2b8f0c1d_{n}"))
        .collect();
    group.bench_function(BenchmarkId::from_parameter(keys.len()), |b| {
        b.iter(|| {
            rt.block_on(async {
                let store = MemoryStore::new();
                for k in &keys {
                    let t = ClaimToken::random();
                    store.claim(k, t, IN_FLIGHT).await.expect("claim");
                    store.complete(k, t, DONE).await.expect("done");
                }
                store
            })
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
