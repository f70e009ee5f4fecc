//! Running the built `hookgate` binary, and the example receiver it talks to.
#![allow(dead_code)] // each test file uses a different subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use hookgate_conformance::ReceiverProcess;

pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const OTHER_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

/// What one run of the binary printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code and returns stdout.
    pub fn expect(&self, code: i32) -> &str {
        assert_eq!(
            self.code,
            Some(code),
            "stdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        &self.stdout
    }
}

fn finish(out: Output) -> Run {
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hookgate"));
    cmd.args(args)
        .env_remove("HOOKGATE_SECRET")
        .env_remove("HOOKGATE_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Runs `hookgate ARGS` with empty standard input.
pub fn hookgate(args: &[&str]) -> Run {
    finish(
        command(args)
            .stdin(Stdio::null())
            .output()
            .expect("the hookgate binary runs"),
    )
}

/// Runs `hookgate ARGS` off the test's thread (for tests on a runtime).
pub async fn hookgate_async(args: Vec<String>) -> Run {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        hookgate(&args)
    })
    .await
    .expect("the run finished")
}

/// The example receiver binary, built beside `hookgate` by
/// `cargo test --workspace` (or `cargo build -p hookgate-examples`).
pub fn receiver_bin(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_hookgate")).with_file_name(name);
    assert!(
        path.exists(),
        "{} is not built; run `cargo build -p hookgate-examples --bin {name}` (cargo test --workspace builds it)",
        path.display()
    );
    path
}

/// `axum-receiver` started with `env`.
pub async fn axum_receiver(env: &[(&str, &str)]) -> ReceiverProcess {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    ReceiverProcess::start(&receiver_bin("axum-receiver"), &env)
        .await
        .expect("axum-receiver starts")
}

/// A file in a fresh temporary directory of this test process.
pub fn temp_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hookgate-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}
