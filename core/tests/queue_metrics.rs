//! Issue 16, queue mode: the workers count attempts and dead letters, and
//! publish the queue's statistics as gauges.

use std::collections::BTreeMap;
use std::time::Duration;

use hookgate::adapter::{Admission, HeaderList, Inbound};
use hookgate::observe::{
    DELIVERIES_TOTAL, QUEUE_ATTEMPTS_TOTAL, QUEUE_DEAD, QUEUE_DEAD_LETTERS_TOTAL,
    QUEUE_GAUGE_INTERVAL, QUEUE_READY, QUEUE_RUNNING,
};
use hookgate::queue::{MemoryQueue, QueueConfig, Queued};
use hookgate::{JobEvent, Receiver, Secret};
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Counters summed over every snapshot so far (the debugging recorder's
/// snapshot resets them), gauges as last seen.
#[derive(Default)]
struct Seen(BTreeMap<String, f64>);

impl Seen {
    fn update(&mut self, snapshotter: &Snapshotter) {
        for (key, _, _, value) in snapshotter.snapshot().into_vec() {
            let key = key.key();
            let mut labels: Vec<String> = key
                .labels()
                .map(|l| format!("{}={}", l.key(), l.value()))
                .collect();
            labels.sort();
            let id = format!("{}{{{}}}", key.name(), labels.join(","));
            match value {
                DebugValue::Counter(n) => *self.0.entry(id).or_default() += n as f64,
                DebugValue::Gauge(g) => {
                    self.0.insert(id, g.into_inner());
                }
                DebugValue::Histogram(_) => {}
            }
        }
    }

    /// `name{labels}`, labels as `k=v` sorted by key.
    fn get(&self, series: &str) -> Option<f64> {
        self.0.get(series).copied()
    }
}

#[tokio::test]
async fn attempts_dead_letters_and_the_queue_gauges_are_reported() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _local = metrics::set_default_local_recorder(&recorder);

    let receiver = Receiver::builder()
        .secret(SECRET)
        .queue(
            QueueConfig::new(MemoryQueue::new())
                .allow_volatile(true)
                .max_attempts(1),
        )
        .build()
        .unwrap();
    let workers = receiver
        .start_workers(|_job: Queued<JobEvent>| async move {
            Err::<(), _>(std::io::Error::other("the handler always fails"))
        })
        .unwrap();

    let body = br#"{"status":"Completed","job_id":"job_q","metadata":{}}"#;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let headers = HeaderList::new()
        .with("svix-id", "msg_queue_metrics")
        .with("svix-timestamp", now.to_string())
        .with(
            "svix-signature",
            Secret::parse(SECRET)
                .unwrap()
                .sign("msg_queue_metrics", now, body),
        );
    let inbound = Inbound {
        headers: &headers,
        body: body.to_vec().into(),
        peer: None,
    };
    assert!(matches!(
        receiver.admit(inbound).await,
        Admission::Respond(_)
    ));
    let mut seen = Seen::default();
    seen.update(&snapshotter);
    let queued = format!("{DELIVERIES_TOTAL}{{mode=signed,outcome=queued}}");
    assert_eq!(seen.get(&queued), Some(1.0));

    // The one attempt fails: the entry is a dead letter.
    let dead_letters = format!("{QUEUE_DEAD_LETTERS_TOTAL}{{}}");
    for _ in 0..300 {
        seen.update(&snapshotter);
        if seen.get(&dead_letters).is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen.get(&dead_letters), Some(1.0));
    let failed = format!("{QUEUE_ATTEMPTS_TOTAL}{{result=failed}}");
    assert_eq!(seen.get(&failed), Some(1.0));
    let succeeded = format!("{QUEUE_ATTEMPTS_TOTAL}{{result=succeeded}}");
    assert_eq!(seen.get(&succeeded), None);

    // The next refresh of the gauges sees it (real time: one interval).
    tokio::time::sleep(QUEUE_GAUGE_INTERVAL + Duration::from_millis(500)).await;
    seen.update(&snapshotter);
    assert_eq!(seen.get(&format!("{QUEUE_DEAD}{{}}")), Some(1.0));
    assert_eq!(seen.get(&format!("{QUEUE_READY}{{}}")), Some(0.0));
    assert_eq!(seen.get(&format!("{QUEUE_RUNNING}{{}}")), Some(0.0));
    // Counted once: nothing more since.
    assert_eq!(seen.get(&dead_letters), Some(1.0));

    workers.shutdown(Duration::from_secs(1)).await;
}
