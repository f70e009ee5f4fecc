//! The bounded cache of tenants a [`Tenants`](crate::verify::Tenants)
//! keeps: a delivery whose tenant is cached, known or unknown, is answered
//! without waiting for the key source.
//!
//! Known tenants' keys and tenants the source does not know are kept apart,
//! each bounded: made-up names can only push out other made-up names, never
//! a real tenant's keys.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// A cached answer about a tenant.
pub(crate) enum Cached<K> {
    /// The tenant's name as cached (shared, so the delivery's dedupe key is
    /// built without copying it) and its keys.
    Known(Arc<str>, Arc<K>),
    /// The source did not know the tenant (or gave keys that verify nothing).
    Unknown,
}

pub(crate) struct Cache<K> {
    pub(crate) known: Bounded<Arc<K>>,
    pub(crate) unknown: Bounded<()>,
}

impl<K> Cache<K> {
    pub(crate) fn new(ttl_secs: i64, unknown_ttl_secs: i64, capacity: usize) -> Self {
        Self {
            known: Bounded::new(ttl_secs, capacity),
            unknown: Bounded::new(unknown_ttl_secs, capacity),
        }
    }

    pub(crate) fn get(&self, tenant: &str, now: i64) -> Option<Cached<K>> {
        if let Some((name, keys)) = self.known.get(tenant, now) {
            return Some(Cached::Known(name, keys));
        }
        self.unknown.get(tenant, now).map(|_| Cached::Unknown)
    }
}

/// Values by tenant, each until it expires (Unix seconds), at most
/// `capacity` of them.
pub(crate) struct Bounded<V> {
    pub(crate) ttl_secs: i64,
    pub(crate) capacity: usize,
    entries: Mutex<HashMap<Arc<str>, (V, i64)>>,
}

impl<V: Clone> Bounded<V> {
    fn new(ttl_secs: i64, capacity: usize) -> Self {
        Self {
            ttl_secs,
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Arc<str>, (V, i64)>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The tenant's name as cached and its value, while it has not expired.
    pub(crate) fn get(&self, tenant: &str, now: i64) -> Option<(Arc<str>, V)> {
        self.lock()
            .get_key_value(tenant)
            .filter(|(_, (_, until))| now < *until)
            .map(|(name, (value, _))| (Arc::clone(name), value.clone()))
    }

    pub(crate) fn put(&self, tenant: Arc<str>, value: V, now: i64) {
        if self.capacity == 0 || self.ttl_secs == 0 {
            return;
        }
        let mut entries = self.lock();
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
        entries.insert(tenant, (value, now.saturating_add(self.ttl_secs)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_expiring() {
        let cache = Cache::new(10, 5, 2);
        cache.known.put("a".into(), Arc::new(1), 0);
        cache.known.put("b".into(), Arc::new(2), 1);
        cache.known.put("c".into(), Arc::new(3), 2);
        // Full of live entries: the one closest to expiry (a) made room.
        assert!(cache.get("a", 2).is_none());
        assert!(matches!(cache.get("b", 2), Some(Cached::Known(_, k)) if *k == 2));
        assert!(matches!(cache.get("c", 2), Some(Cached::Known(n, _)) if &*n == "c"));
        // Expired at 1 + 10.
        assert!(cache.get("b", 11).is_none());
        let off = Cache::new(0, 0, 2);
        off.known.put("a".into(), Arc::new(1), 0);
        off.unknown.put("x".into(), (), 0);
        assert!(off.get("a", 0).is_none());
        assert!(off.get("x", 0).is_none());
    }

    #[test]
    fn unknown_names_never_push_out_known_tenants() {
        let cache = Cache::new(60, 5, 2);
        cache.known.put("acme".into(), Arc::new(1), 0);
        for (i, name) in ["x1", "x2", "x3", "x4"].into_iter().enumerate() {
            cache.unknown.put(name.into(), (), i as i64);
        }
        assert!(matches!(cache.get("acme", 4), Some(Cached::Known(..))));
        // Two unknown names at most; the newest kept, each for 5 s.
        assert!(cache.get("x1", 4).is_none());
        assert!(matches!(cache.get("x4", 4), Some(Cached::Unknown)));
        assert!(cache.get("x4", 3 + 5).is_none());
    }
}
