//! A shard's table and its eviction queue: inserting a claim, and making
//! room when the shard is full (expired entries and done markers go first,
//! oldest claim first; live in-flight claims never).

use super::{same_key, Entry, Fingerprint, Shard};

/// Past this many queued fingerprints (stale ones included) the queue is rebuilt.
fn queue_limit(capacity: usize) -> usize {
    2 * capacity + 64
}

impl Shard {
    pub(super) fn insert(&mut self, fp: Fingerprint, owner: u64, expires: u64) {
        self.order.push_back(fp);
        self.table
            .insert_unique(fp.hash, Entry { fp, owner, expires }, |e| e.fp.hash);
    }

    /// Frees room for one more key; false when only live in-flight claims remain.
    ///
    /// Evicts expired entries and done markers, oldest claim first. A live
    /// in-flight claim is never evicted: it goes to the back of the queue and
    /// the scan goes on, so one slow handler does not block the shard. The scan
    /// looks at each queued fingerprint at most once.
    pub(super) fn make_room(&mut self, capacity: usize, now: u64) -> bool {
        let mut budget = self.order.len();
        while self.table.len() >= capacity {
            if budget == 0 {
                return false;
            }
            budget -= 1;
            let Some(fp) = self.order.pop_front() else {
                return false;
            };
            let Ok(entry) = self.table.find_entry(fp.hash, same_key(fp)) else {
                continue; // released or evicted since: stale
            };
            let e = entry.get();
            if !e.is_live(now) || e.is_done() {
                entry.remove();
            } else {
                self.order.push_back(fp);
            }
        }
        // Stale fingerprints pile up when keys are released; rebuild the
        // queue once it is far larger than the table, soonest to expire first
        // (the claims' order is not kept, so expiry stands in for it).
        if self.order.len() > queue_limit(capacity) {
            let mut live: Vec<(u64, Fingerprint)> =
                self.table.iter().map(|e| (e.expires, e.fp)).collect();
            live.sort_unstable_by_key(|&(expires, _)| expires);
            // Refilled in place: the queue keeps its allocation.
            self.order.clear();
            self.order.extend(live.into_iter().map(|(_, fp)| fp));
        }
        true
    }
}
