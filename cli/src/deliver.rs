//! Making deliveries: each attempt posted with a time-out, retried on a non-2xx
//! answer or time-out after the schedule's delays, repeated for duplicates, so
//! many at once.

use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt as _};
use indicatif::ProgressBar;

use crate::capture::Captured;
use crate::outgoing::Outgoing;

/// How one attempt ended.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The HTTP status, or `None` when no answer came.
    pub status: Option<u16>,
    /// The answer's `code` (`received`, `queued`, `duplicate` for 2xx; the refusal's
    /// `code`; `timeout` / `connect` / `error` without an answer).
    pub code: String,
    /// How long it took.
    pub latency: Duration,
}

impl Attempt {
    /// Whether the receiver accepted it (2xx).
    pub fn ok(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// One delivery's sends: the original and each duplicate, each with its attempts.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The delivery's label.
    pub label: String,
    /// Per send (original, then duplicates), the attempts made.
    pub sends: Vec<Vec<Attempt>>,
    /// What the first attempt sent, for `--save`.
    pub captured: Option<Captured>,
}

impl Outcome {
    /// Whether every send ended with a 2xx.
    pub fn ok(&self) -> bool {
        self.sends
            .iter()
            .all(|attempts| attempts.last().is_some_and(Attempt::ok))
    }
}

/// How to send.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Sends per delivery (1 + duplicates).
    pub copies: u64,
    /// Deliveries in flight at once.
    pub concurrency: usize,
    /// Delays before each retry.
    pub retry_delays: Vec<Duration>,
}

/// Makes every delivery; results in the order given.
pub async fn run(
    client: &reqwest::Client,
    deliveries: Vec<Outgoing>,
    plan: &Plan,
    progress: &ProgressBar,
) -> Vec<Outcome> {
    let mut outcomes: Vec<(usize, Outcome)> = stream::iter(deliveries.into_iter().enumerate())
        .map(|(n, outgoing)| async move { (n, deliver(client, outgoing, plan, progress).await) })
        .buffer_unordered(plan.concurrency.max(1))
        .collect()
        .await;
    outcomes.sort_by_key(|(n, _)| *n);
    outcomes.into_iter().map(|(_, o)| o).collect()
}

async fn deliver(
    client: &reqwest::Client,
    outgoing: Outgoing,
    plan: &Plan,
    progress: &ProgressBar,
) -> Outcome {
    let mut outcome = Outcome {
        label: outgoing.label.clone(),
        sends: Vec::new(),
        captured: None,
    };
    for _ in 0..plan.copies {
        let mut attempts = Vec::new();
        let mut delays = plan.retry_delays.iter();
        loop {
            let headers = outgoing.headers_at(crate::input::now());
            if outcome.captured.is_none() {
                outcome.captured = Some(Captured::new(&outgoing.url, &headers, &outgoing.body));
            }
            let attempt = post(client, &outgoing, &headers).await;
            let done = attempt.ok();
            attempts.push(attempt);
            match delays.next() {
                Some(delay) if !done => tokio::time::sleep(*delay).await,
                _ => break,
            }
        }
        progress.inc(1);
        outcome.sends.push(attempts);
    }
    outcome
}

async fn post(
    client: &reqwest::Client,
    outgoing: &Outgoing,
    headers: &[(String, String)],
) -> Attempt {
    let mut request = client.post(&outgoing.url).body(outgoing.body.clone());
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let started = Instant::now();
    let response = request.send().await;
    let (status, code) = match response {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = response.bytes().await.unwrap_or_default();
            (Some(status), answer_code(status, &body))
        }
        Err(e) if e.is_timeout() => (None, "timeout".to_owned()),
        Err(e) if e.is_connect() => (None, "connect".to_owned()),
        Err(_) => (None, "error".to_owned()),
    };
    Attempt {
        status,
        code,
        latency: started.elapsed(),
    }
}

/// The `code` a hookgate receiver put in its answer: `duplicate`, `queued`
/// (queue mode's `202`) or `received` for a 2xx, the refusal's `code`
/// otherwise (`-` when none).
fn answer_code(status: u16, body: &[u8]) -> String {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    if (200..300).contains(&status) {
        if json["duplicate"] == true {
            "duplicate".to_owned()
        } else if json["queued"] == true {
            "queued".to_owned()
        } else {
            "received".to_owned()
        }
    } else {
        json["code"].as_str().unwrap_or("-").to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_come_from_the_answer() {
        assert_eq!(answer_code(200, br#"{"received":true}"#), "received");
        assert_eq!(
            answer_code(200, br#"{"received":true,"duplicate":true}"#),
            "duplicate"
        );
        assert_eq!(
            answer_code(202, br#"{"received":true,"queued":true}"#),
            "queued"
        );
        assert_eq!(
            answer_code(401, br#"{"error":"x","code":"invalid_signature"}"#),
            "invalid_signature"
        );
        assert_eq!(answer_code(500, b"oops"), "-");
    }
}
