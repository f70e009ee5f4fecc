#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn
//! What a large body costs to verify, and what moving that work off the async
//! worker costs: the figures behind `OFFLOAD_THRESHOLD` and
//! `MAX_V1A_ATTEMPTS_PER_KEY` (docs/benchmarks.md, "Large bodies").

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hookgate::Secret;

use hookgate::signing::{KeyRing, SigningKey, VerifyingKey};

const WHSK: &str =
    "whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==";
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn large_bodies(c: &mut Criterion) {
    let hmac = KeyRing::parse(SECRET).unwrap();
    let key = SigningKey::parse(WHSK).unwrap();
    let mut ed = KeyRing::new();
    ed.push(VerifyingKey::Ed25519(key.public_key()));
    let secret = Secret::parse(SECRET).unwrap();
    let mut group = c.benchmark_group("large_bodies");
    group.sample_size(10);
    for size in [64 << 10, 256 << 10, 1 << 20, 16 << 20] {
        let body = vec![b'x'; size];
        group.throughput(Throughput::Bytes(size as u64));
        let sig = secret.sign("msg_1", 1000, &body);
        group.bench_with_input(BenchmarkId::new("v1_hmac", size), &body, |b, body| {
            b.iter(|| hmac.verify_signature("msg_1", "1000", black_box(body), sig.as_bytes()))
        });
        // The worst case an attacker can send per ed25519 key: every allowed
        // attempt made, none matching (signatures over another message).
        let wrong = key.sign("msg_1", 1000, b"other");
        let header = format!("{wrong} {wrong} {wrong}");
        group.bench_with_input(BenchmarkId::new("v1a_refused", size), &body, |b, body| {
            b.iter(|| ed.verify_signature("msg_1", "1000", black_box(body), header.as_bytes()))
        });
    }
    group.finish();

    // The hand-off, as a request pays it: a fresh task on a worker that holds
    // the runtime's core moves it to another thread and takes it back (a task
    // that already gave its core away would measure nothing). Against the same
    // task without the hand-off.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let mut group = c.benchmark_group("hand_off");
    for offload in [false, true] {
        let name = if offload {
            "spawn_block_in_place"
        } else {
            "spawn_inline"
        };
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async move {
                    let start = std::time::Instant::now();
                    for _ in 0..iters {
                        tokio::spawn(async move {
                            if offload {
                                tokio::task::block_in_place(|| black_box(()));
                            } else {
                                black_box(());
                            }
                        })
                        .await
                        .unwrap();
                    }
                    start.elapsed()
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, large_bodies);
criterion_main!(benches);
