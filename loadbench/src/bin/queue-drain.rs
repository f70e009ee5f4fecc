//! How fast queue mode's workers drain a Redis queue, against the least any
//! consumer of the same stream does.
//!
//! `queue-drain [entries=20000] [rounds=3] [workers=4]`
//!
//! Each round fills a fresh queue (one shard) on `REDIS_URL` (default
//! `redis://127.0.0.1:6379/`) with `entries` signed 1 KiB deliveries through
//! queue mode's request path, then drains the same entries twice:
//!
//! 1. **bare**: one loop on one connection, `XREADGROUP GROUP bare … COUNT
//!    <workers> STREAMS <stream> >` then one `XACK` of the ids it got, until
//!    the stream is exhausted (its own consumer group, so the entries stay for
//!    the next step);
//! 2. **hookgate**: `Receiver::start_workers` with `workers` workers and a
//!    no-op handler (the typed `JobEvent` is parsed, as always), timed from
//!    the start until every entry was handled and settled (removed from the
//!    stream, key marked done).
//!
//! and, on a second queue filled the same way, **floor**: one loop doing the
//! Redis work hookgate does per entry with nothing around it — `XREADGROUP
//! COUNT <workers>`, decode each entry and parse its `JobEvent`, then one
//! pipeline of `XACK`, `XDEL` and a done marker (`SET … PX`) per entry.
//!
//! Prints one line per drain and round — with the CPU time this process and,
//! when `REDIS_PID` names it, the Redis server spent per entry — then the
//! median of the per-round ratios hookgate ÷ bare. Everything a round wrote
//! is deleted at its end.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hookgate::queue::{QueueConfig, Queued};
use hookgate::redis::{connect, ConnectionManager, RedisQueue};
use hookgate::{JobEvent, Receiver};

use hookgate::adapter::{Admission, HeaderList, Inbound};
use hookgate_loadbench::redis_keys::delete_keys;
use hookgate_loadbench::{event_body, signed_headers, SECRET};

/// An `XREADGROUP` reply: per stream, its entries' ids and fields.
type ReadReply = Vec<(String, Vec<(String, Vec<(String, Vec<u8>)>)>)>;

fn arg(args: &[String], i: usize, default: usize) -> usize {
    args.get(i).and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let entries = arg(&args, 1, 20_000);
    let rounds = arg(&args, 2, 3);
    let workers = arg(&args, 3, 4);
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
    let conn = connect(&url).await.expect("connect to Redis");
    println!(
        "queue-drain: {entries} entries of 1 KiB per round, {workers} workers vs XREADGROUP COUNT {workers} + XACK, {rounds} rounds, {url}"
    );
    let mut ratios = Vec::new();
    let mut floor_ratios = Vec::new();
    for round in 1..=rounds {
        let name = format!("bench:drain:{}:{round}", std::process::id());
        let queue = RedisQueue::new(conn.clone()).named(name.clone());
        let receiver = Receiver::builder()
            .secret(SECRET)
            .key_prefix(format!("bench:drain:{}:", std::process::id()))
            .done_ttl(Duration::from_secs(15 * 60))
            .queue(QueueConfig::new(queue.clone()).workers(workers))
            .build()
            .expect("receiver");
        fill(&receiver, entries, round).await;
        let stream = queue.stream_key(0);

        let cpu = Cpu::start(entries);
        let bare = bare_drain(conn.clone(), &stream, workers).await;
        let bare_cpu = cpu.per_entry();
        assert_eq!(bare.0, entries, "the bare loop read every entry");
        let bare_rate = entries as f64 / bare.1.as_secs_f64();
        println!(
            "round {round}: bare XREADGROUP+XACK  {bare_rate:>8.0} entries/s  ({entries} in {:.2} s; {bare_cpu})",
            bare.1.as_secs_f64()
        );

        let cpu = Cpu::start(entries);
        let took = hookgate_drain(&receiver, entries).await;
        let hookgate_cpu = cpu.per_entry();
        let rate = entries as f64 / took.as_secs_f64();
        println!(
            "round {round}: hookgate {workers} workers   {rate:>8.0} entries/s  ({entries} in {:.2} s; {hookgate_cpu})",
            took.as_secs_f64()
        );
        let ratio = rate / bare_rate;
        delete_keys(conn.clone(), &format!("{{{name}:*")).await;

        let floor_name = format!("{name}:floor");
        let floor_queue = RedisQueue::new(conn.clone()).named(floor_name.clone());
        let floor_receiver = Receiver::builder()
            .secret(SECRET)
            .key_prefix(format!("bench:drain:{}:", std::process::id()))
            .queue(QueueConfig::new(floor_queue.clone()))
            .build()
            .expect("receiver");
        fill(&floor_receiver, entries, round).await;
        let cpu = Cpu::start(entries);
        let floor = floor_drain(conn.clone(), &floor_queue, workers).await;
        let floor_cpu = cpu.per_entry();
        assert_eq!(floor.0, entries, "the floor read every entry");
        let floor_rate = entries as f64 / floor.1.as_secs_f64();
        println!(
            "round {round}: floor (same Redis work) {floor_rate:>8.0} entries/s  ({entries} in {:.2} s; {floor_cpu})",
            floor.1.as_secs_f64()
        );
        delete_keys(conn.clone(), &format!("{{{floor_name}:*")).await;
        let to_floor = rate / floor_rate;
        println!("round {round}: hookgate / bare = {ratio:.2}, hookgate / floor = {to_floor:.2}");
        ratios.push(ratio);
        floor_ratios.push(to_floor);
    }
    for (what, mut ratios) in [("bare", ratios), ("floor", floor_ratios)] {
        let list: Vec<String> = ratios.iter().map(|r| format!("{r:.2}")).collect();
        ratios.sort_by(f64::total_cmp);
        println!(
            "median of per-round ratios hookgate / {what}: {:.2} ({})",
            ratios[(ratios.len() - 1) / 2],
            list.join(", ")
        );
    }
}

