//! Helpers for the Redis integration tests (included by each `redis_*.rs` test
//! as `mod support`): where the shared Redis is, unique key prefixes, and
//! private `redis-server` processes and clusters that clean up after
//! themselves, even when a test fails.
//!
//! Under `CI=true` nothing is skipped: an unreachable Redis or a missing
//! `redis-server` / `redis-cli` fails the test. Outside CI such a test prints a
//! note and returns early.
#![cfg(feature = "redis")]
#![allow(dead_code)]

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hookgate::redis::{connect, ConnectionManager};
use hookgate::{Answer, Receiver, Secret};

use hookgate::adapter::{Admission, HeaderList, Inbound};

/// The shared server when `REDIS_URL` is unset.
pub const DEFAULT_URL: &str = "redis://127.0.0.1:6379/";

/// The secret every test receiver and sender uses.
pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Whether this is a CI run (`CI=true`), where nothing may be skipped.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// `REDIS_URL`, or [`DEFAULT_URL`].
pub fn redis_url() -> String {
    std::env::var("REDIS_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_URL.to_owned())
}

/// Skips (outside CI) or fails (under CI) a test for `reason`. Returns `None`
/// so callers can `let Some(x) = … else { return };`.
pub fn skip<T>(test: &str, reason: &str) -> Option<T> {
    assert!(
        !in_ci(),
        "{test}: {reason}; under CI=true Redis tests must run (run .ci/ensure-redis first)"
    );
    // Written to the process's stderr directly, so the test harness's output
    // capture does not hide the note.
    let _ = writeln!(
        std::io::stderr(),
        "note: skipping {test}: {reason} (set CI=true to make this a failure)"
    );
    None
}

/// A connection to the shared Redis at [`redis_url`], or `None` after a note
/// when it cannot be reached outside CI.
pub async fn shared_redis(test: &str) -> Option<ConnectionManager> {
    let url = redis_url();
    match tokio::time::timeout(Duration::from_secs(10), connect(&url)).await {
        Ok(Ok(conn)) => Some(conn),
        Ok(Err(e)) => skip(test, &format!("cannot reach Redis at {url}: {e} ({e:?})")),
        Err(_) => skip(test, &format!("Redis at {url} did not answer within 10 s")),
    }
}

/// Whether `redis-server` and `redis-cli` can be run; `false` after a note
/// outside CI, a panic under CI.
pub fn redis_binaries(test: &str) -> bool {
    for bin in ["redis-server", "redis-cli"] {
        let ok = Command::new(bin)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return skip::<()>(test, &format!("`{bin}` is not installed")).is_some();
        }
    }
    true
}

/// A key prefix no other test (or earlier run) uses.
pub fn unique_prefix(test: &str) -> String {
    format!("hgtest:{test}:{:016x}:", rand::random::<u64>())
}

/// Seconds since the Unix epoch, for signing.
pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A signed delivery for message `id`, as a sender sends it now.
pub fn signed_delivery(id: &str) -> (HeaderList, Vec<u8>) {
    let body =
        format!(r#"{{"status":"Completed","job_id":"job_{id}","metadata":{{}}}}"#).into_bytes();
    let now = now_unix();
    let sig = Secret::parse(SECRET)
        .expect("the test secret parses")
        .sign(id, now, &body);
    let headers = HeaderList::new()
        .with("svix-id", id)
        .with("svix-timestamp", now.to_string())
        .with("svix-signature", sig);
    (headers, body)
}

/// Admits a signed delivery for message `id`.
pub async fn admit(receiver: &Receiver, id: &str) -> Admission {
    let (headers, body) = signed_delivery(id);
    receiver
        .admit(Inbound {
            headers: &headers,
            body: body.into(),
            peer: None,
        })
        .await
}

/// The answer's JSON `code` (or `"received"` for a 2xx acknowledgement).
pub fn code(answer: &Answer) -> String {
    let v: serde_json::Value =
        serde_json::from_slice(answer.body()).expect("answers are JSON objects");
    match v.get("code").and_then(|c| c.as_str()) {
        Some(c) => c.to_owned(),
        None if v.get("received").is_some() => "received".to_owned(),
        None => panic!("answer without a code: {v}"),
    }
}

/// A loopback port `p` that is free now, with `p + 10000` (a cluster node's bus
/// port) free too.
pub fn free_port() -> u16 {
    for _ in 0..500 {
        let port = rand::random_range(20_000..45_000u16);
        let free = |p: u16| TcpListener::bind((Ipv4Addr::LOCALHOST, p)).is_ok();
        if free(port) && free(port + 10_000) {
            return port;
        }
    }
    panic!("no free loopback port pair found in 500 tries");
}

/// Sends one inline command to a server on `port` and returns the raw reply
/// (`None` when the server does not answer).
pub fn raw_command(port: u16, command: &str) -> Option<String> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(300)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_millis(500)))
        .ok()?;
    stream.write_all(format!("{command}\r\n").as_bytes()).ok()?;
    let mut reply = Vec::new();
    let mut buf = [0u8; 4096];
    // Enough for a short reply; stops at the read time-out or when the server
    // has sent a complete line-terminated answer.
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                reply.extend_from_slice(&buf[..n]);
                if complete_reply(&reply) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    (!reply.is_empty()).then(|| String::from_utf8_lossy(&reply).into_owned())
}

/// Whether `reply` holds one whole simple or bulk RESP reply.
fn complete_reply(reply: &[u8]) -> bool {
    let Some(first_line_end) = reply.windows(2).position(|w| w == b"\r\n") else {
        return false;
    };
    if reply[0] != b'$' {
        return true;
    }
    let Some(len) = std::str::from_utf8(&reply[1..first_line_end])
        .ok()
        .and_then(|l| l.parse::<i64>().ok())
    else {
        return true;
    };
    len < 0 || reply.len() >= first_line_end + 2 + len as usize + 2
}

