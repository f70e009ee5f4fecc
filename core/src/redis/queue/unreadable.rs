//! An entry a worker cannot read is set aside as a dead letter, so one bad
//! entry never stalls its shard.

use ::redis::aio::ConnectionLike;

use super::*;

impl<C> RedisQueue<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// A taken stream entry as the worker gets it, or — when it cannot be
    /// read — set aside as a dead letter (logged; `None`), so one bad entry
    /// never stalls its shard.
    pub(super) async fn readable(
        &self,
        consumer: &str,
        shard: u32,
        id: String,
        bytes: Option<Vec<u8>>,
        deliveries: u32,
    ) -> Option<Taken> {
        let (raw, reason) = match bytes {
            Some(bytes) => {
                let bytes = Bytes::from(bytes);
                match QueueEntry::from_bytes(bytes.clone()) {
                    Ok(entry) => {
                        return Some(Taken {
                            receipt: Receipt::new(shard, id),
                            attempt: entry.attempts().saturating_add(deliveries.max(1)),
                            entry,
                        })
                    }
                    Err(e) => (
                        bytes,
                        format!("the queue entry could not be read and was set aside: {e}"),
                    ),
                }
            }
            None => (
                Bytes::new(),
                "the queue entry has no `d` field (not written by hookgate) and was set aside"
                    .to_owned(),
            ),
        };
        tracing::error!(shard, entry = %id, consumer, %reason, "hookgate: moving an unreadable queue entry to the dead letters");
        let keys = self.shard_keys(shard);
        let mut conn = self.conn.clone();
        let moved: Result<i64, _> = self
            .scripts
            .bury
            .key(keys.stream())
            .key(keys.dead())
            .arg(&*self.group)
            .arg(&id)
            .arg(raw.as_ref())
            .arg(&reason)
            .invoke_async(&mut conn)
            .await;
        if let Err(e) = moved {
            // It stays pending: the next reclaim after the visibility timeout
            // tries again.
            tracing::warn!(error = %e, entry = %id, "hookgate: could not move an unreadable queue entry to the dead letters");
        }
        None
    }
}
