//! `hookgate queue stats|dead|requeue|forget` against real Redis: a queue-mode
//! example receiver (`WEBHOOK_QUEUE=redis`) whose handler fails on purpose
//! (`fail_attempts`), and a sharded queue with its own key prefix built
//! through the core. Outside CI an unreachable Redis skips with a note; under
//! `CI=true` it fails.

mod support;

use std::future::Future;
use std::time::{Duration, Instant};

use hookgate::queue::{Backoff, QueueConfig, Queued};
use hookgate::redis::{connect, RedisQueue};
use hookgate::testing::TestDelivery;
use hookgate::{JobEvent, Receiver};

use hookgate::adapter::{Admission, Inbound};
use hookgate_conformance::unique_id;
use serde_json::Value;
use support::{axum_receiver, hookgate, hookgate_async, owned, redis_or_skip, Run, SECRET};

/// Polls `check` every 50 ms until it holds, for at most 15 s.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "not within 15 s: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `hookgate ARGS` off the test's thread.
async fn run(args: &[&str]) -> Run {
    hookgate_async(owned(args)).await
}

/// `hookgate --json ARGS`: exit code and the JSON printed.
async fn json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let run = run(&all).await;
    let v = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", run.stdout, run.stderr));
    (run.code.unwrap(), v)
}

/// `hookgate --json queue stats` on `target`.
async fn stats(target: &[&str]) -> Value {
    let mut args = vec!["queue", "stats"];
    args.extend_from_slice(target);
    let (code, v) = json(&args).await;
    assert_eq!(code, 0, "{v}");
    v
}

/// `hookgate --json queue dead` on `target`: the dead letters.
async fn dead(target: &[&str]) -> Vec<Value> {
    let mut args = vec!["queue", "dead"];
    args.extend_from_slice(target);
    let (code, v) = json(&args).await;
    assert_eq!(code, 0, "{v}");
    v["dead_letters"].as_array().cloned().unwrap()
}

/// `hookgate queue SUB… TARGET…`, text output.
async fn queue_cmd(sub: &[&str], target: &[&str]) -> Run {
    let mut args = vec!["queue"];
    args.extend_from_slice(sub);
    args.extend_from_slice(target);
    run(&args).await
}

