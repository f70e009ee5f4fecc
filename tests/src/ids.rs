//! Unique message and job ids, so runs sharing one Redis never collide (the
//! example receivers' key prefix is not configurable by environment).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh id `"{prefix}_{pid}_{nanos}_{n}"`, unique across processes and runs.
///
/// ```
/// let a = hookgate_conformance::unique_id("msg");
/// let b = hookgate_conformance::unique_id("msg");
/// assert_ne!(a, b);
/// assert!(a.starts_with("msg_"));
/// ```
pub fn unique_id(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}_{}_{nanos:x}_{n}", std::process::id())
}

/// Unix seconds now.
pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
