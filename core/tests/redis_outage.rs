//! Redis dies and comes back. Each test runs its own `redis-server` on a free
//! loopback port (never the shared one) and kills it with SIGKILL, as a crash
//! would: every admission must then answer `503 store_unavailable` with
//! `Retry-After` within the store deadline — never 200 or a duplicate — and
//! the same receiver (same store object) must work again once Redis restarts.
#![cfg(feature = "redis")]

#[path = "redis_support.rs"]
mod support;

use std::time::{Duration, Instant};

use hookgate::redis::{connect, connect_lazy, RedisStore};
use hookgate::{Answer, Receiver};

use hookgate::adapter::Admission;
use support::{admit, code, redis_binaries, RedisServer, SECRET};

/// The receiver's per-call store deadline in these tests.
const DEADLINE: Duration = Duration::from_millis(1000);
/// Scheduling slack on a loaded two-core machine.
const MARGIN: Duration = Duration::from_millis(750);

fn receiver(store: RedisStore<hookgate::redis::ConnectionManager>) -> Receiver {
    Receiver::builder()
        .secret(SECRET)
        .store(store)
        .store_deadline(DEADLINE)
        .build()
        .expect("receiver")
}

fn assert_unavailable(answer: &Answer, what: &str) {
    assert_eq!(answer.status(), 503, "{what}: {answer:?}");
    assert_eq!(code(answer), "store_unavailable", "{what}");
    assert!(
        answer.retry_after().is_some_and(|s| s > 0),
        "{what}: no Retry-After"
    );
}

/// Admits `id`, requires a 503 within the deadline, and returns how long it took.
async fn admit_while_down(receiver: &Receiver, id: &str) -> Duration {
    let started = Instant::now();
    let admission = admit(receiver, id).await;
    let elapsed = started.elapsed();
    match admission {
        Admission::Respond(outcome) => assert_unavailable(&outcome.to_answer(), id),
        Admission::Proceed(..) => panic!("{id}: proceeded while Redis is down"),
    }
    assert!(
        elapsed < DEADLINE + MARGIN,
        "{id}: answered after {elapsed:?}, deadline {DEADLINE:?}"
    );
    elapsed
}

/// Polls (≤ 10 s) until `id` is admitted again; returns how long it took.
async fn wait_until_admitted(receiver: &Receiver, id: &str) -> Duration {
    let started = Instant::now();
    loop {
        match admit(receiver, id).await {
            Admission::Proceed(_, claim) => {
                claim
                    .settle(true)
                    .await
                    .expect("done marker written after the restart");
                return started.elapsed();
            }
            Admission::Respond(answer) => {
                let answer = answer.to_answer();
                // Until Redis is back, only "unavailable" is acceptable.
                assert_unavailable(&answer, id);
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the receiver did not recover within 10 s of the restart"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_means_503_within_the_deadline_and_restart_recovers() {
    if !redis_binaries("redis_killed") {
        return;
    }
    let mut server = RedisServer::start();
    let conn = connect(&server.url()).await.expect("connect");
    let receiver = receiver(RedisStore::new(conn));

    // Healthy: one delivery processed, its duplicate recognised.
    let Admission::Proceed(_, claim) = admit(&receiver, "msg_before").await else {
        panic!("a fresh delivery must proceed");
    };
    claim.settle(true).await.expect("done");
    let Admission::Respond(dup) = admit(&receiver, "msg_before").await else {
        panic!("a duplicate must not proceed");
    };
    let dup = dup.to_answer();
    assert_eq!(dup.status(), 200);

    // A delivery is in its handler when Redis dies.
    let Admission::Proceed(_, running) = admit(&receiver, "msg_running").await else {
        panic!("a fresh delivery must proceed");
    };
    server.kill();

    // Its done marker cannot be written: 503 instead of the handler's 2xx.
    let started = Instant::now();
    let settled = running.settle(true).await;
    let elapsed = started.elapsed();
    let answer = settled
        .expect_err("settling without Redis cannot succeed")
        .to_answer();
    assert_unavailable(&answer, "settle");
    assert!(elapsed < DEADLINE + MARGIN, "settle took {elapsed:?}");

    // Every admission, fresh or a duplicate of a processed one, answers 503.
    let mut slowest = Duration::ZERO;
    for i in 0..6 {
        slowest = slowest.max(admit_while_down(&receiver, &format!("msg_down_{i}")).await);
        slowest = slowest.max(admit_while_down(&receiver, "msg_before").await);
    }
    eprintln!("Redis killed: slowest 503 took {slowest:?}");
    // Concurrent admissions too.
    let mut tasks = Vec::new();
    for i in 0..16 {
        let receiver = receiver.clone();
        tasks.push(tokio::spawn(async move {
            admit_while_down(&receiver, &format!("msg_burst_{i}")).await;
        }));
    }
    for t in tasks {
        t.await.expect("no admission panicked or proceeded");
    }

    // Redis comes back on the same port (empty: no persistence). The same
    // receiver, with the same store object, works again.
    server.restart();
    let took = wait_until_admitted(&receiver, "msg_after").await;
    eprintln!("recovered {took:?} after the restart");
    let Admission::Respond(dup) = admit(&receiver, "msg_after").await else {
        panic!("a duplicate after recovery must not proceed");
    };
    let dup = dup.to_answer();
    assert_eq!(dup.status(), 200);
    assert_eq!(code(&dup), "received");

    // A second outage and recovery, to show it was not a one-off.
    server.kill();
    admit_while_down(&receiver, "msg_second_outage").await;
    server.restart();
    wait_until_admitted(&receiver, "msg_second_outage").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_redis_is_cut_off_by_the_deadline() {
    if !redis_binaries("hung_redis") {
        return;
    }
    let server = RedisServer::start();
    let conn = connect(&server.url()).await.expect("connect");
    let receiver = receiver(RedisStore::new(conn));
    let Admission::Proceed(_, claim) = admit(&receiver, "msg_hung_before").await else {
        panic!("a fresh delivery must proceed");
    };
    claim.settle(true).await.expect("done");

    // Frozen: the socket stays open, nothing answers. Only the deadline
    // (or the connection's response time-out) can end each call.
    server.signal("STOP");
    for id in ["msg_hung_1", "msg_hung_before", "msg_hung_2"] {
        let took = admit_while_down(&receiver, id).await;
        eprintln!("Redis frozen: {id} answered 503 after {took:?}");
        assert!(
            took >= DEADLINE / 2,
            "{id}: a frozen server cannot have answered after {took:?}"
        );
    }
    server.signal("CONT");
    wait_until_admitted(&receiver, "msg_hung_after").await;
    let Admission::Respond(dup) = admit(&receiver, "msg_hung_before").await else {
        panic!("the done marker written before the freeze must still count");
    };
    let dup = dup.to_answer();
    assert_eq!(dup.status(), 200);
}

#[tokio::test]
async fn a_lazy_connection_starts_while_redis_is_down() {
    if !redis_binaries("lazy_connection") {
        return;
    }
    let mut server = RedisServer::start();
    let url = server.url();
    server.kill();
    // The app starts while Redis is down ...
    let receiver = receiver(RedisStore::new(connect_lazy(&url).expect("lazy")));
    admit_while_down(&receiver, "msg_early").await;
    admit_while_down(&receiver, "msg_early").await;
    // ... and deliveries go through once it is up.
    server.restart();
    wait_until_admitted(&receiver, "msg_early").await;
}
