//! Queue mode on the in-memory queue: the scenarios every backend passes
//! (see `queue_support.rs`), plus what only configuration decides.

#[path = "queue_support.rs"]
mod queue_support;

use std::sync::Arc;
use std::time::Duration;

use hookgate::queue::{MemoryQueue, QueueConfig, QueueError};
use hookgate::{BuildError, Receiver};
use queue_support::*;

fn memory() -> QueueConfig {
    fast(QueueConfig::new(MemoryQueue::new()).allow_volatile(true))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_once_then_duplicate() {
    scenario_queued_once_then_duplicate(&receiver(memory()), "msg_once").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_with_backoff() {
    scenario_retry_with_backoff(&receiver(memory()), "msg_retry").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letter_then_requeue() {
    scenario_dead_letter_then_requeue(&receiver(memory()), "msg_dead", false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panics_are_failed_attempts() {
    scenario_dead_letter_then_requeue(&receiver(memory()), "msg_panic", true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_before_enqueue() {
    scenario_refused_before_enqueue(&receiver(memory()), "msg_refused").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forget_replays() {
    scenario_forget_replays(&receiver(memory()), "msg_forget").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attempt_deadline() {
    let config = memory().attempt_deadline(Duration::from_millis(200));
    scenario_attempt_deadline(&receiver(config), "msg_slow").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown() {
    scenario_graceful_shutdown(&receiver(memory()), "msg_shutdown").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_past_its_grace_cancels_and_leaves_the_entry() {
    let receiver = receiver(memory().visibility_timeout(Duration::from_millis(300)));
    let recorder = Arc::new(Recorder::default());
    let w = workers(&receiver, &recorder);
    assert_queued(
        &send(&receiver, "msg_cut", r#"{"sleep_ms":3000}"#).await,
        "send",
    );
    wait_stats(&receiver, Duration::from_secs(5), "taken", |s| {
        s.running == 1
    })
    .await;
    assert_eq!(w.shutdown(Duration::from_millis(100)).await, 1);
    assert!(
        recorder.of("msg_cut").is_empty(),
        "cancelled before it recorded"
    );
    // Left in the queue: a new pool takes it over after the visibility timeout.
    let stats = receiver.queue_stats().await.unwrap();
    assert_eq!(stats.running, 1, "{stats:?}");
    let w = workers(&receiver, &recorder);
    recorder
        .wait_for(Duration::from_secs(10), "reclaimed and finished", |a| {
            a.iter().any(|a| a.succeeded)
        })
        .await;
    w.shutdown(Duration::from_secs(5)).await;
    assert_eq!(
        recorder.of("msg_cut")[0].attempt,
        2,
        "the reclaim counts as an attempt"
    );
}

#[test]
fn an_in_memory_queue_needs_an_explicit_opt_in() {
    let refused = Receiver::builder()
        .secret(SECRET)
        .queue(QueueConfig::new(MemoryQueue::new()))
        .build()
        .unwrap_err();
    assert!(matches!(refused, BuildError::VolatileQueue), "{refused}");
    assert!(refused.to_string().contains("allow_volatile"));
}

#[test]
fn odd_queue_settings_are_refused_by_build() {
    let configs = [
        memory().workers(0),
        memory().max_attempts(0),
        memory().visibility_timeout(Duration::ZERO),
        memory().attempt_deadline(Duration::ZERO),
        memory().poll_interval(Duration::ZERO),
        memory().enqueue_deadline(Duration::ZERO),
        memory().backoff(hookgate::queue::Backoff::default().jitter(2.0)),
    ];
    for config in configs {
        let shown = format!("{config:?}");
        let err = Receiver::builder()
            .secret(SECRET)
            .queue(config)
            .build()
            .unwrap_err();
        assert!(matches!(err, BuildError::Queue(_)), "{shown}: {err}");
    }
}

#[tokio::test]
async fn queue_operations_need_queue_mode() {
    let plain = Receiver::builder().secret(SECRET).build().unwrap();
    assert!(!plain.queue_mode());
    assert!(matches!(
        plain.queue_stats().await,
        Err(QueueError::NotQueueMode)
    ));
    assert!(matches!(
        plain.start_workers(handler(Arc::new(Recorder::default()))),
        Err(QueueError::NotQueueMode)
    ));
}