/// A private temporary directory, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new empty directory under the system's temporary directory.
    pub fn new(label: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "hookgate-{label}-{}-{:016x}",
            std::process::id(),
            rand::random::<u64>()
        ));
        std::fs::create_dir_all(&dir).expect("create a temporary directory");
        Self(dir)
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A `redis-server` process of this test on a loopback port, with no
/// persistence. Killed (and its directory removed) on drop, so a failing
/// assertion cannot leave it running.
pub struct RedisServer {
    port: u16,
    cluster: bool,
    aof: bool,
    replica_of: Option<u16>,
    child: Option<Child>,
    dir: TempDir,
}

impl RedisServer {
    /// Starts a standalone server on a free port and waits until it answers.
    pub fn start() -> Self {
        Self::start_on(free_port(), false)
    }

    /// Starts a server on `port` (`cluster`: with cluster mode on) and waits
    /// until it answers `PING`.
    pub fn start_on(port: u16, cluster: bool) -> Self {
        let mut server = Self {
            port,
            cluster,
            aof: false,
            replica_of: None,
            child: None,
            dir: TempDir::new(&format!("redis-{port}")),
        };
        server.restart();
        server
    }

    /// Starts a standalone server with an append-only file synced on every
    /// write, so a SIGKILL and restart (same directory) loses nothing.
    pub fn start_persistent() -> Self {
        let port = free_port();
        let mut server = Self {
            port,
            cluster: false,
            aof: true,
            replica_of: None,
            child: None,
            dir: TempDir::new(&format!("redis-aof-{port}")),
        };
        server.restart();
        server
    }

    /// Starts a standalone server without persistence that replicates the
    /// server on `primary` (`--replicaof`), and waits until it answers (not
    /// until the link is up: see [`wait_for_replicas`]).
    pub fn start_replica_of(primary: u16) -> Self {
        let port = free_port();
        let mut server = Self {
            port,
            cluster: false,
            aof: false,
            replica_of: Some(primary),
            child: None,
            dir: TempDir::new(&format!("redis-replica-{port}")),
        };
        server.restart();
        server
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends `signal` (`STOP`, `CONT`, …) to the server with `kill -<signal>`:
    /// `STOP` freezes it with its sockets open, as a hung server would.
    pub fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("the server is running").id();
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(pid.to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} {pid} failed");
    }

    /// (Re)starts the server on the same port and waits until it answers.
    pub fn restart(&mut self) {
        self.kill();
        let log = std::fs::File::create(self.dir.path().join("redis.log"))
            .expect("create the server's log file");
        let mut cmd = Command::new("redis-server");
        cmd.arg("--port")
            .arg(self.port.to_string())
            .args(["--bind", "127.0.0.1", "--save", ""])
            .args(if self.aof {
                ["--appendonly", "yes", "--appendfsync", "always"].as_slice()
            } else {
                ["--appendonly", "no"].as_slice()
            })
            .arg("--dir")
            .arg(self.dir.path());
        if let Some(primary) = self.replica_of {
            cmd.args(["--replicaof", "127.0.0.1"])
                .arg(primary.to_string());
        }
        if self.cluster {
            cmd.args(["--cluster-enabled", "yes", "--cluster-config-file"])
                .arg(self.dir.path().join("nodes.conf"))
                .args(["--cluster-node-timeout", "5000"]);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone the log handle"))
            .stderr(log)
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if raw_command(self.port, "PING").is_some_and(|r| r.starts_with("+PONG")) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let log = std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default();
        self.kill();
        panic!(
            "redis-server on port {} did not answer PING within 10 s; its log:\n{log}",
            self.port
        );
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits (at most 15 s) until the server on `primary` reports `n` connected
/// replicas, each with its initial sync done.
pub fn wait_for_replicas(primary: u16, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let info = raw_command(primary, "INFO replication").unwrap_or_default();
        let online = info
            .lines()
            .filter(|l| l.starts_with("slave") && l.contains("state=online"))
            .count();
        if online >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{online} of {n} replicas online after 15 s: {info}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A 3-master Redis Cluster of this test on loopback ports, torn down on drop.
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
}

impl RedisCluster {
    /// Starts three cluster-mode servers, joins them with
    /// `redis-cli --cluster create`, and waits for `cluster_state:ok` on each.
    pub fn start() -> Self {
        let mut nodes = Vec::new();
        for _ in 0..3 {
            let port = loop {
                let p = free_port();
                if nodes.iter().all(|n: &RedisServer| n.port().abs_diff(p) > 1) {
                    break p;
                }
            };
            nodes.push(RedisServer::start_on(port, true));
        }
        let cluster = Self { nodes };
        let out = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(
                cluster
                    .nodes
                    .iter()
                    .map(|n| format!("127.0.0.1:{}", n.port())),
            )
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdin(Stdio::null())
            .output()
            .expect("run redis-cli --cluster create");
        assert!(
            out.status.success(),
            "redis-cli --cluster create failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        for node in &cluster.nodes {
            loop {
                let info = raw_command(node.port(), "CLUSTER INFO").unwrap_or_default();
                if info.contains("cluster_state:ok") {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "node {} not ok within 30 s: {info}",
                    node.port()
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        cluster
    }

    /// `redis://127.0.0.1:<port>/` of each node.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }

    /// The nodes' ports.
    pub fn ports(&self) -> Vec<u16> {
        self.nodes.iter().map(RedisServer::port).collect()
    }
}
