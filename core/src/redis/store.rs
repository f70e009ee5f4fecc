//! [`RedisStore`]: claims in Redis, shared by every replica.
//!
//! One key per delivery. Its value is `f:<token>` while in flight (in-flight
//! TTL) and `d` once done (done TTL). A claim is one round trip
//! (`SET key f:<token> NX PX ttl GET`: absent → set, else the old value says
//! done or in flight). Completing, renewing and releasing are scripts that act
//! only when the stored value is the caller's own token.

use std::time::Duration;

use ::redis::aio::ConnectionLike;
use ::redis::Script;

use super::{backend, millis, tagged};
use crate::idempotency::{ClaimOutcome, ClaimToken, IdempotencyStore, StoreError};

const DONE: &str = "d";

const COMPLETE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0";

const RENEW: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0";

const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0";

/// An [`IdempotencyStore`] in Redis. `C` is any async Redis connection: a
/// `ConnectionManager` (default; reconnects by itself), a
/// `MultiplexedConnection`, or a cluster connection (feature `redis-cluster`).
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use hookgate::redis::{connect, RedisJobRegistry, RedisStore};
/// let conn = connect("redis://127.0.0.1:6379/").await?;
/// let receiver = hookgate::Receiver::builder()
///     .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
///     .store(RedisStore::new(conn.clone()))
///     .job_registry(RedisJobRegistry::new(conn))
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisStore<C> {
    conn: C,
    prefix: String,
    scripts: std::sync::Arc<Scripts>,
}

struct Scripts {
    complete: Script,
    renew: Script,
    release: Script,
}

impl<C> std::fmt::Debug for RedisStore<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl<C> RedisStore<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// A store on `conn`, with no extra key prefix (the receiver's key prefix,
    /// `hookgate:` by default, already namespaces every key).
    pub fn new(conn: C) -> Self {
        Self {
            conn,
            prefix: String::new(),
            scripts: std::sync::Arc::new(Scripts {
                complete: Script::new(COMPLETE),
                renew: Script::new(RENEW),
                release: Script::new(RELEASE),
            }),
        }
    }

    /// Puts `prefix` before every key, outside the hash tag. It must not
    /// contain `{` or `}`: Redis Cluster would take the hash tag from it and
    /// put every key in one slot.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The Redis key for a dedupe key.
    pub fn redis_key(&self, key: &str) -> String {
        tagged(&self.prefix, key)
    }
}

fn in_flight_value(token: ClaimToken) -> String {
    format!("f:{token}")
}

#[async_trait::async_trait]
impl<C> IdempotencyStore for RedisStore<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    async fn claim(
        &self,
        key: &str,
        token: ClaimToken,
        in_flight_ttl: Duration,
    ) -> Result<ClaimOutcome, StoreError> {
        let mut conn = self.conn.clone();
        let previous: Option<String> = ::redis::cmd("SET")
            .arg(self.redis_key(key))
            .arg(in_flight_value(token))
            .arg("NX")
            .arg("PX")
            .arg(millis(in_flight_ttl))
            .arg("GET")
            .query_async(&mut conn)
            .await
            .map_err(backend)?;
        match previous.as_deref() {
            None => Ok(ClaimOutcome::Fresh),
            Some(DONE) => Ok(ClaimOutcome::Done),
            Some(v) if v.starts_with("f:") => Ok(ClaimOutcome::InFlight),
            Some(_) => Err(StoreError::UnexpectedReply(
                "the dedupe key holds a value hookgate did not write",
            )),
        }
    }

    async fn complete(
        &self,
        key: &str,
        token: ClaimToken,
        done_ttl: Duration,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn.clone();
        let n: i64 = self
            .scripts
            .complete
            .key(self.redis_key(key))
            .arg(in_flight_value(token))
            .arg(DONE)
            .arg(millis(done_ttl))
            .invoke_async(&mut conn)
            .await
            .map_err(backend)?;
        Ok(n == 1)
    }

    async fn renew(
        &self,
        key: &str,
        token: ClaimToken,
        in_flight_ttl: Duration,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn.clone();
        let n: i64 = self
            .scripts
            .renew
            .key(self.redis_key(key))
            .arg(in_flight_value(token))
            .arg(millis(in_flight_ttl))
            .invoke_async(&mut conn)
            .await
            .map_err(backend)?;
        Ok(n == 1)
    }

    async fn release(&self, key: &str, token: ClaimToken) -> Result<bool, StoreError> {
        let mut conn = self.conn.clone();
        let n: i64 = self
            .scripts
            .release
            .key(self.redis_key(key))
            .arg(in_flight_value(token))
            .invoke_async(&mut conn)
            .await
            .map_err(backend)?;
        Ok(n == 1)
    }
}
