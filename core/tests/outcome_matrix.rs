//! The handler-outcome matrix, pinned once for every adapter: how a
//! handler's end (a status, an error, a panic, a dropped future, the
//! deadline, a store failure while settling) settles the claim and what
//! goes out. The adapters' own tests only check that they translate.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use hookgate::adapter::{Admission, Claim, Conclusion, Handled, HandlerEnd, HandlerOutcome};
use hookgate::clock::FixedClock;
use hookgate::testing::{DownStore, NoCompleteStore};
use hookgate::{Outcome, Receiver, Rejection};

const BODY: &[u8] = br#"{"status":"Completed","job_id":"job_1","metadata":{}}"#;

fn receiver(clock: &Arc<FixedClock>) -> Receiver {
    Receiver::builder()
        .secret(SECRET)
        .clock(Arc::clone(clock))
        .handler_deadline(Duration::from_millis(50))
        .retry_after(Duration::from_secs(7))
        .build()
        .unwrap()
}

async fn claim(r: &Receiver, id: &str) -> Claim {
    proceed(admit(r, &signed(id, NOW, BODY), BODY, None).await).1
}

/// What admitting the same delivery again finds: `"proceed"` (the claim was
/// released), or the outcome's code (`duplicate`, `in_flight`).
async fn again(r: &Receiver, id: &str) -> &'static str {
    match admit(r, &signed(id, NOW, BODY), BODY, None).await {
        Admission::Proceed(..) => "proceed",
        Admission::Respond(outcome) => outcome.code(),
    }
}

/// Waits for a release spawned by a dropped claim.
async fn again_after_release(r: &Receiver, id: &str) -> &'static str {
    for _ in 0..100 {
        match again(r, id).await {
            "in_flight" => tokio::time::sleep(Duration::from_millis(10)).await,
            found => return found,
        }
    }
    "in_flight"
}

fn replaced(conclusion: Conclusion) -> Outcome {
    match conclusion {
        Conclusion::Replace(outcome) => outcome,
        other => panic!("expected hookgate's answer in place of the handler's, got {other:?}"),
    }
}

#[tokio::test]
async fn every_2xx_is_processed_and_recorded_done() {
    let clock = Arc::new(FixedClock::new(NOW));
    let r = receiver(&clock);
    for (n, status) in [200u16, 201, 202, 204, 299].into_iter().enumerate() {
        let id = format!("msg_ok_{n}");
        let conclusion = claim(&r, &id)
            .await
            .conclude(HandlerEnd::Status(status))
            .await;
        assert!(
            matches!(conclusion, Conclusion::Handler(Handled::Processed)),
            "{status}: {conclusion:?}"
        );
        assert_eq!(conclusion.code(), "processed");
        assert_eq!(again(&r, &id).await, "duplicate", "{status}");
    }
}

#[tokio::test]
async fn any_other_status_releases_and_the_handlers_answer_goes_out() {
    let clock = Arc::new(FixedClock::new(NOW));
    let r = receiver(&clock);
    for (n, status) in [100u16, 199, 300, 304, 400, 404, 409, 500, 503]
        .into_iter()
        .enumerate()
    {
        let id = format!("msg_fail_{n}");
        let conclusion = claim(&r, &id)
            .await
            .conclude(HandlerEnd::Status(status))
            .await;
        assert!(
            matches!(conclusion, Conclusion::Handler(Handled::Failed)),
            "{status}: {conclusion:?}"
        );
        assert_eq!(conclusion.code(), "handler_failed");
        assert_eq!(again(&r, &id).await, "proceed", "{status}: released");
    }
}

#[tokio::test]
async fn an_error_releases_and_passes_on() {
    let clock = Arc::new(FixedClock::new(NOW));
    let r = receiver(&clock);
    let conclusion = claim(&r, "msg_err").await.conclude(HandlerEnd::Error).await;
    assert!(matches!(conclusion, Conclusion::Handler(Handled::Errored)));
    assert_eq!(conclusion.code(), "handler_error");
    assert_eq!(again(&r, "msg_err").await, "proceed");
}

#[tokio::test]
async fn past_the_deadline_releases_and_answers_503_handler_timeout() {
    let clock = Arc::new(FixedClock::new(NOW));
    let r = receiver(&clock);
    let outcome = replaced(
        claim(&r, "msg_late")
            .await
            .conclude(HandlerEnd::TimedOut)
            .await,
    );
    assert!(matches!(
        outcome,
        Outcome::Refused(Rejection::HandlerTimeout { retry_after: 7 })
    ));
    assert_eq!(
        (outcome.status().as_u16(), outcome.code()),
        (503, "handler_timeout")
    );
    assert_eq!(outcome.retry_after(), Some(7));
    assert_eq!(again(&r, "msg_late").await, "proceed");
}

#[tokio::test]
async fn a_2xx_after_the_claim_expired_is_replaced_by_503_claim_lost() {
    let clock = Arc::new(FixedClock::new(NOW));
    let r = receiver(&clock);
    let c = claim(&r, "msg_lost").await;
    clock.advance(31); // past the 30 s in-flight TTL
    let outcome = replaced(c.conclude(HandlerEnd::Status(200)).await);
    assert_eq!(
        (outcome.status().as_u16(), outcome.code()),
        (503, "claim_lost")
    );
    assert_eq!(outcome.retry_after(), Some(7));
}

