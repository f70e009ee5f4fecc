//! Redis backends (feature `redis`; `redis-cluster` adds Redis Cluster): a shared
//! [`IdempotencyStore`](crate::IdempotencyStore) and
//! [`JobRegistry`](crate::JobRegistry) for apps running several replicas.
//!
//! Requires Redis 7.0 or newer (or Valkey): a claim is one `SET … NX PX … GET`.
//!
//! Every key of one delivery is wrapped in a hash tag (`{…}`), so in cluster
//! mode all commands for it land in one slot and never raise `CROSSSLOT`.
//!
//! The receiver runs every call under its own deadline (default 1 s): the
//! `redis` crate's `ConnectionManager` alone can block for about 10 s after the
//! server dies. After the server comes back, the same store object reconnects
//! by itself.

mod connect;
mod jobs;
mod store;

#[cfg(feature = "redis-cluster")]
pub use connect::connect_cluster;
pub use connect::{connect, connection_config};
pub use jobs::RedisJobRegistry;
pub use store::RedisStore;

use crate::idempotency::StoreError;

fn backend(err: ::redis::RedisError) -> StoreError {
    StoreError::Backend(Box::new(err))
}

/// `{key}`: the whole key as the hash tag, so one delivery maps to one slot.
fn tagged(prefix: &str, key: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + key.len() + 2);
    out.push_str(prefix);
    out.push('{');
    out.push_str(key);
    out.push('}');
    out
}
