//! Helpers and scenarios for the queue-mode tests (included by each `queue*.rs`
//! test as `mod queue_support`): signed deliveries with test knobs in their
//! metadata, a recording handler, and scenarios every backend must pass — the
//! in-memory one and Redis run the same ones.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hookgate::adapter::{Admission, HeaderList, Inbound};
use hookgate::queue::{Backoff, QueueConfig, Queued, Workers};
use hookgate::{Answer, DirectPolicy, JobEvent, Receiver, Secret};

/// The secret every test receiver and sender uses.
pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// A signed delivery of message `id` whose metadata is `metadata` (a JSON
/// object's text).
pub fn signed(id: &str, metadata: &str) -> (HeaderList, Vec<u8>) {
    let body = format!(r#"{{"status":"Completed","job_id":"job_{id}","metadata":{metadata}}}"#)
        .into_bytes();
    signed_body(id, body)
}

/// A signed delivery of message `id` with this exact body.
pub fn signed_body(id: &str, body: Vec<u8>) -> (HeaderList, Vec<u8>) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let sig = Secret::parse(SECRET).expect("secret").sign(id, now, &body);
    let headers = HeaderList::new()
        .with("svix-id", id)
        .with("svix-timestamp", now.to_string())
        .with("svix-signature", sig);
    (headers, body)
}

/// Admits a delivery and returns the answer (queue mode always answers).
pub async fn send(receiver: &Receiver, id: &str, metadata: &str) -> Answer {
    let (headers, body) = signed(id, metadata);
    send_raw(receiver, &headers, body).await
}

/// Admits a prepared delivery and returns the answer.
pub async fn send_raw(receiver: &Receiver, headers: &HeaderList, body: Vec<u8>) -> Answer {
    match receiver
        .admit(Inbound {
            headers,
            body: body.into(),
            peer: None,
        })
        .await
    {
        Admission::Respond(outcome) => outcome.to_answer(),
        Admission::Proceed(delivery, _) => {
            panic!("queue mode must never hand the request a delivery: {delivery:?}")
        }
    }
}

/// The answer's JSON body.
pub fn json(answer: &Answer) -> serde_json::Value {
    serde_json::from_slice(answer.body()).expect("answers are JSON")
}

/// Requires `202 {"received":true,"queued":true}`.
pub fn assert_queued(answer: &Answer, what: &str) {
    assert_eq!(answer.status(), 202, "{what}: {answer:?}");
    assert_eq!(
        json(answer),
        serde_json::json!({"received": true, "queued": true}),
        "{what}"
    );
}

/// Requires `200 {"received":true,"duplicate":true}`.
pub fn assert_duplicate(answer: &Answer, what: &str) {
    assert_eq!(answer.status(), 200, "{what}: {answer:?}");
    assert_eq!(json(answer)["duplicate"], true, "{what}");
}

/// One attempt the recording handler saw.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The message id.
    pub id: String,
    /// Which attempt it was.
    pub attempt: u32,
    /// When the handler recorded it.
    pub at: Instant,
    /// Whether it succeeded.
    pub succeeded: bool,
}

/// One attempt of the test handler.
pub type AttemptFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send>>;

/// What the recording handler saw, shared with the test.
#[derive(Default)]
pub struct Recorder {
    attempts: Mutex<Vec<Attempt>>,
    healed: std::sync::atomic::AtomicBool,
}

