//! The bounded cache of tenants' keys a [`Tenants`](crate::verify::Tenants)
//! keeps: a delivery whose tenant is cached is verified without waiting.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A tenant's keys and when they expire (Unix seconds).
type Entry<K> = (Arc<K>, i64);

pub(crate) struct Cache<K> {
    pub(crate) ttl_secs: i64,
    pub(crate) capacity: usize,
    entries: Mutex<HashMap<Arc<str>, Entry<K>>>,
}

impl<K> Cache<K> {
    pub(crate) fn new(ttl_secs: i64, capacity: usize) -> Self {
        Self {
            ttl_secs,
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The tenant's name as cached (shared, so the delivery's dedupe key is
    /// built without copying it) and its keys, while they have not expired.
    pub(crate) fn get(&self, tenant: &str, now: i64) -> Option<(Arc<str>, Arc<K>)> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get_key_value(tenant)
            .filter(|(_, (_, until))| now < *until)
            .map(|(name, (keys, _))| (Arc::clone(name), Arc::clone(keys)))
    }

    pub(crate) fn put(&self, tenant: Arc<str>, keys: Arc<K>, now: i64) {
        if self.capacity == 0 || self.ttl_secs == 0 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.capacity && !entries.contains_key(&tenant) {
            entries.retain(|_, (_, until)| now < *until);
            if entries.len() >= self.capacity {
                // Still full of live entries: drop the one closest to expiry.
                let oldest = entries
                    .iter()
                    .min_by_key(|(_, (_, until))| *until)
                    .map(|(t, _)| Arc::clone(t));
                if let Some(t) = oldest {
                    entries.remove(&t);
                }
            }
        }
        entries.insert(tenant, (keys, now.saturating_add(self.ttl_secs)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_expiring() {
        let cache = Cache::new(10, 2);
        cache.put("a".into(), Arc::new(1), 0);
        cache.put("b".into(), Arc::new(2), 1);
        cache.put("c".into(), Arc::new(3), 2);
        // Full of live entries: the one closest to expiry (a) made room.
        assert!(cache.get("a", 2).is_none());
        assert_eq!(cache.get("b", 2).map(|(_, k)| *k), Some(2));
        assert_eq!(cache.get("c", 2).map(|(n, _)| n), Some("c".into()));
        // Expired at 1 + 10.
        assert!(cache.get("b", 11).is_none());
        let off = Cache::new(0, 2);
        off.put("a".into(), Arc::new(1), 0);
        assert!(off.get("a", 0).is_none());
    }
}
