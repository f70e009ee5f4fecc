//! Queue mode of the example receivers (`WEBHOOK_QUEUE`), black-box: the
//! contract rows every receiver keeps (202 once queued, duplicates, refusals
//! before enqueue, retries with `attempt` in `GET /events`, dead letters and
//! `POST /dead/requeue`, a 202 well before a slow handler ends) and, with
//! Redis, the multi-process properties (several receiver processes share one
//! queue: each delivery handled exactly once; a process killed mid-handler has
//! its delivery finished by another after the visibility timeout).

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::ids::unique_id;
use crate::process::ReceiverProcess;
use crate::request::{client, Reply, Req, Sign};
use crate::store::Store;

/// The secret the queue cases sign with.
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// The visibility timeout the queue cases run with.
pub const VISIBILITY: Duration = Duration::from_millis(2000);

/// The environment of a queue-mode receiver on `store` (its own queue name on
/// a shared Redis), with short retries and `extra` on top.
pub fn queue_env(store: &Store, queue_name: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env = store.env();
    let mode = if store.is_redis() { "redis" } else { "memory" };
    let visibility = VISIBILITY.as_millis().to_string();
    for (k, v) in [
        ("WEBHOOK_SECRET", SECRET),
        ("WEBHOOK_QUEUE", mode),
        ("QUEUE_NAME", queue_name),
        ("QUEUE_MAX_ATTEMPTS", "3"),
        ("QUEUE_RETRY_BASE_MS", "200"),
        ("QUEUE_RETRY_MAX_MS", "1000"),
        ("QUEUE_VISIBILITY_MS", visibility.as_str()),
        ("EVENTS_LIMIT", "100000"),
    ] {
        env.push((k.to_owned(), v.to_owned()));
    }
    for (k, v) in extra {
        env.retain(|(name, _)| name != k);
        env.push(((*k).to_owned(), (*v).to_owned()));
    }
    env
}

/// A signed delivery of a fresh message id with `metadata`; returns it and
/// its id.
pub fn delivery(metadata: Value) -> (Req, String) {
    let id = unique_id("msg");
    let req = Req::job_event(&unique_id("job"), "Completed", metadata)
        .signed(Sign::svix(id.clone(), SECRET));
    (req, id)
}

async fn send(base: &str, req: &Req) -> Result<Reply, String> {
    req.send(&client(), base)
        .await
        .map_err(|e| format!("{} {}: {e}", req.method, req.path))
}

async fn get_json(base: &str, path: &str) -> Result<Value, String> {
    let reply = send(base, &Req::get(path)).await?;
    if reply.status != 200 {
        return Err(format!("GET {path}: {} {}", reply.status, reply.text()));
    }
    Ok(reply.json())
}

fn expect_queued(reply: &Reply, what: &str) -> Result<(), String> {
    if reply.status == 202 && reply.json() == json!({"received": true, "queued": true}) {
        Ok(())
    } else {
        Err(format!(
            "{what}: expected 202 queued, got {} {}",
            reply.status,
            reply.text()
        ))
    }
}

fn expect_duplicate(reply: &Reply, what: &str) -> Result<(), String> {
    if reply.status == 200 && reply.json()["duplicate"] == true {
        Ok(())
    } else {
        Err(format!(
            "{what}: expected 200 duplicate, got {} {}",
            reply.status,
            reply.text()
        ))
    }
}

/// The events `base` recorded for message `id`.
async fn events_of(base: &str, id: &str) -> Result<Vec<Value>, String> {
    let all = get_json(base, "/events").await?;
    Ok(all
        .as_array()
        .map(|a| a.iter().filter(|e| e["id"] == id).cloned().collect())
        .unwrap_or_default())
}

