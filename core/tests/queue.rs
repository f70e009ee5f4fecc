//! Queue mode on the in-memory queue: the scenarios every backend passes
//! (see `queue_support.rs`), plus what only configuration decides.

#[path = "queue_support.rs"]
mod queue_support;

use std::sync::Arc;
use std::time::Duration;

use hookgate::queue::{MemoryQueue, QueueConfig, QueueError, Queued};
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
    let visibility = Duration::from_millis(300);
    let receiver = receiver(memory().visibility_timeout(visibility));
    scenario_shutdown_past_its_grace(&receiver, "msg_cut", visibility).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requeue_one_dead_letter() {
    scenario_requeue_one_dead_letter(&receiver(memory()), ["msg_one", "msg_other"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_mode() {
    scenario_direct_mode(&direct_receiver(memory()), "job_direct").await;
}

#[derive(Debug, serde::Deserialize)]
struct Custom {
    #[allow(dead_code, reason = "read by serde only")]
    kind: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_refuse_a_handler_of_another_event_type_than_the_queue_checks() {
    // Payloads checked as `Custom`, handler taking the default `JobEvent`:
    // every delivery would be answered 202, then dead-lettered.
    let custom = receiver(memory().event::<Custom>());
    let err = custom
        .start_workers(handler(Arc::new(Recorder::default())))
        .unwrap_err();
    match &err {
        QueueError::EventTypeMismatch {
            configured,
            handler,
        } => {
            assert!(configured.ends_with("Custom"), "{configured}");
            assert!(handler.ends_with("JobEvent"), "{handler}");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("QueueConfig::event"), "{err}");
    // The default (`JobEvent`) and a handler of another type, too.
    let default = receiver(memory());
    assert!(matches!(
        default.start_workers(|_: Queued<serde_json::Value>| async {
            Ok::<(), std::convert::Infallible>(())
        }),
        Err(QueueError::EventTypeMismatch { .. })
    ));
    // The same type on both sides runs.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let w = custom
        .start_workers(move |job: Queued<Custom>| {
            let tx = tx.clone();
            async move {
                tx.send(job.event.kind).ok();
                Ok::<(), std::convert::Infallible>(())
            }
        })
        .expect("matching types start");
    let (headers, body) = signed_body("msg_custom", br#"{"kind":"ping"}"#.to_vec());
    assert_queued(&send_raw(&custom, &headers, body).await, "custom");
    let got = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await;
    assert_eq!(got.expect("handled").as_deref(), Some("ping"));
    w.shutdown(Duration::from_secs(5)).await;
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
    use hookgate::queue::{Backoff, QueueConfigError as E};
    type Expected = fn(&E) -> bool;
    let configs: [(QueueConfig, Expected); 10] = [
        (memory().workers(0), |e| matches!(e, E::NoWorkers)),
        (memory().max_attempts(0), |e| matches!(e, E::NoAttempts)),
        (memory().visibility_timeout(Duration::ZERO), |e| {
            matches!(e, E::ZeroDuration("visibility timeout"))
        }),
        (memory().attempt_deadline(Duration::ZERO), |e| {
            matches!(e, E::ZeroDuration("attempt deadline"))
        }),
        (memory().poll_interval(Duration::ZERO), |e| {
            matches!(e, E::ZeroDuration("poll interval"))
        }),
        (memory().enqueue_deadline(Duration::ZERO), |e| {
            matches!(e, E::ZeroDuration("enqueue deadline"))
        }),
        (memory().backoff(Backoff::default().jitter(2.0)), |e| {
            matches!(e, E::RetryJitter)
        }),
        (memory().backoff(Backoff::default().factor(0.5)), |e| {
            matches!(e, E::RetryFactor)
        }),
        (
            memory().backoff(Backoff::new(Duration::ZERO, Duration::from_secs(1))),
            |e| matches!(e, E::RetryBaseZero),
        ),
        (
            memory().backoff(Backoff::new(Duration::from_secs(2), Duration::from_secs(1))),
            |e| matches!(e, E::RetryCapBelowBase),
        ),
    ];
    for (config, expected) in configs {
        let shown = format!("{config:?}");
        let err = Receiver::builder()
            .secret(SECRET)
            .queue(config)
            .build()
            .unwrap_err();
        match &err {
            BuildError::Queue(e) => assert!(expected(e), "{shown}: {e:?}"),
            other => panic!("{shown}: expected a queue setting refused, got {other:?}"),
        }
        assert!(err.to_string().starts_with("queue mode: "), "{err}");
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
    // What a queue route is built from: refused for this receiver.
    assert!(matches!(
        plain.queue_receiver(),
        Err(QueueError::NotQueueMode)
    ));
}
