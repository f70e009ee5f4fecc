//! [`RedisQueue`]: queue mode's backend on Redis Streams, shared by every
//! replica.
//!
//! Per shard (one by default), four kinds of keys share one hash tag
//! `{<name>:<shard>}`, so each shard lives on one Redis Cluster node and every
//! script touches one slot:
//!
//! * `{…}:stream` — the entries, read through consumer group `hookgate`;
//!   taken entries stay pending until settled, and pending entries idle for
//!   the visibility timeout are taken over (`XAUTOCLAIM`);
//! * `{…}:delayed` — failed entries waiting for their retry (a sorted set by
//!   due time);
//! * `{…}:dead` — dead letters (a stream);
//! * `{…}:m:<digest>` — one marker per delivery: `1` while queued, running,
//!   scheduled or dead, `2` (with the done TTL) once handled. `<digest>` is
//!   the first 128 bits of the SHA-256 of the dedupe key, in unpadded
//!   base64url (22 characters): a fixed, short key whatever the message id's
//!   length ([`marker_key`](RedisQueue::marker_key) computes it).
//!
//! A delivery's shard is a fixed hash of its dedupe key, so its marker and
//! its entry are always on the same shard.
//!
//! Memory: an entry is its [byte form](crate::queue::QueueEntry::to_bytes)
//! in the stream (the body and a header of about 60 bytes), and a marker is
//! one short key whose value Redis shares between all markers (small
//! integers). Redis's `stream-node-max-bytes` decides how much of each
//! stream node's allocation stays unused: `docs/queue.md`, "Memory".

use std::hash::Hasher;
use std::sync::Arc;
use std::time::Duration;

use ::redis::aio::ConnectionLike;
use bytes::Bytes;
use siphasher::sip::SipHasher13;

use super::{backend, millis};
use crate::queue::{
    DeadLetter, DeadLetterId, Durability, Enqueued, QueueBackend, QueueConfigError, QueueEntry,
    QueueError, QueueStats, Receipt, Taken,
};

/// Due retries moved back into the stream per take, at most.
const PROMOTE_MAX: usize = 100;

/// A [`QueueBackend`] on Redis Streams. `C` is any async Redis connection: a
/// `ConnectionManager` (reconnects by itself) or a cluster connection
/// (feature `redis-cluster`).
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use hookgate::queue::QueueConfig;
/// use hookgate::redis::{connect, RedisQueue};
/// let conn = connect("redis://127.0.0.1:6379/").await?;
/// let receiver = hookgate::Receiver::builder()
///     .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
///     .queue(QueueConfig::new(RedisQueue::new(conn).shards(4)))
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisQueue<C> {
    conn: C,
    name: Arc<str>,
    shards: u32,
    group: Arc<str>,
    wait: Option<(u32, Duration)>,
    scripts: Arc<Scripts>,
}

impl<C> std::fmt::Debug for RedisQueue<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisQueue")
            .field("name", &self.name)
            .field("shards", &self.shards)
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}

impl<C> RedisQueue<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// Default queue name: `hookgate:queue`.
    pub const DEFAULT_NAME: &'static str = "hookgate:queue";
    /// The consumer group every worker reads through.
    pub const GROUP: &'static str = "hookgate";

    /// A queue named [`DEFAULT_NAME`](Self::DEFAULT_NAME) on `conn`, one shard.
    pub fn new(conn: C) -> Self {
        Self {
            conn,
            name: Self::DEFAULT_NAME.into(),
            shards: 1,
            group: Self::GROUP.into(),
            wait: None,
            scripts: Arc::new(Scripts::new()),
        }
    }

    /// Names the queue (apps sharing one Redis use different names). It must
    /// not contain `{` or `}` (`build()` refuses it).
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into().into();
        self
    }

    /// Spreads the queue over `n` streams (default 1), each in its own hash
    /// slot, so a Redis Cluster spreads the load over its nodes. Every
    /// replica must use the same `n`: a delivery's shard is a hash of its
    /// dedupe key modulo `n`.
    pub fn shards(mut self, n: u32) -> Self {
        self.shards = n;
        self
    }

    /// After each enqueue, waits (`WAIT`) until `replicas` replicas have the
    /// write, for at most `timeout`; fewer in time answers `503` (the entry is
    /// queued on the primary, and the sender's retry is answered as a
    /// duplicate). Raise the receiver's
    /// [`enqueue_deadline`](crate::queue::QueueConfig::enqueue_deadline) above
    /// `timeout`.
    pub fn wait_for_replicas(mut self, replicas: u32, timeout: Duration) -> Self {
        self.wait = (replicas > 0).then_some((replicas, timeout));
        self
    }

    fn shard_keys(&self, shard: u32) -> ShardKeys {
        ShardKeys {
            tag: format!("{{{}:{shard}}}", self.name),
        }
    }

    /// The shard of a dedupe key: a fixed hash (the same in every process).
    pub fn shard_of(&self, dedupe_key: &str) -> u32 {
        let mut h = SipHasher13::new_with_keys(0, 0);
        h.write(dedupe_key.as_bytes());
        (h.finish() % u64::from(self.shards.max(1))) as u32
    }

    /// The Redis key of a dedupe key's marker: `{<name>:<shard>}:m:` and a
    /// 128-bit digest of the key (so every marker is as short as the
    /// shortest message id would make it).
    pub fn marker_key(&self, dedupe_key: &str) -> String {
        self.shard_keys(self.shard_of(dedupe_key))
            .marker(dedupe_key)
    }

    /// The Redis key of shard `shard`'s stream.
    pub fn stream_key(&self, shard: u32) -> String {
        self.shard_keys(shard).stream()
    }
}

