//! A private `redis-server` on a free loopback port, for tests that stop Redis
//! (never the shared one). Killed on drop.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Why a private Redis could not be started.
#[derive(Debug, thiserror::Error)]
pub enum RedisServerError {
    /// No free port.
    #[error("cannot find a free loopback port: {0}")]
    Port(#[source] std::io::Error),
    /// `redis-server` is not installed or did not start.
    #[error("cannot start redis-server (is it installed?): {0}")]
    Spawn(#[source] std::io::Error),
    /// It started but did not answer in time.
    #[error("redis-server on port {0} did not answer within 5 s")]
    NotReady(u16),
}

/// A `redis-server` child process on `127.0.0.1:<port>`.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
}

impl RedisServer {
    /// Starts one (no persistence) and waits until it accepts connections.
    pub async fn start() -> Result<Self, RedisServerError> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(RedisServerError::Port)?
            .port();
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(RedisServerError::Spawn)?;
        let server = Self {
            child: Some(child),
            port,
        };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(5) {
            if crate::store::ping(&server.url()).await.is_ok() {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(RedisServerError::NotReady(port))
    }

    /// `redis://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Kills it (the port stays unused: connections are refused).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
