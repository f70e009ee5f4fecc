//! The summary after `send` and `replay`: answers by status and code,
//! attempts, latency p50/p99; per-attempt lines for small runs.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;

use crate::deliver::{Attempt, Outcome};

/// Runs with at most this many sends print one line per attempt.
const ATTEMPT_LINES_UP_TO: usize = 10;

/// What a run amounted to.
#[derive(Debug)]
pub struct Summary {
    /// `(status, code)` → how many attempts got it.
    pub answers: BTreeMap<(String, String), u64>,
    /// Deliveries made.
    pub deliveries: usize,
    /// Requests sent (attempts of every send).
    pub requests: usize,
    /// Sends whose last attempt was not a 2xx.
    pub failed_sends: usize,
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
}

impl Summary {
    /// Sums `outcomes` up.
    pub fn of(outcomes: &[Outcome]) -> Self {
        let attempts: Vec<&Attempt> = outcomes
            .iter()
            .flat_map(|o| o.sends.iter().flatten())
            .collect();
        let mut answers = BTreeMap::new();
        for a in &attempts {
            let status = a.status.map_or_else(|| "-".to_owned(), |s| s.to_string());
            *answers.entry((status, a.code.clone())).or_insert(0) += 1;
        }
        let mut latencies: Vec<Duration> = attempts.iter().map(|a| a.latency).collect();
        latencies.sort_unstable();
        Self {
            answers,
            deliveries: outcomes.len(),
            requests: attempts.len(),
            failed_sends: outcomes
                .iter()
                .flat_map(|o| &o.sends)
                .filter(|s| !s.last().is_some_and(Attempt::ok))
                .count(),
            p50: percentile(&latencies, 50),
            p99: percentile(&latencies, 99),
        }
    }

    /// Whether every send ended with a 2xx.
    pub fn ok(&self) -> bool {
        self.failed_sends == 0
    }
}

/// The nearest-rank percentile of sorted `values` (zero when empty).
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 100_000.0).round() / 100.0
}

/// Prints the run: attempt lines (small runs), then the table.
pub fn print_text(outcomes: &[Outcome], summary: &Summary) {
    let sends: usize = outcomes.iter().map(|o| o.sends.len()).sum();
    if sends <= ATTEMPT_LINES_UP_TO {
        for outcome in outcomes {
            for (copy, attempts) in outcome.sends.iter().enumerate() {
                let send = if copy == 0 {
                    String::new()
                } else {
                    format!(" (duplicate {copy})")
                };
                for (n, a) in attempts.iter().enumerate() {
                    let status = a.status.map_or_else(|| "-".to_owned(), |s| s.to_string());
                    println!(
                        "{}{send}  attempt {}  {status} {}  {:.2} ms",
                        outcome.label,
                        n + 1,
                        a.code,
                        ms(a.latency)
                    );
                }
            }
        }
        println!();
    }
    println!("{:<8}{:<28}{:>8}", "status", "code", "count");
    for ((status, code), count) in &summary.answers {
        println!("{status:<8}{code:<28}{count:>8}");
    }
    println!(
        "deliveries {}, requests {}, failed {}",
        summary.deliveries, summary.requests, summary.failed_sends
    );
    println!(
        "latency p50 {:.2} ms, p99 {:.2} ms",
        ms(summary.p50),
        ms(summary.p99)
    );
}

/// Prints the run as one JSON object.
pub fn print_json(outcomes: &[Outcome], summary: &Summary) {
    let answers: Vec<_> = summary
        .answers
        .iter()
        .map(|((status, code), count)| json!({"status": status, "code": code, "count": count}))
        .collect();
    let deliveries: Vec<_> = outcomes
        .iter()
        .map(|o| {
            let sends: Vec<_> = o
                .sends
                .iter()
                .map(|attempts| {
                    attempts
                        .iter()
                        .map(|a| json!({"status": a.status, "code": a.code, "latency_ms": ms(a.latency)}))
                        .collect::<Vec<_>>()
                })
                .collect();
            json!({"label": o.label, "ok": o.ok(), "sends": sends})
        })
        .collect();
    println!(
        "{}",
        json!({
            "ok": summary.ok(),
            "deliveries": deliveries,
            "answers": answers,
            "requests": summary.requests,
            "failed": summary.failed_sends,
            "latency_ms": {"p50": ms(summary.p50), "p99": ms(summary.p99)},
        })
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&v, 50), Duration::from_millis(50));
        assert_eq!(percentile(&v, 99), Duration::from_millis(99));
        assert_eq!(percentile(&v[..1], 99), Duration::from_millis(1));
        assert_eq!(percentile(&[], 50), Duration::ZERO);
    }
}