fn store(e: ::redis::RedisError) -> QueueError {
    QueueError::Store(backend(e))
}

/// Whole milliseconds, at most what Redis reads as a signed 64-bit count.
fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).map_or(super::MAX_TTL_MS, |ms| ms.min(super::MAX_TTL_MS))
}

/// The milliseconds part of a stream id (`<ms>-<seq>`).
fn id_ms(id: &str) -> Option<u64> {
    id.split_once('-').and_then(|(ms, _)| ms.parse().ok())
}

#[async_trait::async_trait]
impl<C> QueueBackend for RedisQueue<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    async fn enqueue(&self, entry: &QueueEntry) -> Result<Enqueued, QueueError> {
        let keys = self.shard_keys(self.shard_of(entry.key()));
        let mut conn = self.conn.clone();
        let queued: i64 = self
            .scripts
            .enqueue
            .key(keys.marker(entry.key()))
            .key(keys.stream())
            .arg(entry.to_bytes())
            .invoke_async(&mut conn)
            .await
            .map_err(store)?;
        if queued == 0 {
            return Ok(Enqueued::Duplicate);
        }
        self.wait_replicas().await?;
        Ok(Enqueued::Queued)
    }

    async fn is_marked(&self, key: &str) -> Result<bool, QueueError> {
        let mut conn = self.conn.clone();
        let n: i64 = ::redis::cmd("EXISTS")
            .arg(self.marker_key(key))
            .query_async(&mut conn)
            .await
            .map_err(store)?;
        Ok(n == 1)
    }

    async fn take(&self, consumer: &str, max: usize) -> Result<Vec<Taken>, QueueError> {
        let mut out = Vec::new();
        // Start at a random shard so no shard waits behind the others.
        let start = if self.shards > 1 {
            rand::random_range(0..self.shards)
        } else {
            0
        };
        for i in 0..self.shards {
            if out.len() >= max {
                break;
            }
            let shard = (start + i) % self.shards;
            let keys = self.shard_keys(shard);
            let mut conn = self.conn.clone();
            let got: Vec<(String, Option<Vec<u8>>)> = self
                .scripts
                .take
                .key(keys.stream())
                .key(keys.delayed())
                .arg(&*self.group)
                .arg(consumer)
                .arg(max - out.len())
                .arg(PROMOTE_MAX)
                .invoke_async(&mut conn)
                .await
                .map_err(store)?;
            for (id, bytes) in got {
                if let Some(t) = self.readable(consumer, shard, id, bytes, 1).await {
                    out.push(t);
                }
            }
        }
        Ok(out)
    }

    async fn reclaim(
        &self,
        consumer: &str,
        idle: Duration,
        max: usize,
    ) -> Result<Vec<Taken>, QueueError> {
        let mut out = Vec::new();
        for shard in 0..self.shards {
            if out.len() >= max {
                break;
            }
            let keys = self.shard_keys(shard);
            let mut conn = self.conn.clone();
            let got: Vec<(String, Option<Vec<u8>>, u32)> = self
                .scripts
                .reclaim
                .key(keys.stream())
                .arg(&*self.group)
                .arg(consumer)
                .arg(ms(idle))
                .arg(max - out.len())
                .invoke_async(&mut conn)
                .await
                .map_err(store)?;
            for (id, bytes, deliveries) in got {
                if let Some(t) = self.readable(consumer, shard, id, bytes, deliveries).await {
                    out.push(t);
                }
            }
        }
        Ok(out)
    }

    async fn extend(&self, consumer: &str, receipt: &Receipt) -> Result<bool, QueueError> {
        let keys = self.shard_keys(receipt.shard());
        let mut conn = self.conn.clone();
        let n: i64 = self
            .scripts
            .extend
            .key(keys.stream())
            .arg(&*self.group)
            .arg(consumer)
            .arg(receipt.id())
            .invoke_async(&mut conn)
            .await
            .map_err(store)?;
        Ok(n == 1)
    }

    async fn complete(
        &self,
        receipt: &Receipt,
        key: &str,
        done_ttl: Duration,
    ) -> Result<(), QueueError> {
        let keys = self.shard_keys(receipt.shard());
        let mut conn = self.conn.clone();
        let _: i64 = self
            .scripts
            .complete
            .key(keys.stream())
            .key(keys.marker(key))
            .arg(&*self.group)
            .arg(receipt.id())
            .arg(millis(done_ttl))
            .invoke_async(&mut conn)
            .await
            .map_err(store)?;
        Ok(())
    }

    async fn complete_many(
        &self,
        done: &[(Receipt, Arc<str>)],
        done_ttl: Duration,
    ) -> Result<(), QueueError> {
        let mut shards: Vec<u32> = done.iter().map(|(r, _)| r.shard()).collect();
        shards.sort_unstable();
        shards.dedup();
        for shard in shards {
            let keys = self.shard_keys(shard);
            let mut invocation = self.scripts.complete_many.key(keys.stream());
            invocation.arg(&*self.group).arg(millis(done_ttl));
            for (receipt, key) in done.iter().filter(|(r, _)| r.shard() == shard) {
                invocation.key(keys.marker(key)).arg(receipt.id());
            }
            let mut conn = self.conn.clone();
            let _: i64 = invocation.invoke_async(&mut conn).await.map_err(store)?;
        }
        Ok(())
    }

    async fn retry_later(
        &self,
        receipt: &Receipt,
        entry: &QueueEntry,
        delay: Duration,
    ) -> Result<(), QueueError> {
        let keys = self.shard_keys(receipt.shard());
        let mut conn = self.conn.clone();
        let _: i64 = self
            .scripts
            .retry
            .key(keys.stream())
            .key(keys.delayed())
            .arg(&*self.group)
            .arg(receipt.id())
            .arg(ms(delay))
            .arg(entry.to_bytes())
            .invoke_async(&mut conn)
            .await
            .map_err(store)?;
        Ok(())
    }

    async fn dead_letter(&self, receipt: &Receipt, entry: &QueueEntry) -> Result<(), QueueError> {
        let keys = self.shard_keys(receipt.shard());
        let mut conn = self.conn.clone();
        let _: i64 = self
            .scripts
            .dead
            .key(keys.stream())
            .key(keys.dead())
            .arg(&*self.group)
            .arg(receipt.id())
            .arg(entry.to_bytes())
            .invoke_async(&mut conn)
            .await
            .map_err(store)?;
        Ok(())
    }

    async fn stats(&self) -> Result<QueueStats, QueueError> {
        self.stats_now().await
    }

    async fn dead_letters(&self, max: usize) -> Result<Vec<DeadLetter>, QueueError> {
        self.dead_letters_now(max).await
    }

    async fn requeue(&self, id: &DeadLetterId) -> Result<bool, QueueError> {
        self.requeue_now(id).await
    }

    async fn forget(&self, key: &str) -> Result<bool, QueueError> {
        self.forget_now(key).await
    }

    async fn durability(&self) -> Result<Durability, QueueError> {
        self.durability_now().await
    }

    fn check(&self) -> Result<(), QueueConfigError> {
        if self.name.contains(['{', '}']) {
            return Err(QueueConfigError::NameBrace(self.name.to_string()));
        }
        if self.shards == 0 {
            return Err(QueueConfigError::NoShards);
        }
        Ok(())
    }
}

mod keys;
mod ops;
mod scripts;
mod unreadable;

use keys::ShardKeys;
use scripts::Scripts;

#[cfg(test)]
mod tests;
