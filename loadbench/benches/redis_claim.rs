//! Claim + done per second through `RedisStore`, beside a bare `SET NX` loop
//! as the floor, both with 64 requests in flight on one connection against
//! the Redis at `REDIS_URL` (default `redis://127.0.0.1:6379/`).
//!
//! `cargo bench -p hookgate-loadbench --bench redis_claim`
//!
//! Each workload runs three rounds, alternating, each bounded by 200 000
//! operations or 10 s. Keys are unique per run and expire within a minute, so
//! the shared server is left as it was.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hookgate::redis::{connect, ConnectionManager, RedisStore};
use hookgate::store::{ClaimOutcome, ClaimToken, IdempotencyStore};

const IN_FLIGHT: usize = 64;
const MAX_OPS: u64 = 200_000;
const MAX_TIME: Duration = Duration::from_secs(10);
const ROUNDS: usize = 3;
const WARM_UP_OPS: u64 = 5_000;
const IN_FLIGHT_TTL: Duration = Duration::from_secs(30);
/// Short, so the keys this run leaves expire soon; Redis does the same work
/// whatever the TTL.
const DONE_TTL: Duration = Duration::from_secs(60);

#[derive(Clone, Copy)]
enum Workload {
    /// `SET key 1 NX PX 30000`: one round trip, the least any dedupe can do.
    SetNx,
    /// `RedisStore::claim` (`SET … NX PX … GET`) then `complete` (owner-checked
    /// script): what one processed delivery costs.
    ClaimDone,
    /// `RedisStore::claim` alone.
    Claim,
}

impl Workload {
    fn name(self) -> &'static str {
        match self {
            Self::SetNx => "bare SET NX PX (floor)",
            Self::ClaimDone => "RedisStore claim + done",
            Self::Claim => "RedisStore claim only",
        }
    }
}

struct Round {
    ops: u64,
    elapsed: Duration,
    p50_us: u64,
    p99_us: u64,
}

impl Round {
    fn per_sec(&self) -> f64 {
        self.ops as f64 / self.elapsed.as_secs_f64()
    }
}

async fn one(
    workload: Workload,
    conn: &mut ConnectionManager,
    store: &RedisStore<ConnectionManager>,
    key: &str,
) -> Result<(), String> {
    match workload {
        Workload::SetNx => {
            let set: Option<String> = redis::cmd("SET")
                .arg(key)
                .arg(1)
                .arg("NX")
                .arg("PX")
                .arg(IN_FLIGHT_TTL.as_millis() as u64)
                .query_async(conn)
                .await
                .map_err(|e| e.to_string())?;
            (set.as_deref() == Some("OK"))
                .then_some(())
                .ok_or_else(|| format!("SET NX did not set {key}"))
        }
        Workload::ClaimDone | Workload::Claim => {
            let token = ClaimToken::random();
            let outcome = store
                .claim(key, token, IN_FLIGHT_TTL)
                .await
                .map_err(|e| e.to_string())?;
            if outcome != ClaimOutcome::Fresh {
                return Err(format!("claim of {key} was {outcome:?}"));
            }
            if matches!(workload, Workload::ClaimDone)
                && !store
                    .complete(key, token, DONE_TTL)
                    .await
                    .map_err(|e| e.to_string())?
            {
                return Err(format!("complete of {key} failed"));
            }
            Ok(())
        }
    }
}

async fn run(
    workload: Workload,
    conn: &ConnectionManager,
    prefix: &str,
    max_ops: u64,
) -> Result<Round, String> {
    let store = RedisStore::new(conn.clone());
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = Vec::with_capacity(IN_FLIGHT);
    for w in 0..IN_FLIGHT {
        let mut conn = conn.clone();
        let store = store.clone();
        let next = next.clone();
        let prefix = format!("{prefix}{w}:");
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= max_ops || started.elapsed() >= MAX_TIME {
                    return Ok::<_, String>(latencies);
                }
                let key = format!("{prefix}{i}");
                let t = Instant::now();
                one(workload, &mut conn, &store, &key).await?;
                latencies.push(u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX));
            }
        }));
    }
    let mut latencies = Vec::new();
    for w in workers {
        latencies.extend(w.await.map_err(|e| e.to_string())??);
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let pct = |p: usize| {
        latencies
            .get(latencies.len() * p / 100)
            .copied()
            .unwrap_or(0)
    };
    Ok(Round {
        ops: latencies.len() as u64,
        elapsed,
        p50_us: pct(50),
        p99_us: pct(99),
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

async fn bench() -> Result<(), String> {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".to_owned());
    let conn = match connect(&url).await {
        Ok(c) => c,
        Err(e) => return Err(format!("cannot reach Redis at {url}: {e} ({e:?})")),
    };
    let run_id = format!("hgbench:{:016x}:", rand::random::<u64>());
    println!(
        "redis_claim: {IN_FLIGHT} in flight on one connection to {url}; \
         rounds of at most {MAX_OPS} ops or {MAX_TIME:?}"
    );
    let workloads = [Workload::SetNx, Workload::ClaimDone, Workload::Claim];
    for (i, w) in workloads.iter().enumerate() {
        run(*w, &conn, &format!("{run_id}warm{i}:"), WARM_UP_OPS).await?;
    }
    let mut results: Vec<Vec<f64>> = vec![Vec::new(); workloads.len()];
    for round in 0..ROUNDS {
        for (i, w) in workloads.iter().enumerate() {
            let r = run(*w, &conn, &format!("{run_id}r{round}w{i}:"), MAX_OPS).await?;
            println!(
                "round {round}: {:<26} {:>8.0} ops/s  ({} ops in {:.2?}, p50 {} µs, p99 {} µs)",
                w.name(),
                r.per_sec(),
                r.ops,
                r.elapsed,
                r.p50_us,
                r.p99_us
            );
            results[i].push(r.per_sec());
        }
    }
    let medians: Vec<f64> = results.into_iter().map(median).collect();
    println!();
    println!("| workload ({IN_FLIGHT} in flight, one connection) | median ops/s | vs floor |");
    println!("| --- | ---: | ---: |");
    for (w, m) in workloads.iter().zip(&medians) {
        println!("| {} | {:.0} | {:.2} |", w.name(), m, m / medians[0]);
    }
    Ok(())
}

fn main() {
    // `cargo test --benches` runs bench targets with `--bench` absent: do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        println!("redis_claim: run with `cargo bench` to measure");
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Err(e) = runtime.block_on(bench()) {
        eprintln!("redis_claim: {e}");
        std::process::exit(1);
    }
}