/// The least a consumer keeping hookgate's guarantees does, in one loop:
/// read `batch` entries, decode them and parse their event, then acknowledge,
/// delete and mark them done in one pipeline. Returns how many it read and how
/// long it took.
async fn floor_drain(
    mut conn: ConnectionManager,
    queue: &RedisQueue<ConnectionManager>,
    batch: usize,
) -> (usize, Duration) {
    let stream = queue.stream_key(0);
    create_group(&mut conn, &stream, "floor").await;
    let started = Instant::now();
    let mut read = 0;
    loop {
        let reply = read_group(&mut conn, &stream, "floor", batch).await;
        let entries: Vec<(String, Vec<u8>)> = reply
            .into_iter()
            .flatten()
            .flat_map(|(_, entries)| entries)
            .filter_map(|(id, fields)| fields.into_iter().next().map(|(_, v)| (id, v)))
            .collect();
        if entries.is_empty() {
            break;
        }
        read += entries.len();
        let mut pipe = redis::pipe();
        let ids: Vec<&str> = entries.iter().map(|(id, _)| id.as_str()).collect();
        pipe.cmd("XACK")
            .arg(&stream)
            .arg("floor")
            .arg(&ids)
            .ignore();
        pipe.cmd("XDEL").arg(&stream).arg(&ids).ignore();
        for (_, bytes) in entries {
            let entry =
                hookgate::queue::QueueEntry::from_bytes(Bytes::from(bytes)).expect("an entry");
            let event: JobEvent = entry.delivery().event().expect("a job event");
            std::hint::black_box(&event.job_id);
            pipe.cmd("SET")
                .arg(queue.marker_key(entry.key()))
                .arg(2)
                .arg("PX")
                .arg(900_000)
                .ignore();
        }
        let () = pipe.query_async(&mut conn).await.expect("pipeline");
    }
    (read, started.elapsed())
}

/// User + system CPU time of a process, in clock ticks (`/proc/<pid>/stat`).
fn cpu_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the name (which ends with the last `)`): state is the
    // first, utime and stime the 12th and 13th.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// CPU spent by this process and by Redis (`REDIS_PID`) over a phase.
struct Cpu {
    entries: usize,
    own: Option<u64>,
    redis: Option<u64>,
}

impl Cpu {
    fn redis_pid() -> Option<String> {
        std::env::var("REDIS_PID").ok().filter(|p| !p.is_empty())
    }

    fn start(entries: usize) -> Self {
        Self {
            entries,
            own: cpu_ticks("self"),
            redis: Self::redis_pid().and_then(|p| cpu_ticks(&p)),
        }
    }