/// Polls until `check` returns `Some`, for at most `limit`.
async fn eventually<T, F, Fut>(limit: Duration, what: &str, mut check: F) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, String>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = check().await? {
            return Ok(v);
        }
        if Instant::now() >= deadline {
            return Err(format!("{what}: not within {limit:?}"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One queue-mode case on one receiver process.
async fn case_queued_then_duplicate(base: &str) -> Result<(), String> {
    let (req, id) = delivery(json!({"user": "u1"}));
    expect_queued(&send(base, &req).await?, "first")?;
    let events = eventually(Duration::from_secs(10), "handled", || async {
        let e = events_of(base, &id).await?;
        Ok((!e.is_empty()).then_some(e))
    })
    .await?;
    let e = &events[0];
    if e["attempt"] != 1 || e["metadata"]["user"] != "u1" || e["status"] != "Completed" {
        return Err(format!("unexpected event: {e}"));
    }
    expect_duplicate(&send(base, &req).await?, "after done")?;
    eventually(Duration::from_secs(5), "queue drained", || async {
        let q = get_json(base, "/queue").await?;
        Ok((q["ready"] == 0 && q["running"] == 0 && q["dead"] == 0).then_some(()))
    })
    .await?;
    if events_of(base, &id).await?.len() != 1 {
        return Err("the duplicate ran the handler again".to_owned());
    }
    Ok(())
}

async fn case_refused_before_enqueue(base: &str) -> Result<(), String> {
    let id = unique_id("msg");
    let malformed =
        Req::json(&json!({"status": "Completed"})).signed(Sign::svix(id.clone(), SECRET));
    let reply = send(base, &malformed).await?;
    if reply.status != 400 || reply.json()["code"] != "malformed_payload" {
        return Err(format!("malformed: {} {}", reply.status, reply.text()));
    }
    let (req, _) = delivery(json!({}));
    let mut forged = req.clone();
    if let Some(sign) = &mut forged.sign {
        sign.secrets = vec!["whsec_dGhpcyBpcyBub3QgdGhlIHNlY3JldA==".to_owned()];
    }
    let reply = send(base, &forged).await?;
    if reply.status != 401 {
        return Err(format!("forged: {} {}", reply.status, reply.text()));
    }
    // Neither marked the id: the proper delivery is queued.
    expect_queued(&send(base, &req).await?, "after the refusals")
}

async fn case_retry_then_success(base: &str) -> Result<(), String> {
    let (req, id) = delivery(json!({"fail_attempts": 2}));
    expect_queued(&send(base, &req).await?, "send")?;
    let e = eventually(
        Duration::from_secs(15),
        "succeeded on attempt 3",
        || async { Ok(events_of(base, &id).await?.into_iter().next()) },
    )
    .await?;
    if e["attempt"] != 3 {
        return Err(format!("expected attempt 3: {e}"));
    }
    Ok(())
}

async fn case_dead_letter_then_requeue(base: &str) -> Result<(), String> {
    let (req, id) = delivery(json!({"fail_attempts": 3}));
    expect_queued(&send(base, &req).await?, "send")?;
    let dead = eventually(Duration::from_secs(15), "a dead letter", || async {
        let dead = get_json(base, "/dead").await?;
        Ok(dead
            .as_array()
            .and_then(|a| a.iter().find(|d| d["id"] == id).cloned()))
    })
    .await?;
    if dead["attempts"] != 3
        || !dead["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("attempt 3"))
        || !dead["job_id"].is_string()
    {
        return Err(format!("unexpected dead letter: {dead}"));
    }
    let q = get_json(base, "/queue").await?;
    if q["dead"].as_u64().unwrap_or(0) < 1 {
        return Err(format!("GET /queue does not count it: {q}"));
    }
    expect_duplicate(&send(base, &req).await?, "while dead")?;
    let reply = send(base, &Req::post("/dead/requeue")).await?;
    if reply.status != 200 || reply.json()["requeued"].as_u64().unwrap_or(0) < 1 {
        return Err(format!("requeue: {} {}", reply.status, reply.text()));
    }
    // Attempts count over its whole life: attempt 4 is past `fail_attempts`.
    let e = eventually(
        Duration::from_secs(15),
        "processed after the requeue",
        || async { Ok(events_of(base, &id).await?.into_iter().next()) },
    )
    .await?;
    if e["attempt"] != 4 {
        return Err(format!("expected attempt 4: {e}"));
    }
    Ok(())
}

async fn case_fast_202_for_a_slow_handler(base: &str) -> Result<(), String> {
    let handler_time = Duration::from_secs(5);
    let limit = Duration::from_millis(100);
    // The first slow delivery finds an idle worker, the second one a worker
    // already busy with the first: neither answer waits for a handler.
    let mut ids = Vec::new();
    for which in ["first", "second"] {
        let (req, id) = delivery(json!({"sleep_ms": handler_time.as_millis() as u64}));
        let started = Instant::now();
        let reply = send(base, &req).await?;
        let answered = started.elapsed();
        expect_queued(&reply, "slow handler")?;
        if answered >= limit {
            return Err(format!(
                "{which}: 202 after {answered:?} for a {handler_time:?} handler (limit {limit:?})"
            ));
        }
        eprintln!("{which} slow delivery: 202 after {answered:?}");
        ids.push(id);
        if which == "first" {
            eventually(Duration::from_secs(5), "the first is running", || async {
                let q = get_json(base, "/queue").await?;
                Ok((q["running"].as_u64().unwrap_or(0) >= 1).then_some(()))
            })
            .await?;
        }
    }
    eventually(
        Duration::from_secs(20),
        "the slow handlers finished",
        || async {
            let mut done = true;
            for id in &ids {
                done &= !events_of(base, id).await?.is_empty();
            }
            Ok(done.then_some(()))
        },
    )
    .await
}

/// The queue-mode rows of the contract, each on a fresh receiver process
/// running `bin` on `store`; panics listing every failing row.
pub async fn run_queue_contract(bin: &Path, store: Store) {
    type Row = for<'a> fn(
        &'a str,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<(), String>> + Send + 'a>,
    >;
    let rows: [(&str, Row); 5] = [
        ("queued_then_duplicate", |b| {
            Box::pin(case_queued_then_duplicate(b))
        }),
        ("refused_before_enqueue", |b| {
            Box::pin(case_refused_before_enqueue(b))
        }),
        ("retry_then_success", |b| {
            Box::pin(case_retry_then_success(b))
        }),
        ("dead_letter_then_requeue", |b| {
            Box::pin(case_dead_letter_then_requeue(b))
        }),
        ("fast_202_for_a_slow_handler", |b| {
            Box::pin(case_fast_202_for_a_slow_handler(b))
        }),
    ];
    let mut failures = Vec::new();
    for (name, row) in rows {
        let env = queue_env(&store, &unique_id("hgtest-queue"), &[]);
        let process = match ReceiverProcess::start(bin, &env).await {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("- {name}: {e}"));
                continue;
            }
        };
        let started = Instant::now();
        match row(&process.base_url()).await {
            Ok(()) => eprintln!("queue case {name}: ok ({:?})", started.elapsed()),
            Err(e) => {
                eprintln!("queue case {name}: FAILED: {e}");
                failures.push(format!(
                    "- {name}: {e}\n  stderr: {}",
                    process.stderr().trim()
                ));
            }
        }
        process.kill().await;
    }
    assert!(
        failures.is_empty(),
        "{} queue-mode rows failed for {} with {store:?}:\n{}",
        failures.len(),
        bin.display(),
        failures.join("\n")
    );
}

/// Two receiver processes × 4 workers on one Redis queue; `deliveries`
/// deliveries, each sent 3 times concurrently to both → each handled
/// successfully exactly once (over both processes' `GET /events`).
pub async fn run_two_processes_exactly_once(bin: &Path, store: Store, deliveries: usize) {
    let env = queue_env(
        &store,
        &unique_id("hgtest-queue"),
        &[("QUEUE_WORKERS", "4")],
    );
    let a = ReceiverProcess::start(bin, &env).await.expect("process A");
    let b = ReceiverProcess::start(bin, &env).await.expect("process B");
    let bases = [a.base_url(), b.base_url()];
    let reqs: Vec<(Req, String)> = (0..deliveries).map(|_| delivery(json!({}))).collect();
    let mut sends = tokio::task::JoinSet::new();
    for (req, _) in &reqs {
        for copy in 0..3 {
            let req = req.clone();
            let base = bases[copy % 2].clone();
            sends.spawn(async move { send(&base, &req).await });
        }
    }
    let mut queued = 0;
    while let Some(reply) = sends.join_next().await {
        let reply = reply.expect("send task").expect("send");
        match reply.status {
            202 => queued += 1,
            200 => expect_duplicate(&reply, "copy").expect("a copy is a duplicate"),
            s => panic!("unexpected answer {s}: {}", reply.text()),
        }
    }
    assert_eq!(
        queued, deliveries,
        "exactly one copy of each delivery is queued"
    );
    let counts = eventually(
        Duration::from_secs(60),
        "every delivery handled",
        || async {
            let mut counts: HashMap<String, usize> = HashMap::new();
            for base in &bases {
                for e in get_json(base, "/events")
                    .await?
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                {
                    if let Some(id) = e["id"].as_str() {
                        *counts.entry(id.to_owned()).or_insert(0) += 1;
                    }
                }
            }
            Ok((counts.len() >= deliveries).then_some(counts))
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\nA: {}\nB: {}", a.stderr(), b.stderr()));
    // Give a late double run the time to show.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for (_, id) in &reqs {
        assert_eq!(
            counts.get(id),
            Some(&1),
            "{id} handled {:?} times",
            counts.get(id)
        );
    }
    let by_a = get_json(&bases[0], "/events")
        .await
        .unwrap()
        .as_array()
        .map_or(0, Vec::len);
    let by_b = get_json(&bases[1], "/events")
        .await
        .unwrap()
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(by_a + by_b, deliveries, "A {by_a} + B {by_b}");
    a.kill().await;
    b.kill().await;
}

/// A process killed (SIGKILL) while its worker runs a handler that hangs:
/// another process finishes that delivery within the visibility timeout + 2 s
/// of the kill. The handler hangs on the first attempt only
/// (`sleep_attempts: 1`), so the limit is the one the queue promises, with no
/// handler time added; the other process starts after the kill, as a
/// replacement would.
pub async fn run_killed_mid_handler(bin: &Path, store: Store) {
    let env = queue_env(&store, &unique_id("hgtest-queue"), &[]);
    let a = ReceiverProcess::start(bin, &env).await.expect("process A");
    let base_a = a.base_url();
    let (req, id) = delivery(json!({"sleep_ms": 60_000, "sleep_attempts": 1}));
    expect_queued(&send(&base_a, &req).await.unwrap(), "send").unwrap();
    eventually(Duration::from_secs(10), "A runs it", || async {
        let q = get_json(&base_a, "/queue").await?;
        Ok((q["running"] == 1).then_some(()))
    })
    .await
    .unwrap();
    a.kill().await;
    let killed = Instant::now();
    let b = ReceiverProcess::start(bin, &env).await.expect("process B");
    let base_b = b.base_url();
    let limit = VISIBILITY + Duration::from_secs(2);
    let e = eventually(limit + Duration::from_secs(5), "B finishes it", || async {
        Ok(events_of(&base_b, &id).await?.into_iter().next())
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\nB: {}", b.stderr()));
    let took = killed.elapsed();
    eprintln!("B finished the killed process's delivery {took:?} after the kill");
    assert!(
        took <= limit,
        "B finished it {took:?} after the kill (limit {limit:?})"
    );
    assert_eq!(e["attempt"], 2, "A's try counts: {e}");
    b.kill().await;
}
