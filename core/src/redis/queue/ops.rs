//! The queue's operations on Redis: statistics over every shard, dead
//! letters and requeueing, forgetting a processed delivery, and what protects
//! the queue from a Redis crash.

use ::redis::aio::ConnectionLike;

use super::*;

impl<C> RedisQueue<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    pub(super) async fn stats_now(&self) -> Result<QueueStats, QueueError> {
        let mut total = QueueStats::default();
        for shard in 0..self.shards {
            let keys = self.shard_keys(shard);
            let mut conn = self.conn.clone();
            let (len, pending, scheduled, dead, oldest, now): (u64, u64, u64, u64, String, u64) =
                self.scripts
                    .stats
                    .key(keys.stream())
                    .key(keys.delayed())
                    .key(keys.dead())
                    .arg(&*self.group)
                    .invoke_async(&mut conn)
                    .await
                    .map_err(store)?;
            total.ready += len.saturating_sub(pending);
            total.running += pending;
            total.scheduled += scheduled;
            total.dead += dead;
            if let Some(at) = id_ms(&oldest) {
                let age = now.saturating_sub(at);
                total.oldest_age_ms = Some(total.oldest_age_ms.map_or(age, |a| a.max(age)));
            }
        }
        Ok(total)
    }

    pub(super) async fn dead_letters_now(&self, max: usize) -> Result<Vec<DeadLetter>, QueueError> {
        let mut out = Vec::new();
        for shard in 0..self.shards {
            if out.len() >= max {
                break;
            }
            let keys = self.shard_keys(shard);
            let mut conn = self.conn.clone();
            let got: Vec<(String, Vec<u8>, String)> = self
                .scripts
                .list_dead
                .key(keys.dead())
                .arg(max - out.len())
                .invoke_async(&mut conn)
                .await
                .map_err(store)?;
            for (id, bytes, unreadable) in got {
                // A dead letter that cannot be read is listed as such, never
                // an error: the listing is how an operator finds it.
                let bytes = Bytes::from(bytes);
                let entry = if unreadable.is_empty() {
                    QueueEntry::from_bytes(bytes.clone()).unwrap_or_else(|e| {
                        QueueEntry::unreadable(
                            bytes,
                            format!("the dead letter could not be read: {e}"),
                        )
                    })
                } else {
                    QueueEntry::unreadable(bytes, unreadable)
                };
                out.push(DeadLetter {
                    id: DeadLetterId(Receipt::new(shard, id)),
                    entry,
                });
            }
        }
        Ok(out)
    }

    pub(super) async fn requeue_now(&self, id: &DeadLetterId) -> Result<bool, QueueError> {
        let receipt = &id.0;
        if receipt.shard() >= self.shards {
            return Ok(false);
        }
        let keys = self.shard_keys(receipt.shard());
        let mut conn = self.conn.clone();
        let found: Vec<(String, Vec<u8>)> = ::redis::cmd("XRANGE")
            .arg(keys.dead())
            .arg(receipt.id())
            .arg(receipt.id())
            .query_async::<Vec<(String, Vec<(String, Vec<u8>)>)>>(&mut conn)
            .await
            .map_err(store)?
            .into_iter()
            .flat_map(|(id, fields)| {
                fields
                    .into_iter()
                    .filter(|(f, _)| f == "d")
                    .map(move |(_, v)| (id.clone(), v))
            })
            .collect();
        let Some((_, bytes)) = found.into_iter().next() else {
            return Ok(false);
        };
        let Ok(entry) = QueueEntry::from_bytes(Bytes::from(bytes)) else {
            // An entry that could not be read stays a dead letter: queued
            // again, it would only be set aside again.
            return Ok(false);
        };
        let entry = entry.requeued();
        let n: i64 = self
            .scripts
            .requeue
            .key(keys.dead())
            .key(keys.stream())
            .arg(receipt.id())
            .arg(entry.to_bytes())
            .invoke_async(&mut conn)
            .await
            .map_err(store)?;
        Ok(n == 1)
    }

    pub(super) async fn forget_now(&self, key: &str) -> Result<bool, QueueError> {
        let mut conn = self.conn.clone();
        let n: i64 = self
            .scripts
            .forget
            .key(self.marker_key(key))
            .invoke_async(&mut conn)
            .await
            .map_err(store)?;
        Ok(n == 1)
    }

    pub(super) async fn durability_now(&self) -> Result<Durability, QueueError> {
        let mut conn = self.conn.clone();
        let aof: Result<Vec<String>, _> = ::redis::cmd("CONFIG")
            .arg("GET")
            .arg("appendonly")
            .query_async(&mut conn)
            .await;
        let Ok(aof) = aof else {
            return Ok(Durability::Unknown);
        };
        let aof = aof.get(1).is_some_and(|v| v == "yes");
        let info: Result<String, _> = ::redis::cmd("INFO")
            .arg("replication")
            .query_async(&mut conn)
            .await;
        let replicas = info
            .ok()
            .and_then(|i| {
                i.lines()
                    .find_map(|l| l.strip_prefix("connected_slaves:"))
                    .and_then(|n| n.trim().parse::<u32>().ok())
            })
            .unwrap_or(0);
        Ok(if aof || replicas > 0 {
            Durability::Protected { aof, replicas }
        } else {
            Durability::Unprotected
        })
    }
}

impl<C> RedisQueue<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// With [`wait_for_replicas`](RedisQueue::wait_for_replicas): waits until
    /// that many replicas have the writes so far, or fails the enqueue.
    pub(super) async fn wait_replicas(&self) -> Result<(), QueueError> {
        let Some((required, timeout)) = self.wait else {
            return Ok(());
        };
        let mut conn = self.conn.clone();
        let acknowledged: i64 = ::redis::cmd("WAIT")
            .arg(required)
            .arg(millis(timeout))
            .query_async(&mut conn)
            .await
            .map_err(backend)?;
        let acknowledged = u32::try_from(acknowledged.max(0)).unwrap_or(u32::MAX);
        if acknowledged < required {
            return Err(QueueError::NotReplicated {
                required,
                acknowledged,
                timeout,
            });
        }
        Ok(())
    }
}
