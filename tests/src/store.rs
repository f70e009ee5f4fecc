//! Which store a receiver under test uses, and the Redis availability policy:
//! outside CI an unreachable Redis skips with a printed note; under `CI=true`
//! it fails.

use std::time::Duration;

/// The store an example receiver is started with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Store {
    /// In memory (`REDIS_URL` unset).
    Memory,
    /// Redis at this URL (`REDIS_URL` set).
    Redis(String),
}

impl Store {
    /// The Redis URL tests use: `REDIS_URL`, default `redis://127.0.0.1:6379/`.
    pub fn redis_url() -> String {
        std::env::var("REDIS_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| "redis://127.0.0.1:6379/".to_owned())
    }

    /// Redis at [`Store::redis_url`], if it answers `PING`.
    ///
    /// When it does not: under `CI=true` this panics (a Redis test must fail,
    /// never skip, in CI); otherwise it prints a note and returns `None`, and
    /// the caller skips.
    pub async fn redis_or_skip() -> Option<Self> {
        let url = Self::redis_url();
        match ping(&url).await {
            Ok(()) => Some(Self::Redis(url)),
            Err(e) if in_ci() => panic!("Redis at {url} is required under CI=true: {e}"),
            Err(e) => {
                eprintln!("note: skipping a Redis test: Redis at {url} is unreachable ({e})");
                None
            }
        }
    }

    /// The environment entries this store adds.
    pub fn env(&self) -> Vec<(String, String)> {
        match self {
            Self::Memory => Vec::new(),
            Self::Redis(url) => vec![("REDIS_URL".to_owned(), url.clone())],
        }
    }

    /// Whether this is Redis.
    pub fn is_redis(&self) -> bool {
        matches!(self, Self::Redis(_))
    }
}

/// Whether the tests run under CI (`CI=true`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Connects to Redis (hookgate's `connect` asks the server its version, a
/// full round trip), within 3 s.
pub async fn ping(url: &str) -> Result<(), String> {
    match tokio::time::timeout(Duration::from_secs(3), hookgate::redis::connect(url)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer within 3 s".to_owned()),
    }
}
