//! [`RedisJobRegistry`]: known job ids in Redis, shared by every replica.

use std::time::Duration;

use ::redis::aio::ConnectionLike;

use super::{backend, millis, tagged};
use crate::idempotency::StoreError;
use crate::jobs::JobRegistry;
use crate::key::escaped;

/// A [`JobRegistry`] in Redis: one key per job id (`<prefix>{<escaped job id>}`) with
/// the registration TTL.
#[derive(Clone)]
pub struct RedisJobRegistry<C> {
    conn: C,
    prefix: String,
}

impl<C> std::fmt::Debug for RedisJobRegistry<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisJobRegistry")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl<C> RedisJobRegistry<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// Default key prefix: `hookgate:known-job:`.
    pub const DEFAULT_PREFIX: &'static str = "hookgate:known-job:";

    /// A registry on `conn` with the default prefix.
    pub fn new(conn: C) -> Self {
        Self {
            conn,
            prefix: Self::DEFAULT_PREFIX.to_owned(),
        }
    }

    /// Uses `prefix` before every key, outside the hash tag (it must not contain
    /// `{` or `}`).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The Redis key for a job id: the id escaped as dedupe keys are (see
    /// `docs/redis.md`), so an id holding `{` or `}` keeps its own hash tag.
    pub fn redis_key(&self, job_id: &str) -> String {
        tagged(&self.prefix, &escaped(job_id))
    }
}

#[async_trait::async_trait]
impl<C> JobRegistry for RedisJobRegistry<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    async fn register(&self, job_id: &str, ttl: Duration) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        ::redis::cmd("SET")
            .arg(self.redis_key(job_id))
            .arg(1)
            .arg("PX")
            .arg(millis(ttl))
            .query_async::<()>(&mut conn)
            .await
            .map_err(backend)
    }

    async fn is_known(&self, job_id: &str) -> Result<bool, StoreError> {
        let mut conn = self.conn.clone();
        let n: i64 = ::redis::cmd("EXISTS")
            .arg(self.redis_key(job_id))
            .query_async(&mut conn)
            .await
            .map_err(backend)?;
        Ok(n == 1)
    }

    async fn forget(&self, job_id: &str) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        ::redis::cmd("DEL")
            .arg(self.redis_key(job_id))
            .query_async::<()>(&mut conn)
            .await
            .map_err(backend)
    }
}
