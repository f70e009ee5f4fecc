//! Redis backends (feature `redis`; `redis-cluster` adds Redis Cluster): a shared
//! [`IdempotencyStore`](crate::store::IdempotencyStore) and
//! [`JobRegistry`](crate::store::JobRegistry) for apps running several replicas.
//!
//! Requires Redis 7.0 or newer (or Valkey): a claim is one `SET … NX PX … GET`.
//! [`connect`] checks the server's version and refuses an older one.
//!
//! Every key is wrapped in a hash tag (`{…}`), so in cluster mode each key's
//! slot is decided by the delivery's (or job's) identity alone, and no command
//! ever spans two slots (`CROSSSLOT` cannot happen: every command touches one
//! key).
//!
//! The receiver runs every call under its own deadline (default 1 s): the
//! `redis` crate's `ConnectionManager` alone can block for about 10 s after the
//! server dies. After the server comes back, the same store object reconnects
//! by itself.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use hookgate::redis::{connect, RedisJobRegistry, RedisStore};
//! let conn = connect("redis://127.0.0.1:6379/").await?;
//! let receiver = hookgate::Receiver::builder()
//!     .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
//!     .store(RedisStore::new(conn.clone()))
//!     .job_registry(RedisJobRegistry::new(conn))
//!     .build()?;
//! # Ok(()) }
//! ```

mod connect;
mod jobs;
mod queue;
mod queue_scripts;
mod store;
mod version;

pub use ::redis::aio::ConnectionManager;
#[cfg(feature = "redis-cluster")]
pub use ::redis::cluster_async::ClusterConnection;

#[cfg(feature = "redis-cluster")]
pub use connect::connect_cluster;
pub use connect::{connect, connect_lazy, connection_config};
pub use jobs::RedisJobRegistry;
pub use queue::RedisQueue;
pub use store::RedisStore;
pub use version::{UnsupportedServer, MIN_REDIS_MAJOR};

use std::time::Duration;

use crate::idempotency::StoreError;

fn backend(err: ::redis::RedisError) -> StoreError {
    StoreError::Backend(Box::new(err))
}

/// `<prefix>{key}`: the whole key is the hash tag, so one delivery (or job)
/// maps to one slot whatever the prefix.
fn tagged(prefix: &str, key: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + key.len() + 2);
    out.push_str(prefix);
    out.push('{');
    out.push_str(key);
    out.push('}');
    out
}

/// The longest TTL sent to Redis, in milliseconds (about 146 million years):
/// Redis refuses an expiry whose deadline overflows a signed 64-bit count of
/// milliseconds, so `Duration::MAX` must not reach it as is.
const MAX_TTL_MS: u64 = (i64::MAX / 2) as u64;

/// A TTL in whole milliseconds for `PX`: at least 1 (Redis refuses 0), at most
/// [`MAX_TTL_MS`].
fn millis(d: Duration) -> u64 {
    let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    ms.clamp(1, MAX_TTL_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_hash_tagged() {
        assert_eq!(tagged("", "hookgate:msg:m1"), "{hookgate:msg:m1}");
        assert_eq!(tagged("app:", "k"), "app:{k}");
    }

    #[test]
    fn ttls_are_clamped_to_what_px_accepts() {
        assert_eq!(millis(Duration::ZERO), 1);
        assert_eq!(millis(Duration::from_micros(10)), 1);
        assert_eq!(millis(Duration::from_secs(30)), 30_000);
        assert_eq!(millis(Duration::MAX), MAX_TTL_MS);
    }
}