impl Recorder {
    /// From now on every attempt succeeds, whatever the knobs say (the cause
    /// of the failures was fixed).
    pub fn heal(&self) {
        self.healed.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Every attempt so far.
    pub fn attempts(&self) -> Vec<Attempt> {
        self.attempts.lock().unwrap().clone()
    }

    /// Attempts at message `id`.
    pub fn of(&self, id: &str) -> Vec<Attempt> {
        self.attempts().into_iter().filter(|a| a.id == id).collect()
    }

    /// Successful attempts per message id.
    pub fn successes(&self) -> HashMap<String, usize> {
        let mut out = HashMap::new();
        for a in self.attempts().into_iter().filter(|a| a.succeeded) {
            *out.entry(a.id).or_insert(0) += 1;
        }
        out
    }

    /// Waits (at most `limit`) until `pred` holds over the attempts.
    pub async fn wait_for(&self, limit: Duration, what: &str, pred: impl Fn(&[Attempt]) -> bool) {
        let deadline = Instant::now() + limit;
        loop {
            if pred(&self.attempts()) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: not within {limit:?}; attempts so far: {:?}",
                self.attempts()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The test handler: reads `fail_attempts` (its first n attempts fail),
/// `panic_attempts` (its first n attempts panic) and `sleep_ms` (each attempt
/// sleeps first) from the event's metadata, and records each attempt.
pub fn handler(
    recorder: Arc<Recorder>,
) -> impl Fn(Queued<JobEvent>) -> AttemptFuture + Send + Sync + 'static {
    move |job: Queued<JobEvent>| {
        let recorder = recorder.clone();
        Box::pin(async move {
            let knob = |name: &str| {
                job.event
                    .metadata
                    .get(name)
                    .and_then(serde_json::Value::as_u64)
                    .unwrap_or(0)
            };
            let sleep = knob("sleep_ms");
            if sleep > 0 {
                tokio::time::sleep(Duration::from_millis(sleep)).await;
            }
            // Direct-mode deliveries have no message id: `<job id>:<status>`.
            let id = match job.delivery.message_id() {
                Some(id) => id.to_owned(),
                None => format!(
                    "{}:{}",
                    job.delivery.job_id().unwrap_or("?"),
                    job.delivery.status().unwrap_or("?")
                ),
            };
            let healed = recorder.healed.load(std::sync::atomic::Ordering::SeqCst);
            let fails = !healed && u64::from(job.attempt) <= knob("fail_attempts");
            let panics = !healed && u64::from(job.attempt) <= knob("panic_attempts");
            recorder.attempts.lock().unwrap().push(Attempt {
                id,
                attempt: job.attempt,
                at: Instant::now(),
                succeeded: !fails && !panics,
            });
            if panics {
                panic!("the test handler panics on attempt {}", job.attempt);
            }
            if fails {
                return Err(format!("failing attempt {} on purpose", job.attempt));
            }
            Ok(())
        })
    }
}

/// A queue config for tests: fast polling, short retries, no jitter.
pub fn fast(config: QueueConfig) -> QueueConfig {
    config
        .workers(4)
        .max_attempts(3)
        .backoff(Backoff::new(Duration::from_millis(300), Duration::from_secs(2)).jitter(0.0))
        .visibility_timeout(Duration::from_secs(2))
        .poll_interval(Duration::from_millis(20))
}

/// A receiver in queue mode on `config`.
pub fn receiver(config: QueueConfig) -> Receiver {
    Receiver::builder()
        .secret(SECRET)
        .queue(config)
        .build()
        .expect("queue-mode receiver")
}

/// The token direct-mode test deliveries carry in `metadata.webhook_secret`.
pub const TOKEN: &str = "t0ken-for-the-direct-mode-queue-tests";

/// A receiver in queue mode on `config`, taking direct (unsigned) deliveries
/// checked by token and known jobs.
pub fn direct_receiver(config: QueueConfig) -> Receiver {
    Receiver::builder()
        .direct(DirectPolicy::new().token(TOKEN).known_jobs(true))
        .queue(config)
        .build()
        .expect("direct queue-mode receiver")
}

/// Admits a direct delivery of `job` with `status`, carrying the token.
pub async fn send_direct(receiver: &Receiver, job: &str, status: &str) -> Answer {
    let body = serde_json::json!({
        "job_id": job,
        "status": status,
        "metadata": {"webhook_secret": TOKEN, "user": "u1"},
    });
    send_raw(
        receiver,
        &HeaderList::new(),
        serde_json::to_vec(&body).expect("JSON"),
    )
    .await
}

/// Starts the recording handler's workers.
pub fn workers(receiver: &Receiver, recorder: &Arc<Recorder>) -> Workers {
    receiver
        .start_workers(handler(recorder.clone()))
        .expect("workers start")
}

/// Waits (at most `limit`) until the queue's statistics satisfy `pred`.
pub async fn wait_stats(
    receiver: &Receiver,
    limit: Duration,
    what: &str,
    pred: impl Fn(&hookgate::queue::QueueStats) -> bool,
) -> hookgate::queue::QueueStats {
    let deadline = Instant::now() + limit;
    loop {
        let stats = receiver.queue_stats().await.expect("stats");
        if pred(&stats) {
            return stats;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: not within {limit:?}: {stats:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// ---- scenarios every backend passes ----

/// A delivery is answered 202, handled once, and its duplicates (before and
/// after it was handled) answered 200 without running the handler again.
pub async fn scenario_queued_once_then_duplicate(receiver: &Receiver, id: &str) {
    let recorder = Arc::new(Recorder::default());
    assert_queued(&send(receiver, id, "{}").await, "first");
    assert_duplicate(&send(receiver, id, "{}").await, "while queued");
    let w = workers(receiver, &recorder);
    recorder
        .wait_for(Duration::from_secs(5), "handled", |a| {
            a.iter().any(|a| a.succeeded)
        })
        .await;
    assert_duplicate(&send(receiver, id, "{}").await, "after done");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(w.shutdown(Duration::from_secs(5)).await, 0);
    let mine = recorder.of(id);
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0].attempt, 1);
    wait_stats(receiver, Duration::from_secs(2), "drained", |s| {
        s.ready == 0 && s.running == 0 && s.scheduled == 0 && s.dead == 0
    })
    .await;
}

/// Failing twice, a delivery succeeds on attempt 3, each retry after its
/// back-off (300 ms, then 600 ms).
pub async fn scenario_retry_with_backoff(receiver: &Receiver, id: &str) {
    let recorder = Arc::new(Recorder::default());
    let w = workers(receiver, &recorder);
    assert_queued(&send(receiver, id, r#"{"fail_attempts":2}"#).await, "send");
    recorder
        .wait_for(Duration::from_secs(10), "attempt 3 succeeded", |a| {
            a.iter().any(|a| a.succeeded)
        })
        .await;
    w.shutdown(Duration::from_secs(5)).await;
    let mine = recorder.of(id);
    let numbers: Vec<u32> = mine.iter().map(|a| a.attempt).collect();
    assert_eq!(numbers, [1, 2, 3], "{mine:?}");
    assert!(!mine[0].succeeded && !mine[1].succeeded && mine[2].succeeded);
    let first_gap = mine[1].at - mine[0].at;
    let second_gap = mine[2].at - mine[1].at;
    assert!(first_gap >= Duration::from_millis(300), "{first_gap:?}");
    assert!(second_gap >= Duration::from_millis(600), "{second_gap:?}");
    assert_duplicate(&send(receiver, id, "{}").await, "after done");
}

/// Failing (or panicking) every time, a delivery becomes a dead letter after
/// the maximum attempts, with its last error; once the cause is fixed, a
/// requeue runs it again (attempt 4: attempts count over its whole life, the
/// maximum from the requeue), and the dead letters are empty.
pub async fn scenario_dead_letter_then_requeue(receiver: &Receiver, id: &str, panics: bool) {
    let recorder = Arc::new(Recorder::default());
    let w = workers(receiver, &recorder);
    let knob = if panics {
        "panic_attempts"
    } else {
        "fail_attempts"
    };
    // Fails every attempt until the test heals the handler.
    let meta = format!(r#"{{"{knob}":1000}}"#);
    assert_queued(&send(receiver, id, &meta).await, "send");
    let stats = wait_stats(receiver, Duration::from_secs(10), "dead letter", |s| {
        s.dead == 1
    })
    .await;
    assert_eq!(
        stats.running + stats.ready + stats.scheduled,
        0,
        "{stats:?}"
    );
    assert_eq!(recorder.of(id).len(), 3);
    let dead = receiver.dead_letters(10).await.expect("dead letters");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].entry.attempts(), 3);
    assert_eq!(dead[0].entry.delivery().message_id(), Some(id));
    let last = dead[0].entry.last_error().expect("last error").to_owned();
    let expected = if panics {
        "panicked"
    } else {
        "failing attempt 3"
    };
    assert!(last.contains(expected), "{last}");
    // Still marked: the sender's retry is a duplicate, not a second entry.
    assert_duplicate(&send(receiver, id, "{}").await, "while dead");
    recorder.heal();
    assert_eq!(receiver.requeue_all_dead().await.expect("requeue"), 1);
    assert!(!receiver
        .requeue_dead(&dead[0].id)
        .await
        .expect("requeue again"));
    recorder
        .wait_for(Duration::from_secs(10), "processed after requeue", |a| {
            a.iter().any(|a| a.succeeded)
        })
        .await;
    w.shutdown(Duration::from_secs(5)).await;
    let numbers: Vec<u32> = recorder.of(id).iter().map(|a| a.attempt).collect();
    assert_eq!(
        numbers,
        [1, 2, 3, 4],
        "attempts count over the delivery's whole life"
    );
    let stats = receiver.queue_stats().await.expect("stats");
    assert_eq!(stats.dead, 0, "{stats:?}");
}

/// A payload that does not parse as the handler's event is refused with 400
/// before anything is enqueued; a bad signature with 401.
pub async fn scenario_refused_before_enqueue(receiver: &Receiver, id: &str) {
    let (headers, body) = signed_body(id, br#"{"status":"Completed"}"#.to_vec());
    let answer = send_raw(receiver, &headers, body).await;
    assert_eq!(answer.status(), 400, "{answer:?}");
    let (headers, mut body) = signed(id, "{}");
    body.push(b' ');
    let answer = send_raw(receiver, &headers, body).await;
    assert_eq!(answer.status(), 401, "{answer:?}");
    let stats = receiver.queue_stats().await.expect("stats");
    assert_eq!(stats.ready + stats.running, 0, "{stats:?}");
    // Neither refusal marked the id: the proper delivery is queued.
    assert_queued(&send(receiver, id, "{}").await, "the proper delivery");
}

/// Forgetting a processed message id lets the sender's replay (same id) run
/// again; forgetting one still queued does nothing.
pub async fn scenario_forget_replays(receiver: &Receiver, id: &str) {
    let recorder = Arc::new(Recorder::default());
    assert_queued(&send(receiver, id, "{}").await, "send");
    assert!(
        !receiver.forget_message(id).await.expect("forget"),
        "still queued: kept"
    );
    let w = workers(receiver, &recorder);
    recorder
        .wait_for(Duration::from_secs(5), "first run", |a| a.len() == 1)
        .await;
    // Done is written right after the handler returns.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !matches!(send(receiver, id, "{}").await.status().as_u16(), 200) {
        assert!(Instant::now() < deadline, "never answered as a duplicate");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(receiver.forget_message(id).await.expect("forget"));
    assert_queued(&send(receiver, id, "{}").await, "replay");
    recorder
        .wait_for(Duration::from_secs(5), "replayed", |a| a.len() == 2)
        .await;
    w.shutdown(Duration::from_secs(5)).await;
}

/// An attempt past its deadline counts as failed and is retried.
pub async fn scenario_attempt_deadline(receiver: &Receiver, id: &str) {
    let recorder = Arc::new(Recorder::default());
    let w = workers(receiver, &recorder);
    // Every attempt sleeps past the deadline, so none records; the dead
    // letter says why.
    assert_queued(&send(receiver, id, r#"{"sleep_ms":5000}"#).await, "send");
    wait_stats(
        receiver,
        Duration::from_secs(15),
        "dead after deadlines",
        |s| s.dead == 1,
    )
    .await;
    w.shutdown(Duration::from_secs(1)).await;
    assert!(recorder.of(id).is_empty());
    let dead = receiver.dead_letters(10).await.unwrap();
    let last = dead[0].entry.last_error().unwrap();
    assert!(last.contains("deadline"), "{last}");
}

/// Shutdown lets a running handler finish within the grace.
pub async fn scenario_graceful_shutdown(receiver: &Receiver, id: &str) {
    let recorder = Arc::new(Recorder::default());
    let w = workers(receiver, &recorder);
    assert_queued(&send(receiver, id, r#"{"sleep_ms":400}"#).await, "send");
    wait_stats(receiver, Duration::from_secs(5), "taken", |s| {
        s.running == 1
    })
    .await;
    assert_eq!(
        w.shutdown(Duration::from_secs(5)).await,
        0,
        "nothing cancelled"
    );
    assert_eq!(recorder.of(id).len(), 1, "the running handler finished");
    wait_stats(receiver, Duration::from_secs(2), "settled", |s| {
        s.running == 0
    })
    .await;
}

/// Dead letters can be requeued one at a time: the chosen one runs again
/// (and succeeds once the cause is fixed), the other stays dead, and the same
/// id cannot be requeued twice.
pub async fn scenario_requeue_one_dead_letter(receiver: &Receiver, ids: [&str; 2]) {
    let recorder = Arc::new(Recorder::default());
    let w = workers(receiver, &recorder);
    for id in ids {
        assert_queued(
            &send(receiver, id, r#"{"fail_attempts":1000}"#).await,
            "send",
        );
    }
    wait_stats(receiver, Duration::from_secs(10), "two dead letters", |s| {
        s.dead == 2
    })
    .await;
    let dead = receiver.dead_letters(10).await.expect("dead letters");
    let chosen = dead
        .iter()
        .find(|d| d.entry.delivery().message_id() == Some(ids[0]))
        .expect("the first is a dead letter");
    recorder.heal();
    assert!(receiver
        .requeue_dead(&chosen.id)
        .await
        .expect("requeue one"));
    assert!(
        !receiver
            .requeue_dead(&chosen.id)
            .await
            .expect("requeue again"),
        "a requeued dead letter is no longer one"
    );
    recorder
        .wait_for(Duration::from_secs(10), "the requeued one succeeded", |a| {
            a.iter().any(|a| a.id == ids[0] && a.succeeded)
        })
        .await;
    let stats = wait_stats(receiver, Duration::from_secs(5), "settled", |s| {
        s.running == 0 && s.ready == 0
    })
    .await;
    assert_eq!(stats.dead, 1, "the other stays dead: {stats:?}");
    let left = receiver.dead_letters(10).await.expect("dead letters");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].entry.delivery().message_id(), Some(ids[1]));
    w.shutdown(Duration::from_secs(5)).await;
    let numbers: Vec<u32> = recorder.of(ids[0]).iter().map(|a| a.attempt).collect();
    assert_eq!(numbers, [1, 2, 3, 4]);
    assert_eq!(recorder.of(ids[1]).len(), 3, "not run again");
}

/// Shutdown past its grace cancels the running handler and leaves its entry
/// in the queue, held; a new pool takes it over after the visibility timeout
/// and finishes it (the cancelled try counts as an attempt).
pub async fn scenario_shutdown_past_its_grace(receiver: &Receiver, id: &str, visibility: Duration) {
    let recorder = Arc::new(Recorder::default());
    let w = workers(receiver, &recorder);
    // Long enough to be cut by the grace, short enough for the second pool.
    assert_queued(&send(receiver, id, r#"{"sleep_ms":1500}"#).await, "send");
    wait_stats(receiver, Duration::from_secs(5), "taken", |s| {
        s.running == 1
    })
    .await;
    let cut = Instant::now();
    assert_eq!(
        w.shutdown(Duration::from_millis(100)).await,
        1,
        "one cancelled"
    );
    assert!(
        cut.elapsed() < Duration::from_secs(1),
        "{:?}",
        cut.elapsed()
    );
    assert!(recorder.of(id).is_empty(), "cancelled before it recorded");
    let stats = receiver.queue_stats().await.expect("stats");
    assert_eq!(stats.running, 1, "left in the queue, held: {stats:?}");
    let w = workers(receiver, &recorder);
    recorder
        .wait_for(
            visibility + Duration::from_secs(8),
            "reclaimed and finished",
            |a| a.iter().any(|a| a.succeeded),
        )
        .await;
    let took = cut.elapsed();
    w.shutdown(Duration::from_secs(5)).await;
    assert!(
        took >= visibility,
        "taken over before the timeout: {took:?}"
    );
    let mine = recorder.of(id);
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0].attempt, 2, "the cancelled try counts as an attempt");
    wait_stats(receiver, Duration::from_secs(2), "drained", |s| {
        s.running == 0 && s.ready == 0 && s.dead == 0
    })
    .await;
}

/// Direct mode in queue mode: the dedupe key is job id + status, the known-
/// jobs check runs before the enqueue, the handler gets the job id and status
/// (and no token), duplicates are answered 200, and a final status forgets
/// the job once processed, after which a retry is still a duplicate and a new
/// final status for it is an unknown job.
pub async fn scenario_direct_mode(receiver: &Receiver, job: &str) {
    let recorder = Arc::new(Recorder::default());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let answer = send_direct(receiver, job, "Completed").await;
    assert_eq!(answer.status(), 404, "unregistered: {answer:?}");
    assert_eq!(json(&answer)["code"], "unknown_job");
    receiver.register_job(job).await.expect("register");
    assert_queued(
        &send_direct(receiver, job, "Processing").await,
        "processing",
    );
    assert_queued(&send_direct(receiver, job, "Completed").await, "completed");
    assert_duplicate(
        &send_direct(receiver, job, "COMPLETED").await,
        "the same status, queued",
    );
    let record = handler(recorder.clone());
    let seen_by_handler = seen.clone();
    let w = receiver
        .start_workers(move |job: Queued<JobEvent>| {
            seen_by_handler.lock().unwrap().push((
                job.delivery.mode(),
                job.event.metadata.clone(),
                job.delivery.status().map(str::to_owned),
            ));
            record(job)
        })
        .expect("workers start");
    recorder
        .wait_for(Duration::from_secs(10), "both handled", |a| a.len() == 2)
        .await;
    // The job is forgotten right after the final status is marked done.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let answer = send_direct(receiver, job, "Failed").await;
        if answer.status() == 404 {
            break;
        }
        // Queued before the job was forgotten (then a duplicate of that):
        // handled as one more event.
        assert!(matches!(answer.status().as_u16(), 200 | 202), "{answer:?}");
        assert!(Instant::now() < deadline, "the job was never forgotten");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_duplicate(
        &send_direct(receiver, job, "Completed").await,
        "a retry of the processed final status",
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    w.shutdown(Duration::from_secs(5)).await;
    let ids: Vec<String> = recorder.attempts().into_iter().map(|a| a.id).collect();
    assert!(ids.contains(&format!("{job}:Processing")), "{ids:?}");
    assert!(ids.contains(&format!("{job}:Completed")), "{ids:?}");
    assert_eq!(
        ids.iter().filter(|i| i.ends_with(":Completed")).count(),
        1,
        "{ids:?}"
    );
    for (mode, metadata, status) in seen.lock().unwrap().iter() {
        assert_eq!(*mode, hookgate::Mode::Direct);
        assert_eq!(metadata.get("user"), Some(&serde_json::json!("u1")));
        assert!(
            metadata.get("webhook_secret").is_none(),
            "the token reached the handler"
        );
        assert!(status.is_some());
    }
    // The key is `<prefix>job:<job id>:<status>`, status case-folded: its
    // done marker can be forgotten under that name.
    assert!(receiver
        .forget_key(&format!("hookgate:job:{job}:completed"))
        .await
        .expect("forget"));
}
