//! What one delivery's metric updates cost in CPU time with the Prometheus
//! recorder installed, on one thread and on several at once: the part of
//! the recorder's cost `count.sh` cannot show, since valgrind runs one
//! thread at a time and threads writing the same cache lines slow each
//! other down.
//!
//! ```sh
//! cargo run --release -p hookgate-loadbench --bin recorder-cost -- [iterations=1000000] [rounds=9]
//! ```
//!
//! Each iteration makes the updates hookgate makes for one processed signed
//! delivery once `observe::register()` has registered its handles: a
//! verification-time sample, the in-flight gauge up, a handler-time sample,
//! the gauge down, the deliveries counter. The recorder is the one
//! `bench-server` installs ([`install_prometheus`]), drained after each
//! round (the example receivers drain it every 5 s), that upkeep's CPU time
//! shared out per delivery. CPU time comes from each thread's
//! `/proc/thread-self/schedstat` (ns on a CPU): other processes' load does
//! not count, cache misses do. The kernel brings that figure up to date at
//! its scheduler ticks (a few ms), so keep rounds long (≥ 1 000 000).
//! Two threads contend only while both have a core: on a machine busy with
//! other work they often take turns, and the two-thread figure falls back
//! to the one-thread one. Rounds alternate one thread and two; the
//! medians are printed. Back to back, the threads' updates collide more
//! often than a server's, whose updates are a few µs of other work apart:
//! the two-thread figure is a worst case.
//!
//! [`install_prometheus`]: hookgate_loadbench::install_prometheus

use std::hint::black_box;

use hookgate::observe::{DELIVERIES_TOTAL, HANDLER_DURATION, IN_FLIGHT, VERIFY_DURATION};
use metrics_exporter_prometheus::PrometheusHandle;

/// This thread's time on a CPU so far, in ns.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .expect("/proc/thread-self/schedstat (Linux)")
}

/// The handles hookgate registers for a processed signed delivery.
#[derive(Clone)]
struct Delivery {
    verify: metrics::Histogram,
    handler: metrics::Histogram,
    in_flight: metrics::Gauge,
    processed: metrics::Counter,
}

impl Delivery {
    fn new() -> Self {
        Self {
            verify: metrics::histogram!(VERIFY_DURATION, "mode" => "signed"),
            handler: metrics::histogram!(HANDLER_DURATION),
            in_flight: metrics::gauge!(IN_FLIGHT),
            processed: metrics::counter!(DELIVERIES_TOTAL, "outcome" => "processed", "mode" => "signed"),
        }
    }

    /// One delivery's updates, `n` times; CPU ns per delivery.
    fn run(&self, n: u64) -> f64 {
        let start = cpu_ns();
        for i in 0..n {
            let t = black_box(i as f64 * 1e-9);
            self.verify.record(t);
            self.in_flight.increment(1.0);
            self.handler.record(t);
            self.in_flight.decrement(1.0);
            self.processed.increment(1);
        }
        (cpu_ns() - start) as f64 / n as f64
    }
}

/// CPU ns per delivery on each of `threads` threads running at once,
/// averaged over them, and the upkeep's after them, per delivery.
fn round(delivery: &Delivery, handle: &PrometheusHandle, threads: usize, n: u64) -> (f64, f64) {
    let per_thread: Vec<f64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads).map(|_| s.spawn(|| delivery.run(n))).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a round"))
            .collect()
    });
    let start = cpu_ns();
    handle.run_upkeep();
    let upkeep = (cpu_ns() - start) as f64 / (n * threads as u64) as f64;
    (per_thread.iter().sum::<f64>() / threads as f64, upkeep)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[(v.len() - 1) / 2]
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(1_000_000);
    let rounds = args.get(1).copied().unwrap_or(9).max(1);
    let handle = hookgate_loadbench::install_prometheus();
    let delivery = Delivery::new();
    let mut seen: [Vec<f64>; 4] = Default::default();
    for r in 1..=rounds {
        let (one, upkeep_one) = round(&delivery, &handle, 1, n);
        let (two, upkeep_two) = round(&delivery, &handle, 2, n);
        println!(
            "round {r}: CPU ns per delivery: 1 thread {one:.0} + upkeep {upkeep_one:.0}; \
             2 threads {two:.0} + upkeep {upkeep_two:.0}"
        );
        for (v, x) in seen.iter_mut().zip([one, upkeep_one, two, upkeep_two]) {
            v.push(x);
        }
    }
    let [one, upkeep_one, two, upkeep_two] = seen.map(median);
    println!(
        "median of {rounds} rounds of {n}: CPU ns per delivery: 1 thread {one:.0} + upkeep \
         {upkeep_one:.0}; 2 threads {two:.0} + upkeep {upkeep_two:.0}"
    );
}