#[tokio::test]
async fn a_2xx_the_store_cannot_record_is_replaced_by_503_store_unavailable() {
    let r = Receiver::builder()
        .secret(SECRET)
        .clock(FixedClock::new(NOW))
        .store(NoCompleteStore::default())
        .build()
        .unwrap();
    let outcome = replaced(
        claim(&r, "msg_nc")
            .await
            .conclude(HandlerEnd::Status(200))
            .await,
    );
    assert_eq!(
        (outcome.status().as_u16(), outcome.code()),
        (503, "store_unavailable")
    );
    // A failure is still the handler's own answer: nothing to record.
    let conclusion = claim(&r, "msg_nc2")
        .await
        .conclude(HandlerEnd::Status(500))
        .await;
    assert!(matches!(conclusion, Conclusion::Handler(Handled::Failed)));
}

#[tokio::test]
async fn unclaimed_under_fail_open_the_handler_decides_but_the_deadline_still_answers() {
    let r = Receiver::builder()
        .secret(SECRET)
        .clock(FixedClock::new(NOW))
        .store(DownStore)
        .fail_open(true)
        .build()
        .unwrap();
    let c = claim(&r, "msg_open").await;
    assert!(!c.is_held());
    let conclusion = c.conclude(HandlerEnd::Status(200)).await;
    assert!(matches!(
        conclusion,
        Conclusion::Handler(Handled::Processed)
    ));
    let outcome = replaced(
        claim(&r, "msg_open")
            .await
            .conclude(HandlerEnd::TimedOut)
            .await,
    );
    assert_eq!(outcome.code(), "handler_timeout");
}

#[tokio::test]
async fn run_passes_the_handlers_response_or_error_on_and_replaces_past_the_deadline() {
    let clock = Arc::new(FixedClock::new(NOW));
    let r = receiver(&clock);
    let status = |s: &u16| *s;

    let out = claim(&r, "msg_r1")
        .await
        .run(async { Ok::<u16, &str>(200) }, status)
        .await;
    assert!(matches!(out, HandlerOutcome::Response(200)));
    assert_eq!(again(&r, "msg_r1").await, "duplicate");

    let out = claim(&r, "msg_r2")
        .await
        .run(async { Ok::<u16, &str>(500) }, status)
        .await;
    assert!(matches!(out, HandlerOutcome::Response(500)));
    assert_eq!(again(&r, "msg_r2").await, "proceed");

    let out = claim(&r, "msg_r3")
        .await
        .run(async { Err::<u16, &str>("boom") }, status)
        .await;
    assert!(matches!(out, HandlerOutcome::Error("boom")));
    assert_eq!(again(&r, "msg_r3").await, "proceed");

    let slow = async {
        tokio::time::sleep(Duration::from_secs(60)).await;
        Ok::<u16, &str>(200)
    };
    let out = claim(&r, "msg_r4").await.run(slow, status).await;
    match out {
        HandlerOutcome::Replace(outcome) => assert_eq!(outcome.code(), "handler_timeout"),
        other => panic!("past the deadline: {other:?}"),
    }
    assert_eq!(again(&r, "msg_r4").await, "proceed");

    // A 2xx that cannot be recorded: the handler's response is dropped.
    let c = claim(&r, "msg_r5").await;
    clock.advance(31);
    let out = c.run(async { Ok::<u16, &str>(200) }, status).await;
    match out {
        HandlerOutcome::Replace(outcome) => assert_eq!(outcome.code(), "claim_lost"),
        other => panic!("claim lost: {other:?}"),
    }
}

#[tokio::test]
async fn a_panicking_or_dropped_handler_releases_its_claim() {
    let clock = Arc::new(FixedClock::new(NOW));
    let r = receiver(&clock);

    let c = claim(&r, "msg_panic").await;
    let run = tokio::spawn(async move {
        c.run(
            async {
                panic!("the handler panics");
                #[allow(unreachable_code)]
                Ok::<u16, ()>(200)
            },
            |s| *s,
        )
        .await
    });
    assert!(run.await.unwrap_err().is_panic());
    assert_eq!(again_after_release(&r, "msg_panic").await, "proceed");

    let c = claim(&r, "msg_drop").await;
    let pending = c.run(std::future::pending::<Result<u16, ()>>(), |s| *s);
    drop(pending);
    assert_eq!(again_after_release(&r, "msg_drop").await, "proceed");
}

#[tokio::test]
async fn settle_is_conclude_for_a_handler_that_is_not_http() {
    let clock = Arc::new(FixedClock::new(NOW));
    let r = receiver(&clock);
    claim(&r, "msg_s1").await.settle(true).await.unwrap();
    assert_eq!(again(&r, "msg_s1").await, "duplicate");
    claim(&r, "msg_s2").await.settle(false).await.unwrap();
    assert_eq!(again(&r, "msg_s2").await, "proceed");
    let c = claim(&r, "msg_s3").await;
    clock.advance(31);
    assert_eq!(c.settle(true).await.unwrap_err().code(), "claim_lost");
}
