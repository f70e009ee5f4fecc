//! A receiver binary running as a child process: started with an environment
//! map, its address read from the `listening on <addr>` line, killed on drop.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};

/// How long a binary may take to print its `listening on` line or to exit.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a receiver process did not start as expected.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// The binary could not be spawned.
    #[error("cannot spawn {bin}: {source}")]
    Spawn {
        /// The binary.
        bin: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// It exited before printing `listening on`.
    #[error("{bin} exited ({status}) before listening; stderr:\n{stderr}")]
    Exited {
        /// The binary.
        bin: PathBuf,
        /// Its exit status.
        status: ExitStatus,
        /// What it wrote to stderr.
        stderr: String,
    },
    /// It printed something else first, or nothing in time.
    #[error("{bin} did not print `listening on <addr>` within {START_TIMEOUT:?} (first line: {line:?}); stderr:\n{stderr}")]
    NoAddress {
        /// The binary.
        bin: PathBuf,
        /// The first stdout line, if any.
        line: Option<String>,
        /// What it wrote to stderr so far.
        stderr: String,
    },
    /// It kept running where it should have exited.
    #[error("{bin} was expected to exit but is still running after {START_TIMEOUT:?}")]
    StillRunning {
        /// The binary.
        bin: PathBuf,
    },
}

/// A running receiver binary. Killed when dropped.
#[derive(Debug)]
pub struct ReceiverProcess {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
}

/// How a binary ended when it was expected to exit.
#[derive(Debug, Clone)]
pub struct Exit {
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// What it printed to stdout.
    pub stdout: String,
    /// What it printed to stderr.
    pub stderr: String,
}

fn command(wrapper: &[&str], bin: &Path, env: &[(String, String)]) -> Command {
    let mut cmd = match wrapper.split_first() {
        None => Command::new(bin),
        Some((program, args)) => {
            let mut cmd = Command::new(program);
            cmd.args(args).arg(bin);
            cmd
        }
    };
    // A clean environment: only what the case sets (plus PATH for the loader
    // and a quiet log filter unless the case sets one).
    cmd.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    cmd.env("RUST_LOG", "warn");
    cmd.env("BIND", "127.0.0.1:0");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// Copies a stream into a shared buffer (bounded to the last 64 KiB) until EOF.
fn drain(stream: impl AsyncRead + Unpin + Send + 'static, into: Arc<Mutex<String>>) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let mut buf = into
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            buf.push_str(&line);
            buf.push('\n');
            if buf.len() > 64 * 1024 {
                let cut = buf.len() - 32 * 1024;
                let cut = (cut..buf.len())
                    .find(|i| buf.is_char_boundary(*i))
                    .unwrap_or(0);
                buf.drain(..cut);
            }
        }
    });
}

fn text(buf: &Arc<Mutex<String>>) -> String {
    buf.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

impl ReceiverProcess {
    /// Starts `bin` with `BIND=127.0.0.1:0`, `RUST_LOG=warn` and `env` (which
    /// may override both), and waits for its `listening on <addr>` line.
    pub async fn start(bin: &Path, env: &[(String, String)]) -> Result<Self, ProcessError> {
        Self::start_via(&[], bin, env).await
    }

    /// Like [`start`](Self::start), with `bin` run through `wrapper` (the
    /// command is `wrapper[0] wrapper[1..] bin`), e.g. `["ip", "netns", "exec",
    /// "NS"]` to run it in a network namespace. The wrapper must exec `bin`, so
    /// that killing the child stops the receiver.
    pub async fn start_via(
        wrapper: &[&str],
        bin: &Path,
        env: &[(String, String)],
    ) -> Result<Self, ProcessError> {
        let mut child =
            command(wrapper, bin, env)
                .spawn()
                .map_err(|source| ProcessError::Spawn {
                    bin: bin.to_owned(),
                    source,
                })?;
        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(err) = child.stderr.take() {
            drain(err, stderr.clone());
        }
        let Some(out) = child.stdout.take() else {
            return Err(ProcessError::NoAddress {
                bin: bin.to_owned(),
                line: None,
                stderr: text(&stderr),
            });
        };
        let mut lines = BufReader::new(out).lines();
        let first = tokio::time::timeout(START_TIMEOUT, lines.next_line()).await;
        let line = match first {
            Ok(Ok(Some(line))) => line,
            Ok(_) => {
                // EOF: the process is exiting.
                let status = tokio::time::timeout(START_TIMEOUT, child.wait()).await;
                // Give the stderr drain a moment to finish.
                tokio::time::sleep(Duration::from_millis(50)).await;
                return match status {
                    Ok(Ok(status)) => Err(ProcessError::Exited {
                        bin: bin.to_owned(),
                        status,
                        stderr: text(&stderr),
                    }),
                    _ => Err(ProcessError::NoAddress {
                        bin: bin.to_owned(),
                        line: None,
                        stderr: text(&stderr),
                    }),
                };
            }
            Err(_) => {
                return Err(ProcessError::NoAddress {
                    bin: bin.to_owned(),
                    line: None,
                    stderr: text(&stderr),
                })
            }
        };
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|a| a.trim().parse::<SocketAddr>().ok());
        let Some(addr) = addr else {
            return Err(ProcessError::NoAddress {
                bin: bin.to_owned(),
                line: Some(line),
                stderr: text(&stderr),
            });
        };
        // Keep draining stdout so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self {
            child,
            addr,
            stderr,
        })
    }

    /// Runs `bin` with `env` expecting it to exit by itself (a configuration
    /// error), and returns how it ended.
    pub async fn expect_exit(bin: &Path, env: &[(String, String)]) -> Result<Exit, ProcessError> {
        let mut cmd = command(&[], bin, env);
        cmd.kill_on_drop(true);
        let child = cmd.spawn().map_err(|source| ProcessError::Spawn {
            bin: bin.to_owned(),
            source,
        })?;
        match tokio::time::timeout(START_TIMEOUT, child.wait_with_output()).await {
            Ok(Ok(out)) => Ok(Exit {
                code: out.status.code(),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            }),
            Ok(Err(source)) => Err(ProcessError::Spawn {
                bin: bin.to_owned(),
                source,
            }),
            Err(_) => Err(ProcessError::StillRunning {
                bin: bin.to_owned(),
            }),
        }
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What it has written to stderr so far (the last 32–64 KiB).
    pub fn stderr(&self) -> String {
        text(&self.stderr)
    }

    /// Whether it is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends it SIGTERM (through `kill -TERM`) and waits up to `within` for it
    /// to exit; returns its exit code (`None`: killed by a signal). A process
    /// still running after `within` is killed and reported as an error.
    pub async fn terminate(mut self, within: Duration) -> Result<Option<i32>, String> {
        let pid = self.child.id().ok_or("the process has already exited")?;
        let sent = tokio::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .await
            .map_err(|e| format!("cannot run `kill`: {e}"))?;
        if !sent.success() {
            return Err(format!("`kill -TERM {pid}` failed: {sent}"));
        }
        match tokio::time::timeout(within, self.child.wait()).await {
            Ok(Ok(status)) => Ok(status.code()),
            Ok(Err(e)) => Err(format!("cannot wait for the process: {e}")),
            Err(_) => {
                let _ = self.child.kill().await;
                Err(format!("still running {within:?} after SIGTERM"))
            }
        }
    }

    /// Stops it (SIGKILL) and waits for it.
    pub async fn kill(mut self) {
        let _ = self.child.kill().await;
    }
}