    /// `cpu µs/entry: here X, redis Y`.
    fn per_entry(&self) -> String {
        // Clock ticks are 1/100 s on Linux.
        let us = |before: Option<u64>, after: Option<u64>| match (before, after) {
            (Some(b), Some(a)) => format!("{:.1}", (a - b) as f64 * 10_000.0 / self.entries as f64),
            _ => "-".to_owned(),
        };
        format!(
            "cpu µs/entry: here {}, redis {}",
            us(self.own, cpu_ticks("self")),
            us(self.redis, Self::redis_pid().and_then(|p| cpu_ticks(&p)))
        )
    }
}

/// Queues `n` signed 1 KiB deliveries through the request path (64 at once).
async fn fill(receiver: &Receiver, n: usize, round: usize) {
    let body = Bytes::from(event_body(1024));
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..64 {
        let (receiver, body, next) = (receiver.clone(), body.clone(), next.clone());
        tasks.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return;
                }
                let id = format!("msg_drain_{}_{round}_{i}", std::process::id());
                let mut headers = HeaderList::new();
                for (k, v) in signed_headers(&id, &body) {
                    headers = headers.with(k, v);
                }
                let answer = match receiver
                    .admit(Inbound {
                        headers: &headers,
                        body: body.clone(),
                        peer: None,
                    })
                    .await
                {
                    Admission::Respond(a) => a,
                    Admission::Proceed(..) => panic!("queue mode answers every delivery"),
                };
                assert_eq!(answer.status(), 202, "{answer:?}");
            }
        });
    }
    while let Some(t) = tasks.join_next().await {
        t.expect("fill task");
    }
}

/// One consumer loop: `XREADGROUP … COUNT batch`, then `XACK` of those ids,
/// until nothing is left. Returns how many it read and how long it took.
async fn bare_drain(mut conn: ConnectionManager, stream: &str, batch: usize) -> (usize, Duration) {
    create_group(&mut conn, stream, "bare").await;
    let started = Instant::now();
    let mut read = 0;
    loop {
        let reply = read_group(&mut conn, stream, "bare", batch).await;
        let ids: Vec<String> = reply
            .into_iter()
            .flatten()
            .flat_map(|(_, entries)| entries.into_iter().map(|(id, _)| id))
            .collect();
        if ids.is_empty() {
            break;
        }
        read += ids.len();
        let _: i64 = redis::cmd("XACK")
            .arg(stream)
            .arg("bare")
            .arg(&ids)
            .query_async(&mut conn)
            .await
            .expect("XACK");
    }
    (read, started.elapsed())
}

/// Starts the workers with a no-op handler and waits until `n` entries were
/// handled and settled.
async fn hookgate_drain(receiver: &Receiver, n: usize) -> Duration {
    let handled = Arc::new(AtomicUsize::new(0));
    let counter = handled.clone();
    let started = Instant::now();
    let workers = receiver
        .start_workers(move |job: Queued<JobEvent>| {
            std::hint::black_box(&job.event.job_id);
            counter.fetch_add(1, Ordering::Relaxed);
            async { Ok::<(), std::convert::Infallible>(()) }
        })
        .expect("workers");
    while handled.load(Ordering::Relaxed) < n {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // The last completions are settling.
    loop {
        let stats = receiver.queue_stats().await.expect("stats");
        if stats.ready == 0 && stats.running == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let took = started.elapsed();
    workers.shutdown(Duration::from_secs(5)).await;
    assert_eq!(
        handled.load(Ordering::Relaxed),
        n,
        "each entry handled once"
    );
    took
}

/// Creates consumer group `group` on `stream`, reading from the start.
async fn create_group(conn: &mut ConnectionManager, stream: &str, group: &str) {
    let _: () = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(stream)
        .arg(group)
        .arg("0")
        .query_async(conn)
        .await
        .expect("XGROUP CREATE");
}

/// Up to `batch` new entries for consumer `c` of `group`.
async fn read_group(
    conn: &mut ConnectionManager,
    stream: &str,
    group: &str,
    batch: usize,
) -> Option<ReadReply> {
    redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg(group)
        .arg("c")
        .arg("COUNT")
        .arg(batch)
        .arg("STREAMS")
        .arg(stream)
        .arg(">")
        .query_async(conn)
        .await
        .expect("XREADGROUP")
}
