//! Queue mode in the example receivers: the workers' handler (records each
//! event with the attempt that succeeded, and obeys the test knobs in the
//! event's metadata) and the operations routes' JSON, framework-free.
//!
//! Knobs, read by this example handler only: `fail_attempts: n` makes the
//! first n attempts of that delivery fail; `sleep_ms: n` makes each attempt
//! (with `sleep_attempts: k`, each of the first k attempts only)
//! sleep n ms first.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use hookgate::queue::{QueueError, QueueHandler, Queued};
use hookgate::{Answer, JobEvent, Receiver};
use serde_json::json;

use crate::events::{EventLog, RecordedEvent};

/// The most dead letters `GET /dead` lists.
const DEAD_LIMIT: usize = 1000;

/// One attempt of the example handler.
type Attempt = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// The workers' handler: sleeps `sleep_ms` (only while the attempt is at most
/// `sleep_attempts`, when given), fails while the attempt is at most
/// `fail_attempts`, otherwise records the event in `events`.
pub fn handler(events: EventLog) -> impl QueueHandler<JobEvent> {
    move |job: Queued<JobEvent>| -> Attempt {
        let events = events.clone();
        Box::pin(async move {
            let knob = |name: &str| {
                job.event
                    .metadata
                    .get(name)
                    .and_then(serde_json::Value::as_u64)
                    .unwrap_or(0)
            };
            let sleep = knob("sleep_ms");
            let sleeps = job
                .event
                .metadata
                .get("sleep_attempts")
                .and_then(serde_json::Value::as_u64)
                .is_none_or(|k| u64::from(job.attempt) <= k);
            if sleep > 0 && sleeps {
                tokio::time::sleep(Duration::from_millis(sleep)).await;
            }
            if u64::from(job.attempt) <= knob("fail_attempts") {
                return Err(format!("fail_attempts: attempt {} fails", job.attempt));
            }
            tracing::info!(job = %job.event.job_id, status = %job.event.status, id = ?job.delivery.message_id(), attempt = job.attempt, "queued job event");
            events.push(RecordedEvent::queued(&job.delivery, job.event, job.attempt));
            Ok(())
        })
    }
}

/// A JSON reply of an operations route, or the answer to send instead.
pub type Reply = Result<(u16, Vec<u8>), Answer>;

fn failed(receiver: &Receiver, e: QueueError) -> Answer {
    match e {
        QueueError::NotQueueMode => not_queue_mode(),
        e => receiver.queue_unavailable(e).to_answer(),
    }
}

/// The answer of the operations routes while queue mode is off (`500
/// receiver_not_installed`).
fn not_queue_mode() -> Answer {
    hookgate::Rejection::NotInstalled.to_answer()
}

/// `GET /queue`: `{"ready", "running", "dead"}` (ready counts the retries
/// waiting for their delay too; `scheduled` says how many of them).
pub async fn stats(receiver: &Receiver) -> Reply {
    let s = receiver
        .queue_stats()
        .await
        .map_err(|e| failed(receiver, e))?;
    let body = json!({
        "ready": s.ready + s.scheduled,
        "running": s.running,
        "dead": s.dead,
        "scheduled": s.scheduled,
        "oldest_age_ms": s.oldest_age_ms,
    });
    Ok((200, body.to_string().into_bytes()))
}

/// `GET /dead`: `[{"id", "job_id", "attempts", "last_error", "dead_id"}]`.
pub async fn dead(receiver: &Receiver) -> Reply {
    let dead = receiver
        .dead_letters(DEAD_LIMIT)
        .await
        .map_err(|e| failed(receiver, e))?;
    let items: Vec<_> = dead
        .iter()
        .map(|d| {
            let delivery = d.entry.delivery();
            let job_id = delivery
                .job_id()
                .map(str::to_owned)
                .or_else(|| delivery.event::<JobEvent>().ok().map(|e| e.job_id));
            json!({
                "id": delivery.message_id(),
                "job_id": job_id,
                "attempts": d.entry.attempts(),
                "last_error": d.entry.last_error(),
                "dead_id": d.id.to_string(),
            })
        })
        .collect();
    Ok((
        200,
        serde_json::to_vec(&items).unwrap_or_else(|_| b"[]".to_vec()),
    ))
}

/// `POST /dead/requeue`: requeues every dead letter; `{"requeued": n}`.
pub async fn requeue(receiver: &Receiver) -> Reply {
    let n = receiver
        .requeue_all_dead()
        .await
        .map_err(|e| failed(receiver, e))?;
    Ok((200, json!({ "requeued": n }).to_string().into_bytes()))
}
