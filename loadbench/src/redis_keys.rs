//! Cleaning up after a benchmark run on a shared Redis.

use redis::aio::ConnectionManager;

/// Deletes every key matching `pattern` (`SCAN` + `UNLINK`), so that neither
/// the shared Redis fills up nor expiring keys of an earlier run cost Redis
/// time during the next one. Returns how many keys it deleted.
pub async fn delete_keys(mut conn: ConnectionManager, pattern: &str) -> usize {
    let mut cursor: u64 = 0;
    let mut deleted = 0usize;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(10_000)
            .query_async(&mut conn)
            .await
            .expect("SCAN");
        if !keys.is_empty() {
            deleted += keys.len();
            let _: i64 = redis::cmd("UNLINK")
                .arg(&keys)
                .query_async(&mut conn)
                .await
                .expect("UNLINK");
        }
        if next == 0 {
            return deleted;
        }
        cursor = next;
    }
}
