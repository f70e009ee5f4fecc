//! Queue mode on Redis Streams, against a real Redis: the scenarios every
//! backend passes (see `queue_support.rs`) on the shared server (each test on
//! its own queue name), plus what only a shared, crashable backend shows:
//! atomic enqueue under concurrency, reclaiming a dead worker's entry, and a
//! Redis crash and restart (a private `redis-server` with an append-only file).
#![cfg(feature = "redis")]

#[path = "redis_support.rs"]
mod support;

#[path = "queue_support.rs"]
mod queue_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use hookgate::queue::{Durability, QueueBackend, QueueConfig};
use hookgate::redis::{connect, connect_lazy, ConnectionManager, RedisQueue};
use queue_support::*;
use support::{redis_binaries, shared_redis, unique_prefix, RedisServer};

/// A queue of its own on the shared Redis (`None`: skipped outside CI).
async fn queue(test: &str) -> Option<RedisQueue<ConnectionManager>> {
    let conn = shared_redis(test).await?;
    Some(RedisQueue::new(conn).named(unique_prefix(test).trim_end_matches(':')))
}

macro_rules! on_redis {
    ($test:ident, $config:expr) => {{
        let Some(q) = queue(stringify!($test)).await else {
            return;
        };
        receiver(($config)(fast(QueueConfig::new(q))))
    }};
    ($test:ident) => {
        on_redis!($test, |c| c)
    };
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_once_then_duplicate() {
    let r = on_redis!(queued_once_then_duplicate);
    scenario_queued_once_then_duplicate(&r, "msg_once").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_with_backoff() {
    let r = on_redis!(retry_with_backoff);
    scenario_retry_with_backoff(&r, "msg_retry").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letter_then_requeue() {
    let r = on_redis!(dead_letter_then_requeue);
    scenario_dead_letter_then_requeue(&r, "msg_dead", false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panics_are_failed_attempts() {
    let r = on_redis!(panics_are_failed_attempts);
    scenario_dead_letter_then_requeue(&r, "msg_panic", true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_before_enqueue() {
    let r = on_redis!(refused_before_enqueue);
    scenario_refused_before_enqueue(&r, "msg_refused").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forget_replays() {
    let r = on_redis!(forget_replays);
    scenario_forget_replays(&r, "msg_forget").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attempt_deadline() {
    let r = on_redis!(attempt_deadline, |c: QueueConfig| c
        .attempt_deadline(Duration::from_millis(200)));
    scenario_attempt_deadline(&r, "msg_slow").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown() {
    let r = on_redis!(graceful_shutdown);
    scenario_graceful_shutdown(&r, "msg_shutdown").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requeue_one_dead_letter() {
    let r = on_redis!(requeue_one_dead_letter);
    scenario_requeue_one_dead_letter(&r, ["msg_one", "msg_other"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_past_its_grace_then_reclaim() {
    let visibility = Duration::from_millis(1000);
    let r = on_redis!(shutdown_past_its_grace_then_reclaim, |c: QueueConfig| c
        .visibility_timeout(visibility));
    scenario_shutdown_past_its_grace(&r, "msg_cut", visibility).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_mode() {
    let Some(q) = queue("direct_mode").await else {
        return;
    };
    let r = direct_receiver(fast(QueueConfig::new(q)));
    scenario_direct_mode(&r, "job_direct").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_entries_become_dead_letters_and_their_shard_keeps_flowing() {
    let Some(q) = queue("unreadable").await else {
        return;
    };
    let mut conn = shared_redis("unreadable")
        .await
        .expect("connected just now");
    let stream = q.stream_key(0);
    let visibility = Duration::from_millis(800);
    let r = receiver(fast(QueueConfig::new(q.clone())).visibility_timeout(visibility));
    let cmd = |args: &[&[u8]]| {
        let mut c = ::redis::cmd(std::str::from_utf8(args[0]).unwrap());
        for a in &args[1..] {
            c.arg(*a);
        }
        c
    };
    cmd(&[
        b"XGROUP",
        b"CREATE",
        stream.as_bytes(),
        RedisQueue::<ConnectionManager>::GROUP.as_bytes(),
        b"0",
        b"MKSTREAM",
    ])
    .query_async::<()>(&mut conn)
    .await
    .expect("create the group");
    // A worker took a foreign entry and died holding it: reclaimed later.
    let held: String = cmd(&[
        b"XADD",
        stream.as_bytes(),
        b"*",
        b"d",
        b"\x00held by a dead worker",
    ])
    .query_async(&mut conn)
    .await
    .expect("XADD");
    let _: ::redis::Value = cmd(&[
        b"XREADGROUP",
        b"GROUP",
        RedisQueue::<ConnectionManager>::GROUP.as_bytes(),
        b"ghost",
        b"COUNT",
        b"1",
        b"STREAMS",
        stream.as_bytes(),
        b">",
    ])
    .query_async(&mut conn)
    .await
    .expect("XREADGROUP");
    assert_queued(&send(&r, "msg_before", "{}").await, "before");
    // Bytes in hookgate's field that are no entry, and an entry without it.
    let _: String = cmd(&[b"XADD", stream.as_bytes(), b"*", b"d", b"garbage"])
        .query_async(&mut conn)
        .await
        .expect("XADD");
    let _: String = cmd(&[b"XADD", stream.as_bytes(), b"*", b"other", b"field"])
        .query_async(&mut conn)
        .await
        .expect("XADD");
    assert_queued(&send(&r, "msg_after", "{}").await, "after");

    let recorder = Arc::new(Recorder::default());
    let w = workers(&r, &recorder);
    recorder
        .wait_for(Duration::from_secs(5), "the readable ones handled", |a| {
            a.iter().filter(|a| a.succeeded).count() == 2
        })
        .await;
    let stats = wait_stats(
        &r,
        visibility + Duration::from_secs(5),
        "all three set aside",
        |s| s.dead == 3,
    )
    .await;
    w.shutdown(Duration::from_secs(5)).await;
    assert_eq!(
        stats.ready + stats.running + stats.scheduled,
        0,
        "{stats:?}"
    );
    let dead = r
        .dead_letters(10)
        .await
        .expect("listing never fails on them");
    assert_eq!(dead.len(), 3);
    let mut reasons: Vec<(String, Vec<u8>)> = dead
        .iter()
        .map(|d| {
            assert!(d.entry.is_unreadable(), "{d:?}");
            (
                d.entry.last_error().unwrap_or_default().to_owned(),
                d.entry.delivery().body().to_vec(),
            )
        })
        .collect();
    reasons.sort();
    assert!(
        reasons[0].0.contains("could not be read") && reasons[0].0.contains("format tag"),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|(_, body)| body == b"garbage"),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|(_, body)| body == b"\x00held by a dead worker"),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|(e, _)| e.contains("no `d` field")),
        "{reasons:?}"
    );
    // They stay dead letters: requeued, they would only be set aside again.
    assert!(!r.requeue_dead(&dead[0].id).await.expect("requeue"));
    assert_eq!(r.requeue_all_dead().await.expect("requeue all"), 0);
    assert_eq!(r.queue_stats().await.unwrap().dead, 3);
    let _ = held;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_for_replicas_answers_202_once_they_confirm_and_503_when_they_do_not() {
    if !redis_binaries("queue_wait_replicas") {
        return;
    }
    let primary = RedisServer::start();
    let mut replica = RedisServer::start_replica_of(primary.port());
    support::wait_for_replicas(primary.port(), 1);
    let conn = connect(&primary.url()).await.expect("connect");
    assert_eq!(
        RedisQueue::new(conn.clone()).durability().await.unwrap(),
        Durability::Protected {
            aof: false,
            replicas: 1
        }
    );
    let one = receiver(
        fast(QueueConfig::new(
            RedisQueue::new(conn.clone())
                .named("one")
                .wait_for_replicas(1, Duration::from_millis(1500)),
        ))
        .enqueue_deadline(Duration::from_secs(3)),
    );
    let two = receiver(
        fast(QueueConfig::new(
            RedisQueue::new(conn.clone())
                .named("two")
                .wait_for_replicas(2, Duration::from_millis(300)),
        ))
        .enqueue_deadline(Duration::from_secs(3)),
    );
    // One replica confirms: 202, without waiting out the timeout.
    let started = Instant::now();
    assert_queued(&send(&one, "msg_confirmed", "{}").await, "one replica");
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "{:?}",
        started.elapsed()
    );
    let stream = RedisQueue::new(conn.clone()).named("one").stream_key(0);
    let copied = support::raw_command(replica.port(), &format!("XLEN {stream}"));
    assert_eq!(copied.as_deref(), Some(":1\r\n"), "on the replica");
    // Two required, one there: 503 after the wait; the entry is on the
    // primary, so the sender's retry is a duplicate.
    let answer = send(&two, "msg_unconfirmed", "{}").await;
    assert_eq!(answer.status(), 503, "{answer:?}");
    assert_eq!(json(&answer)["code"], "store_unavailable");
    assert!(answer.retry_after().is_some_and(|s| s > 0));
    assert_duplicate(&send(&two, "msg_unconfirmed", "{}").await, "the retry");
    // The replica gone: one required, none confirms.
    replica.kill();
    let answer = send(&one, "msg_no_replica", "{}").await;
    assert_eq!(answer.status(), 503, "{answer:?}");
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// The log lines the workers write when they start on `server`, captured.
/// The runtime has one thread, so the workers' tasks log to this test's
/// subscriber.
async fn durability_log(server: &RedisServer) -> String {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let conn = connect(&server.url()).await.expect("connect");
    let r = receiver(fast(QueueConfig::new(RedisQueue::new(conn))));
    let w = workers(&r, &Arc::new(Recorder::default()));
    let deadline = Instant::now() + Duration::from_secs(5);
    // Whatever it says, the first line the pool logs is about durability.
    while !captured.text().contains("hookgate::queue::pool") {
        assert!(
            Instant::now() < deadline,
            "nothing logged: {}",
            captured.text()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    w.shutdown(Duration::from_secs(1)).await;
    captured.text()
}

#[tokio::test]
async fn the_workers_warn_when_nothing_protects_the_queue() {
    if !redis_binaries("queue_durability_warning") {
        return;
    }
    let unprotected = RedisServer::start();
    let log = durability_log(&unprotected).await;
    assert!(
        log.contains("WARN") && log.contains("neither AOF nor replicas"),
        "{log}"
    );
    let persistent = RedisServer::start_persistent();
    let log = durability_log(&persistent).await;
    assert!(!log.contains("neither AOF nor replicas"), "{log}");
    assert!(
        log.contains("the queue is protected") && log.contains("aof=true"),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sharded_queue_handles_each_delivery_once() {
    let Some(q) = queue("sharded").await else {
        return;
    };
    let q = q.shards(4);
    let r = receiver(fast(QueueConfig::new(q.clone())));
    let recorder = Arc::new(Recorder::default());
    for i in 0..40 {
        assert_queued(&send(&r, &format!("msg_{i}"), "{}").await, "send");
    }
    let used: std::collections::HashSet<u32> = (0..40)
        .map(|i| q.shard_of(&format!("hookgate:msg:msg_{i}")))
        .collect();
    assert_eq!(used.len(), 4, "40 keys spread over the 4 shards: {used:?}");
    let w = workers(&r, &recorder);
    recorder
        .wait_for(Duration::from_secs(10), "all handled", |a| a.len() >= 40)
        .await;
    w.shutdown(Duration::from_secs(5)).await;
    let successes = recorder.successes();
    assert_eq!(successes.len(), 40);
    assert!(successes.values().all(|&n| n == 1), "{successes:?}");
    // Marked done on every shard (the workers write successes in batches):
    // only a done marker can be forgotten.
    for i in 0..40 {
        assert!(
            r.forget_message(&format!("msg_{i}")).await.unwrap(),
            "msg_{i} not marked done"
        );
    }
    let stats = r.queue_stats().await.unwrap();
    assert_eq!(stats.ready + stats.running, 0, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_enqueues_of_one_key_make_one_entry() {
    let Some(q) = queue("concurrent_enqueue").await else {
        return;
    };
    // Four receivers (as four replicas would be) on one queue.
    let receivers: Vec<_> = (0..4)
        .map(|_| receiver(fast(QueueConfig::new(q.clone()))))
        .collect();
    let (headers, body) = signed("msg_contended", "{}");
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..64 {
        let r = receivers[i % 4].clone();
        let (headers, body) = (headers.clone(), body.clone());
        sends.spawn(async move { send_raw(&r, &headers, body).await });
    }
    let mut queued = 0;
    while let Some(answer) = sends.join_next().await {
        let answer = answer.unwrap();
        match answer.status().as_u16() {
            202 => queued += 1,
            200 => assert_duplicate(&answer, "contended"),
            _ => panic!("unexpected answer: {answer:?}"),
        }
    }
    assert_eq!(queued, 1, "exactly one enqueue wins");
    let stats = receivers[0].queue_stats().await.unwrap();
    assert_eq!(stats.ready, 1, "one entry for one key: {stats:?}");
    // And it is handled once.
    let recorder = Arc::new(Recorder::default());
    let w = workers(&receivers[1], &recorder);
    recorder
        .wait_for(Duration::from_secs(5), "handled", |a| a.len() == 1)
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    w.shutdown(Duration::from_secs(5)).await;
    assert_eq!(recorder.attempts().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_workers_entry_is_reclaimed_after_the_visibility_timeout() {
    let Some(q) = queue("reclaim").await else {
        return;
    };
    let visibility = Duration::from_millis(1500);
    let r = receiver(fast(QueueConfig::new(q.clone())).visibility_timeout(visibility));
    assert_queued(&send(&r, "msg_orphan", "{}").await, "send");
    // A worker takes the entry and dies: it never extends nor settles it.
    let taken = q.take("a-worker-that-dies", 10).await.unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].attempt, 1);
    let died = Instant::now();
    let recorder = Arc::new(Recorder::default());
    let w = workers(&r, &recorder);
    recorder
        .wait_for(Duration::from_secs(10), "reclaimed", |a| a.len() == 1)
        .await;
    let after = died.elapsed();
    w.shutdown(Duration::from_secs(5)).await;
    assert!(
        after >= visibility,
        "taken over before the timeout: {after:?}"
    );
    assert!(after < visibility + Duration::from_secs(2), "{after:?}");
    let mine = recorder.of("msg_orphan");
    assert_eq!(
        mine[0].attempt, 2,
        "the dead worker's try counts as an attempt"
    );
    // The dead worker's late settle finds nothing to act on.
    q.retry_later(&taken[0].receipt, &taken[0].entry, Duration::ZERO)
        .await
        .unwrap();
    let stats = wait_stats(&r, Duration::from_secs(2), "settled", |s| s.running == 0).await;
    assert_eq!(stats.scheduled + stats.ready, 0, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_handler_keeps_its_entry_past_the_visibility_timeout() {
    let Some(q) = queue("extend").await else {
        return;
    };
    let r = receiver(fast(QueueConfig::new(q)).visibility_timeout(Duration::from_millis(600)));
    let recorder = Arc::new(Recorder::default());
    // Two pools: the second must not take over the first's live entry.
    let w1 = workers(&r, &recorder);
    let w2 = workers(&r, &recorder);
    assert_queued(&send(&r, "msg_slow", r#"{"sleep_ms":2000}"#).await, "send");
    recorder
        .wait_for(Duration::from_secs(10), "handled", |a| !a.is_empty())
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    w1.shutdown(Duration::from_secs(5)).await;
    w2.shutdown(Duration::from_secs(5)).await;
    assert_eq!(
        recorder.of("msg_slow").len(),
        1,
        "{:?}",
        recorder.attempts()
    );
    assert_eq!(recorder.of("msg_slow")[0].attempt, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shared_server_reports_its_durability() {
    let Some(q) = queue("durability").await else {
        return;
    };
    // Whatever the shared server's settings, the answer is a definite one:
    // the test server allows CONFIG GET.
    let d = q.durability().await.unwrap();
    assert!(
        matches!(d, Durability::Protected { .. } | Durability::Unprotected),
        "{d:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_crash_answers_503_and_workers_resume_losing_nothing() {
    if !redis_binaries("queue_redis_crash") {
        return;
    }
    let mut server = RedisServer::start_persistent();
    let conn = connect(&server.url()).await.expect("connect");
    let q = RedisQueue::new(conn);
    assert!(matches!(
        q.durability().await.unwrap(),
        Durability::Protected { aof: true, .. }
    ));
    let r = receiver(fast(QueueConfig::new(q)));
    let before: Vec<String> = (0..10).map(|i| format!("msg_before_{i}")).collect();
    for id in &before {
        assert_queued(&send(&r, id, "{}").await, id);
    }
    server.kill();
    let started = Instant::now();
    let answer = send(&r, "msg_during", "{}").await;
    assert_eq!(answer.status(), 503, "{answer:?}");
    assert!(answer.retry_after().is_some_and(|s| s > 0));
    assert_eq!(json(&answer)["code"], "store_unavailable");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // Workers started while Redis is down pause, then resume by themselves.
    let recorder = Arc::new(Recorder::default());
    let w = workers(&r, &recorder);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(recorder.attempts().is_empty());
    server.restart();
    recorder
        .wait_for(
            Duration::from_secs(15),
            "every acknowledged delivery handled",
            |a| {
                before
                    .iter()
                    .all(|id| a.iter().any(|x| &x.id == id && x.succeeded))
            },
        )
        .await;
    // The sender's retry of the refused one is queued now, and handled.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answer = send(&r, "msg_during", "{}").await;
        if answer.status() == 202 {
            break;
        }
        assert!(Instant::now() < deadline, "still refused: {answer:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    recorder
        .wait_for(Duration::from_secs(10), "the retried one handled", |a| {
            a.iter().any(|x| x.id == "msg_during")
        })
        .await;
    w.shutdown(Duration::from_secs(5)).await;
    let successes = recorder.successes();
    assert!(successes.values().all(|&n| n == 1), "{successes:?}");
    assert_eq!(successes.len(), 11);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_started_while_redis_is_down_answers_503_then_recovers() {
    if !redis_binaries("queue_redis_lazy") {
        return;
    }
    let mut server = RedisServer::start_persistent();
    server.kill();
    let r = receiver(fast(QueueConfig::new(RedisQueue::new(
        connect_lazy(&server.url()).expect("lazy connection"),
    ))));
    let answer = send(&r, "msg_early", "{}").await;
    assert_eq!(answer.status(), 503, "{answer:?}");
    server.restart();
    let deadline = Instant::now() + Duration::from_secs(15);
    while send(&r, "msg_early", "{}").await.status() != 202 {
        assert!(Instant::now() < deadline, "never recovered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `used_memory` of the server on `port`, in bytes.
fn used_memory(port: u16) -> u64 {
    let info = support::raw_command(port, "INFO memory").unwrap_or_default();
    info.lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no used_memory in {info:?}"))
}

/// A Reducto job event of exactly `size` bytes for message `id`.
fn event_of_size(id: &str, size: usize) -> Vec<u8> {
    let head = format!(r#"{{"status":"Completed","job_id":"job_{id}","metadata":{{"pad":""#);
    let mut body = head.into_bytes();
    body.resize(size - 3, b'x');
    body.extend_from_slice(b"\"}}");
    assert_eq!(body.len(), size);
    body
}

/// Redis memory per queued delivery of a `body`-byte event on a fresh
/// private server run with `config` (`CONFIG SET` pairs): `used_memory`
/// before and after queueing `n` deliveries with Svix-length message ids,
/// divided by `n`, after a warm-up that sizes the key table and the stream.
async fn bytes_per_queued_delivery(body: usize, config: &[(&str, &str)], n: usize) -> u64 {
    let server = RedisServer::start();
    for (k, v) in config {
        let reply = support::raw_command(server.port(), &format!("CONFIG SET {k} {v}"));
        assert!(
            reply.is_some_and(|r| r.starts_with("+OK")),
            "CONFIG SET {k} {v}"
        );
    }
    let conn = connect(&server.url()).await.expect("connect");
    let r = receiver(fast(QueueConfig::new(RedisQueue::new(conn))));
    let run = rand::random::<u32>();
    // A Svix message id: `msg_` and 27 characters.
    let id_of = |phase: &str, i: usize| format!("msg_{run:08x}{phase}{i:018}");
    let send_one = |id: String| {
        let r = r.clone();
        async move {
            let (headers, payload) = signed_body(&id, event_of_size(&id, body));
            assert_queued(&send_raw(&r, &headers, payload).await, "send");
        }
    };
    // 1000 keys: the key table has 1024 slots, so the n measured ones pay
    // their share of its growth, as keys do on average.
    for i in 0..1000 {
        send_one(id_of("w", i)).await;
    }
    let before = used_memory(server.port());
    for i in 0..n {
        send_one(id_of("m", i)).await;
    }
    let after = used_memory(server.port());
    after.saturating_sub(before) / n as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_kib_costs_at_most_the_body_plus_300_bytes() {
    if !redis_binaries("queue_memory") {
        return;
    }
    // A 1 KiB delivery at Redis's defaults (`stream-node-max-bytes 4096`).
    let per_entry = bytes_per_queued_delivery(1024, &[], 2000).await;
    eprintln!(
        "redis memory per queued 1024 B delivery, defaults: {per_entry} B (body + {})",
        per_entry as i64 - 1024
    );
    assert!(
        per_entry <= 1024 + 300,
        "{per_entry} B per queued 1024 B delivery at Redis's defaults"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn larger_stream_nodes_keep_every_size_near_one_kib_under_the_body_plus_300_bytes() {
    if !redis_binaries("queue_memory_nodes") {
        return;
    }
    // At the defaults each 4 KiB stream node holds three entries of about
    // 1 KiB, and how much of its allocation is left unused depends on their
    // size (jemalloc rounds 3–3.5 KiB up to 3.5 KiB, 3.5–4 KiB up to 4 KiB):
    // measured body + 274 to body + 359 over these sizes, the worst just past
    // a rounding step (1115 B). With 64 KiB nodes the rounding is spread over
    // ~50 entries: about body + 180 at every size (docs/queue.md, "Memory").
    for body in [1000, 1024, 1115, 1200] {
        let default = bytes_per_queued_delivery(body, &[], 2000).await;
        let large =
            bytes_per_queued_delivery(body, &[("stream-node-max-bytes", "65536")], 2000).await;
        eprintln!(
            "redis memory per queued {body} B delivery: body + {} at the defaults, body + {} with stream-node-max-bytes 65536",
            default as i64 - body as i64,
            large as i64 - body as i64
        );
        assert!(
            default <= body as u64 + 380,
            "{default} B per queued {body} B delivery at the defaults"
        );
        assert!(
            large <= body as u64 + 300,
            "{large} B per queued {body} B delivery with 64 KiB stream nodes"
        );
    }
}

/// A Redis queue's own settings are refused by `build()`, typed, before any
/// connection is made (the lazy connection never reaches a server here).
#[tokio::test]
async fn redis_queue_settings_are_refused_by_build() {
    use hookgate::queue::QueueConfigError;
    use hookgate::{BuildError, Receiver};
    let conn = || connect_lazy("redis://127.0.0.1:1/").expect("lazy connection");
    let braced = Receiver::builder()
        .secret(SECRET)
        .queue(QueueConfig::new(RedisQueue::new(conn()).named("q{1}")))
        .build()
        .unwrap_err();
    assert!(
        matches!(&braced, BuildError::Queue(QueueConfigError::NameBrace(name)) if name == "q{1}"),
        "{braced:?}"
    );
    let no_shards = Receiver::builder()
        .secret(SECRET)
        .queue(QueueConfig::new(RedisQueue::new(conn()).shards(0)))
        .build()
        .unwrap_err();
    assert!(
        matches!(no_shards, BuildError::Queue(QueueConfigError::NoShards)),
        "{no_shards:?}"
    );
}
