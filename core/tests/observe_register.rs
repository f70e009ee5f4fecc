//! Issue 16: `observe::register()` is a shortcut, never a trap: called
//! before a global recorder is installed (and after the receiver was built)
//! it registers nothing, and the recorder installed later still gets every
//! delivery; once registered, deliveries go to the global recorder, even
//! inside a local one. One test, in a process of its own: a global recorder can
//! be installed once per process.

mod common;

use std::sync::Arc;

use common::*;
use hookgate::adapter::HeaderList;
use hookgate::clock::FixedClock;
use hookgate::observe::{self, DELIVERIES_TOTAL, IN_FLIGHT, VERIFY_DURATION};
use hookgate::Receiver;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};

const BODY: &[u8] = br#"{"status":"Completed","job_id":"job_1","metadata":{}}"#;

/// What one recorder has seen: counters summed over snapshots (a snapshot
/// resets them), the in-flight gauge as last seen, histogram samples summed.
#[derive(Default, Debug, PartialEq)]
struct Seen {
    forged: u64,
    dropped: u64,
    in_flight: Option<f64>,
    verify_samples: usize,
}

impl Seen {
    fn update(&mut self, snapshotter: &Snapshotter) -> &Self {
        for (key, _, _, value) in snapshotter.snapshot().into_vec() {
            let key = key.key();
            let outcome = key.labels().find(|l| l.key() == "outcome");
            match (key.name(), outcome.map(|l| l.value()), value) {
                (DELIVERIES_TOTAL, Some("invalid_signature"), DebugValue::Counter(n)) => {
                    self.forged += n
                }
                (DELIVERIES_TOTAL, Some("dropped"), DebugValue::Counter(n)) => self.dropped += n,
                (DELIVERIES_TOTAL, _, DebugValue::Counter(0)) => {}
                (DELIVERIES_TOTAL, code, value) => panic!("unexpected {code:?}: {value:?}"),
                (IN_FLIGHT, _, DebugValue::Gauge(g)) => self.in_flight = Some(g.into_inner()),
                (VERIFY_DURATION, _, DebugValue::Histogram(samples)) => {
                    self.verify_samples += samples.len()
                }
                _ => {}
            }
        }
        self
    }
}

fn receiver() -> Receiver {
    Receiver::builder()
        .secret(SECRET)
        .clock(Arc::new(FixedClock::new(NOW)))
        .build()
        .unwrap()
}

/// One forged delivery (`invalid_signature`).
async fn forged(r: &Receiver) {
    let headers = HeaderList::new()
        .with("svix-id", "msg_forged")
        .with("svix-timestamp", NOW.to_string())
        .with(
            "svix-signature",
            "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        );
    respond(admit(r, &headers, BODY, None).await);
}

/// One admitted delivery whose claim is dropped before its handler ends
/// (`dropped`): the in-flight gauge goes up and back down.
async fn dropped(r: &Receiver, id: &str) {
    drop(proceed(admit(r, &signed(id, NOW, BODY), BODY, None).await));
}

#[tokio::test]
async fn every_delivery_reaches_the_current_recorder_whatever_the_order() {
    let r = receiver();

    // `register()` before any recorder: nothing to register with, and it says so.
    assert!(!observe::register());
    forged(&r).await;

    // A global recorder installed after that `register()` (and after the
    // receiver was built) still receives every delivery, handles looked up
    // per delivery.
    let global = DebuggingRecorder::new();
    let global_seen = global.snapshotter();
    global
        .install()
        .expect("the only global recorder of this process");
    let mut seen = Seen::default();
    forged(&r).await;
    dropped(&r, "msg_1").await;
    let expected = Seen {
        forged: 1,
        dropped: 1,
        in_flight: Some(0.0),
        verify_samples: 2,
    };
    assert_eq!(seen.update(&global_seen), &expected);

    // Registered now, from inside a local recorder: with the global one all
    // the same (handles registered with the local one would go nowhere once
    // it is gone); the same deliveries count the same way.
    let local = DebuggingRecorder::new();
    let local_seen = local.snapshotter();
    {
        let _local = metrics::set_default_local_recorder(&local);
        assert!(observe::register());
    }
    forged(&r).await;
    dropped(&r, "msg_2").await;
    let expected = Seen {
        forged: 2,
        dropped: 2,
        in_flight: Some(0.0),
        verify_samples: 4,
    };
    assert_eq!(seen.update(&global_seen), &expected);

    // Once registered, hookgate records into the global recorder only, even
    // inside a local recorder (documented: a test capturing with a local
    // recorder does not call `register()`).
    {
        let _local = metrics::set_default_local_recorder(&local);
        assert!(observe::register());
        forged(&r).await;
        dropped(&r, "msg_3").await;
    }
    assert_eq!(Seen::default().update(&local_seen), &Seen::default());
    let expected = Seen {
        forged: 3,
        dropped: 3,
        in_flight: Some(0.0),
        verify_samples: 6,
    };
    assert_eq!(seen.update(&global_seen), &expected);

    // Back outside the local recorder: to the global one again.
    forged(&r).await;
    assert_eq!(seen.update(&global_seen).forged, 4);
}
