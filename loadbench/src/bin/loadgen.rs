//! Sends pre-signed 1 KiB webhook deliveries with unique message ids over
//! keep-alive HTTP/1.1 connections to one address, and prints one result line.
//!
//! `loadgen <addr> <label> [connections=32] [requests=200000] [body=1024]`

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

struct Signed {
    id: String,
    ts: String,
    sig: String,
}

#[derive(Default)]
struct TaskResult {
    latencies_us: Vec<u32>,
    ok: usize,
    other: usize,
    errors: usize,
}

fn arg<T: std::str::FromStr>(args: &[String], i: usize, default: T) -> T {
    args.get(i).and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(addr) = args.get(1).and_then(|a| a.parse::<SocketAddr>().ok()) else {
        eprintln!("usage: loadgen <addr> <label> [connections] [requests] [body-bytes]");
        std::process::exit(2);
    };
    let label = args.get(2).cloned().unwrap_or_else(|| "run".into());
    let connections: usize = arg(&args, 3, 32);
    let requests: usize = arg(&args, 4, 200_000);
    let body_size: usize = arg(&args, 5, 1024);

    let body = Bytes::from(hookgate_loadbench::event_body(body_size));
    let secret = hookgate::Secret::parse(hookgate_loadbench::SECRET).expect("secret");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let run: u64 = rand_run_id();
    // Sign up front so the client spends its time sending, not hashing.
    let signed: Arc<Vec<Signed>> = Arc::new(
        (0..requests)
            .map(|i| {
                let id = format!("msg_{run:x}_{i}");
                let sig = secret.sign(&id, now, &body);
                Signed {
                    id,
                    ts: now.to_string(),
                    sig,
                }
            })
            .collect(),
    );

    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let signed = signed.clone();
            let next = next.clone();
            let body = body.clone();
            tokio::spawn(async move { drive(addr, signed, next, body).await })
        })
        .collect();
    let mut all = TaskResult::default();
    for t in tasks {
        let r = t.await.expect("task");
        all.latencies_us.extend(r.latencies_us);
        all.ok += r.ok;
        all.other += r.other;
        all.errors += r.errors;
    }
    let elapsed = started.elapsed();
    all.latencies_us.sort_unstable();
    let pct = |p: f64| -> u32 {
        if all.latencies_us.is_empty() {
            return 0;
        }
        let i = ((all.latencies_us.len() as f64 - 1.0) * p) as usize;
        all.latencies_us[i]
    };
    let done = all.ok + all.other;
    println!(
        "{label}\t{:.0} req/s\tp50 {} us\tp99 {} us\t2xx {}\tother {}\terrors {}\t({} requests in {:.2} s, {} connections)",
        done as f64 / elapsed.as_secs_f64(),
        pct(0.50),
        pct(0.99),
        all.ok,
        all.other,
        all.errors,
        done,
        elapsed.as_secs_f64(),
        connections
    );
    if all.other > 0 || all.errors > 0 {
        std::process::exit(1);
    }
}

fn rand_run_id() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    nanos ^ u64::from(std::process::id()).rotate_left(32)
}

async fn drive(
    addr: SocketAddr,
    signed: Arc<Vec<Signed>>,
    next: Arc<AtomicUsize>,
    body: Bytes,
) -> TaskResult {
    let mut result = TaskResult::default();
    let Ok(stream) = tokio::net::TcpStream::connect(addr).await else {
        result.errors += 1;
        return result;
    };
    let _ = stream.set_nodelay(true);
    let Ok((mut sender, conn)) =
        hyper::client::conn::http1::handshake::<_, Full<Bytes>>(TokioIo::new(stream)).await
    else {
        result.errors += 1;
        return result;
    };
    tokio::spawn(conn);
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(s) = signed.get(i) else { break };
        let req = http::Request::post(hookgate_loadbench::ROUTE)
            .header("host", "bench")
            .header("content-type", "application/json")
            .header("svix-id", &s.id)
            .header("svix-timestamp", &s.ts)
            .header("svix-signature", &s.sig)
            .body(Full::new(body.clone()));
        let Ok(req) = req else {
            result.errors += 1;
            continue;
        };
        if sender.ready().await.is_err() {
            result.errors += 1;
            break;
        }
        let t = Instant::now();
        match sender.send_request(req).await {
            Ok(res) => {
                let status = res.status();
                let _ = res.into_body().collect().await;
                let us = t.elapsed().min(Duration::from_secs(3600)).as_micros() as u32;
                result.latencies_us.push(us);
                if status.is_success() {
                    result.ok += 1;
                } else {
                    result.other += 1;
                }
            }
            Err(_) => {
                result.errors += 1;
                break;
            }
        }
    }
    result
}