/// The example receiver's `GET /events`.
async fn events(base: &str) -> Vec<Value> {
    let v: Value = reqwest::get(format!("{base}/events"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v.as_array().cloned().unwrap_or_default()
}

/// The attempts that succeeded for message `id`, in `GET /events`.
async fn handled(base: &str, id: &str) -> Vec<u64> {
    events(base)
        .await
        .iter()
        .filter(|e| e["id"] == id)
        .map(|e| e["attempt"].as_u64().unwrap())
        .collect()
}

/// `hookgate --json send URL --secret SECRET ARGS…`: the `status code` answers.
async fn send(url: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["send", url, "--secret", SECRET];
    args.extend_from_slice(extra);
    let (code, v) = json(&args).await;
    assert_eq!(code, 0, "{v}");
    v["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            format!(
                "{} {}",
                a["status"].as_str().unwrap(),
                a["code"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_dead_requeue_forget_on_a_queue_mode_receiver() {
    let Some(redis) = redis_or_skip("stats_dead_requeue_forget_on_a_queue_mode_receiver").await
    else {
        return;
    };
    let name = unique_id("hgcli_queue");
    let receiver = axum_receiver(&[
        ("WEBHOOK_SECRET", SECRET),
        ("WEBHOOK_QUEUE", "redis"),
        ("REDIS_URL", &redis),
        ("QUEUE_NAME", &name),
        ("QUEUE_MAX_ATTEMPTS", "1"),
        ("QUEUE_RETRY_BASE_MS", "100"),
        ("QUEUE_RETRY_MAX_MS", "200"),
    ])
    .await;
    let base = receiver.base_url();
    let url = format!("{base}/webhook/reducto");
    let target = ["--redis", redis.as_str(), "--queue-name", name.as_str()];

    // One delivery whose first attempt fails (and, with one attempt allowed,
    // goes dead), one that succeeds.
    let doomed = unique_id("msg");
    let fine = unique_id("msg");
    let fail_once = ["--id", doomed.as_str(), "--job-id", "job_doomed"];
    let mut doomed_args = fail_once.to_vec();
    doomed_args.extend(["--metadata", "fail_attempts=1"]);
    assert_eq!(send(&url, &doomed_args).await, ["202 queued"]);
    assert_eq!(send(&url, &["--id", fine.as_str()]).await, ["202 queued"]);
    eventually("one dead letter, nothing waiting", || async move {
        let s = stats(&target).await;
        s["dead"] == 1 && s["ready"] == 0 && s["running"] == 0 && s["scheduled"] == 0
    })
    .await;
    let (base, doomed, fine) = (base.as_str(), doomed.as_str(), fine.as_str());
    assert_eq!(handled(base, fine).await, [1]);
    assert!(handled(base, doomed).await.is_empty());

    let text = queue_cmd(&["stats"], &target).await;
    let out = text.expect(0);
    assert!(out.contains("dead       1\n"), "{out}");
    assert!(out.contains("ready      0\n"), "{out}");

    let letters = dead(&target).await;
    assert_eq!(letters.len(), 1, "{letters:?}");
    let letter = &letters[0];
    assert_eq!(letter["message_id"], doomed);
    assert_eq!(letter["key"], format!("hookgate:msg:{doomed}"));
    assert_eq!(letter["job_id"], "job_doomed");
    assert_eq!(letter["status"], "Completed");
    assert_eq!(letter["attempts"], 1);
    assert_eq!(letter["last_error"], "fail_attempts: attempt 1 fails");
    let dead_id = letter["dead_id"].as_str().unwrap().to_owned();
    assert!(dead_id.starts_with("0-"), "{dead_id}");
    let text = queue_cmd(&["dead"], &target).await;
    let out = text.expect(0);
    assert!(out.starts_with("1 dead letter\n"), "{out}");
    assert!(out.contains(&format!("\n{dead_id}\n")), "{out}");
    assert!(out.contains(&format!("  message   {doomed}\n")), "{out}");
    assert!(
        out.contains("  job       job_doomed (Completed)\n"),
        "{out}"
    );
    assert!(
        out.contains("  error     fail_attempts: attempt 1 fails\n"),
        "{out}"
    );

    // Requeued, its second attempt (counted over its life) succeeds.
    let requeued = queue_cmd(&["requeue", dead_id.as_str()], &target).await;
    assert_eq!(requeued.expect(0), format!("requeued {dead_id}\n"));
    eventually("the requeued delivery handled", || async move {
        handled(base, doomed).await == [2]
    })
    .await;
    let s = stats(&target).await;
    assert_eq!(
        (s["dead"].as_u64(), s["ready"].as_u64()),
        (Some(0), Some(0))
    );
    // Gone from the dead letters: nothing to requeue (exit 1).
    let again = queue_cmd(&["requeue", dead_id.as_str()], &target).await;
    again.expect(1);
    assert!(
        again.stderr.contains("is not a dead letter"),
        "{}",
        again.stderr
    );

    // Processed, so the sender's replay is a duplicate until forgotten.
    assert_eq!(send(&url, &fail_once).await, ["200 duplicate"]);
    let (code, v) = json(&[
        "queue",
        "forget",
        doomed,
        "--redis",
        &redis,
        "--queue-name",
        &name,
    ])
    .await;
    assert_eq!(
        (code, v),
        (0, serde_json::json!({"id": doomed, "forgotten": true}))
    );
    assert_eq!(send(&url, &fail_once).await, ["202 queued"]);
    eventually("the replay handled again", || async move {
        handled(base, doomed).await.len() == 2
    })
    .await;

    // Another app's key prefix addresses other keys: nothing to forget there.
    let mut other_prefix = target.to_vec();
    other_prefix.extend(["--key-prefix", "otherapp:"]);
    queue_cmd(&["forget", fine], &other_prefix).await.expect(1);
    let forgot = queue_cmd(&["forget", fine], &target).await;
    assert!(forgot.expect(0).starts_with(&format!("forgot {fine}")));
    let nothing = queue_cmd(&["forget", fine], &target).await;
    nothing.expect(1);
    assert!(
        nothing.stderr.contains("no processed delivery"),
        "{}",
        nothing.stderr
    );
}

/// A receiver in queue mode on `queue` with key prefix `app7:`, one attempt
/// per delivery, whose workers fail the first attempt of jobs named `bad…`.
fn sharded_receiver(queue: RedisQueue<hookgate::redis::ConnectionManager>) -> Receiver {
    Receiver::builder()
        .secret(SECRET)
        .key_prefix("app7:")
        .queue(
            QueueConfig::new(queue)
                .max_attempts(1)
                .backoff(Backoff::new(
                    Duration::from_millis(10),
                    Duration::from_millis(20),
                ))
                .poll_interval(Duration::from_millis(20)),
        )
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sharded_queue_with_its_own_key_prefix() {
    let Some(redis) = redis_or_skip("a_sharded_queue_with_its_own_key_prefix").await else {
        return;
    };
    let name = unique_id("hgcli_shards");
    let redis_queue = RedisQueue::new(connect(&redis).await.unwrap())
        .named(name.clone())
        .shards(3);
    let receiver = sharded_receiver(redis_queue.clone());
    let workers = receiver
        .start_workers(|job: Queued<JobEvent>| async move {
            if job.event.job_id.starts_with("bad") && job.attempt == 1 {
                Err(format!("{} failed on purpose", job.event.job_id))
            } else {
                Ok(())
            }
        })
        .unwrap();
    let bad: Vec<String> = (0..6).map(|n| format!("bad_{n}")).collect();
    for id in bad.iter().chain([&"good".to_owned()]) {
        let d = TestDelivery::signed(SECRET)
            .id(id)
            .event(id, "Completed")
            .build();
        let headers = d.header_list();
        let inbound = Inbound {
            headers: &headers,
            body: d.body.clone(),
            peer: None,
        };
        let Admission::Respond(answer) = receiver.admit(inbound).await else {
            panic!("queue mode answers every admitted delivery itself");
        };
        assert_eq!(answer.status(), 202, "{id}");
    }
    let r = &receiver;
    eventually("six dead letters, nothing waiting", || async move {
        let s = r.queue_stats().await.unwrap();
        s.dead == 6 && s.ready + s.running + s.scheduled == 0
    })
    .await;

    let sharded = [
        "--redis",
        redis.as_str(),
        "--queue-name",
        name.as_str(),
        "--shards",
        "3",
    ];
    let one_shard = ["--redis", redis.as_str(), "--queue-name", name.as_str()];
    assert_eq!(stats(&sharded).await["dead"], 6);
    // With the wrong number of shards only shard 0 is read.
    let on_shard_0 = bad
        .iter()
        .filter(|id| redis_queue.shard_of(&format!("app7:msg:{id}")) == 0)
        .count();
    assert!(on_shard_0 < 6, "the six keys spread over the shards");
    assert_eq!(stats(&one_shard).await["dead"], on_shard_0);

    let letters = dead(&sharded).await;
    let mut seen: Vec<(String, u32)> = letters
        .iter()
        .map(|l| {
            let dead_id = l["dead_id"].as_str().unwrap();
            let shard = dead_id.split_once('-').unwrap().0.parse().unwrap();
            (l["key"].as_str().unwrap().to_owned(), shard)
        })
        .collect();
    seen.sort();
    let expected: Vec<(String, u32)> = bad
        .iter()
        .map(|id| {
            let key = format!("app7:msg:{id}");
            let shard = redis_queue.shard_of(&key);
            (key, shard)
        })
        .collect();
    assert_eq!(seen, expected, "each letter on its key's shard");
    assert!(
        letters
            .iter()
            .all(|l| l["last_error"]
                == format!("{} failed on purpose", l["job_id"].as_str().unwrap()))
    );
    assert_eq!(
        dead(&[&sharded[..], &["--limit", "2"]].concat())
            .await
            .len(),
        2
    );

    let (code, v) = json(&[&["queue", "requeue", "--all"], &sharded[..]].concat()).await;
    assert_eq!((code, v), (0, serde_json::json!({"requeued": 6})));
    eventually("the requeued deliveries handled", || async move {
        let s = r.queue_stats().await.unwrap();
        s.dead == 0 && s.ready + s.running + s.scheduled == 0
    })
    .await;
    let none = queue_cmd(&["requeue", "--all"], &sharded).await;
    assert_eq!(none.expect(0), "requeued 0 dead letters\n");

    // The message id's key is the receiver's: `app7:msg:good`.
    queue_cmd(&["forget", "good"], &sharded).await.expect(1);
    let with_prefix = [&sharded[..], &["--key-prefix", "app7:"]].concat();
    queue_cmd(&["forget", "good"], &with_prefix).await.expect(0);
    queue_cmd(&["forget", "good"], &with_prefix).await.expect(1);
    // A dedupe key as `queue dead` showed it.
    queue_cmd(&["forget", "--key", "app7:msg:bad_0"], &sharded)
        .await
        .expect(0);
    assert!(!receiver.forget_key("app7:msg:bad_0").await.unwrap());

    workers.shutdown(Duration::from_secs(5)).await;
}

#[test]
fn bad_usage_and_an_unreachable_redis() {
    // Nothing listens on port 1: a failure (exit 1), the password unshown.
    let down = hookgate(&[
        "queue",
        "stats",
        "--redis",
        "redis://app:hunter2@127.0.0.1:1/",
    ]);
    down.expect(1);
    assert!(down.stderr.contains("could not connect"), "{}", down.stderr);
    assert!(!down.stderr.contains("hunter2"), "{}", down.stderr);

    let url = "redis://127.0.0.1:1/";
    for (args, says) in [
        (vec!["queue", "stats", "--redis", "not a url"], "--redis"),
        (vec!["queue", "stats"], "--redis"),
        (
            vec!["queue", "requeue", "x-1", "--redis", url],
            "dead-letter id",
        ),
        (vec!["queue", "requeue", "--redis", url], "DEAD_ID"),
        (
            vec!["queue", "requeue", "0-1-0", "--all", "--redis", url],
            "--all",
        ),
        (
            vec!["queue", "stats", "--redis", url, "--queue-name", "a{b}"],
            "{",
        ),
        (
            vec!["queue", "dead", "--redis", url, "--timeout", "0"],
            "--timeout",
        ),
    ] {
        let run = hookgate(&args);
        run.expect(2);
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
    }
}
