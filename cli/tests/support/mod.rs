//! Running the built `hookgate` binary, and the example receiver it talks to.
#![allow(dead_code)] // each test file uses a different subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, PoisonError};

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

/// The variables `hookgate` reads; each test sets the ones it means.
const READ_FROM_ENV: [&str; 4] = [
    "HOOKGATE_SECRET",
    "HOOKGATE_TOKEN",
    "REDIS_URL",
    "QUEUE_NAME",
];

fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hookgate"));
    cmd.args(args);
    for name in READ_FROM_ENV {
        cmd.env_remove(name);
    }
    cmd.envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Runs `hookgate ARGS` with empty standard input.
pub fn hookgate(args: &[&str]) -> Run {
    hookgate_env(args, &[])
}

/// Runs `hookgate ARGS` with `env` set (and no other variable it reads).
pub fn hookgate_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    finish(
        command(args, env)
            .output()
            .expect("the hookgate binary runs"),
    )
}

/// Runs `hookgate ARGS` off the test's thread (for tests on a runtime).
pub async fn hookgate_async(args: Vec<String>) -> Run {
    hookgate_env_async(args, Vec::new()).await
}

/// Runs `hookgate ARGS` with `env` off the test's thread.
pub async fn hookgate_env_async(args: Vec<String>, env: Vec<(String, String)>) -> Run {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        hookgate_env(&args, &env)
    })
    .await
    .expect("the run finished")
}

/// Owned strings of `list`.
pub fn owned(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// The example receiver binary `name`, beside `hookgate` in the target
/// directory. `cargo test -p hookgate-cli` builds only this package's
/// binaries, so a missing receiver is built here first
/// (`cargo build -p hookgate-examples --bin NAME`, same target directory and
/// profile); if that fails the panic says what to run.
pub fn receiver_bin(name: &str) -> PathBuf {
    static BUILDING: Mutex<()> = Mutex::new(());
    let path = Path::new(env!("CARGO_BIN_EXE_hookgate")).with_file_name(name);
    // One build per test process; cargo's own lock orders the test binaries.
    let _one_at_a_time = BUILDING.lock().unwrap_or_else(PoisonError::into_inner);
    if !path.exists() {
        build_receiver(name, &path);
    }
    path
}

fn build_receiver(name: &str, path: &Path) {
    let hint = format!(
        "run `cargo build -p hookgate-examples --bin {name}` (with this CARGO_TARGET_DIR) first"
    );
    // <target dir>/<profile dir>/<binary>
    let profile_dir = path.parent().expect("the binary is in a directory");
    let target_dir = profile_dir
        .parent()
        .expect("the profile directory is in the target directory");
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => "dev",
        Some(other) => other,
        None => panic!("{} is not built; {hint}", path.display()),
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!(
        "note: {} is not built; building it (cargo build -p hookgate-examples --bin {name} --profile {profile})",
        path.display()
    );
    let status = Command::new(&cargo)
        .args([
            "build",
            "-p",
            "hookgate-examples",
            "--bin",
            name,
            "--profile",
            profile,
        ])
        .env("CARGO_TARGET_DIR", target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .status();
    match status {
        Ok(s) if s.success() && path.exists() => {}
        Ok(s) if s.success() => panic!(
            "{name} was built, but not at {} (a --target build?); {hint}",
            path.display()
        ),
        Ok(s) => panic!("building {name} failed ({s}); {hint}"),
        Err(e) => panic!("cannot run {}: {e}; {hint}", Path::new(&cargo).display()),
    }
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

/// Whether this is a CI run (`CI=true`), where a Redis test may not skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// The shared Redis the queue tests use: `REDIS_URL`, default
/// `redis://127.0.0.1:6379/`, if hookgate can connect to it within 10 s.
///
/// When it cannot: under `CI=true` the test fails (run `.ci/ensure-redis`
/// first); otherwise it prints a note and the caller returns early.
pub async fn redis_or_skip(test: &str) -> Option<String> {
    let url = std::env::var("REDIS_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "redis://127.0.0.1:6379/".to_owned());
    let reason = match tokio::time::timeout(
        std::time::Duration::from_secs(10),
        hookgate::redis::connect(&url),
    )
    .await
    {
        Ok(Ok(_)) => return Some(url),
        Ok(Err(e)) => format!("cannot reach Redis at {url}: {e}"),
        Err(_) => format!("Redis at {url} did not answer within 10 s"),
    };
    assert!(
        !in_ci(),
        "{test}: {reason}; under CI=true Redis tests must run (run .ci/ensure-redis first)"
    );
    // Straight to the process's stderr: the harness's capture would hide it.
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!("note: skipping {test}: {reason} (set CI=true to make this a failure)\n")
            .as_bytes(),
    );
    None
}
