//! How the receiver calls its [`IdempotencyStore`]: the built-in
//! [`MemoryStore`] directly (it answers at once: no boxed future, no deadline
//! timer), any other store through the trait under the store deadline.

use std::sync::Arc;
use std::time::Duration;

use crate::deadline::within;
use crate::idempotency::{ClaimOutcome, ClaimToken, IdempotencyStore, StoreError};
use crate::memory_store::MemoryStore;

/// The receiver's store.
#[derive(Clone)]
pub(crate) enum StoreHandle {
    /// The built-in in-memory store, called synchronously.
    Memory(Arc<MemoryStore>),
    /// Any other store, called through the trait under a deadline.
    Other(Arc<dyn IdempotencyStore>),
}

/// The default store: a [`MemoryStore`] of the default capacity.
impl Default for StoreHandle {
    fn default() -> Self {
        Self::Memory(Arc::new(MemoryStore::new()))
    }
}

impl StoreHandle {
    /// The handle of `store`: [`Self::Memory`] when it is a [`MemoryStore`].
    pub(crate) fn of<S: IdempotencyStore>(store: S) -> Self {
        let store = Arc::new(store);
        let any: Arc<dyn std::any::Any + Send + Sync> = store.clone();
        match any.downcast::<MemoryStore>() {
            Ok(memory) => Self::Memory(memory),
            Err(_) => Self::Other(store),
        }
    }

    /// Whether calls go straight to the built-in memory store.
    #[cfg(test)]
    pub(crate) fn is_memory(&self) -> bool {
        matches!(self, Self::Memory(_))
    }

    pub(crate) async fn claim(
        &self,
        deadline: Duration,
        key: &str,
        token: ClaimToken,
        in_flight_ttl: Duration,
    ) -> Result<ClaimOutcome, StoreError> {
        match self {
            Self::Memory(m) => m.claim_now(key, token, in_flight_ttl),
            Self::Other(s) => within(deadline, s.claim(key, token, in_flight_ttl)).await,
        }
    }

    pub(crate) async fn complete(
        &self,
        deadline: Duration,
        key: &str,
        token: ClaimToken,
        done_ttl: Duration,
    ) -> Result<bool, StoreError> {
        match self {
            Self::Memory(m) => m.complete_now(key, token, done_ttl),
            Self::Other(s) => within(deadline, s.complete(key, token, done_ttl)).await,
        }
    }

    pub(crate) async fn renew(
        &self,
        deadline: Duration,
        key: &str,
        token: ClaimToken,
        in_flight_ttl: Duration,
    ) -> Result<bool, StoreError> {
        match self {
            Self::Memory(m) => m.renew_now(key, token, in_flight_ttl),
            Self::Other(s) => within(deadline, s.renew(key, token, in_flight_ttl)).await,
        }
    }

    pub(crate) async fn release(
        &self,
        deadline: Duration,
        key: &str,
        token: ClaimToken,
    ) -> Result<bool, StoreError> {
        match self {
            Self::Memory(m) => m.release_now(key, token),
            Self::Other(s) => within(deadline, s.release(key, token)).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_store_is_called_directly_others_through_the_trait() {
        assert!(StoreHandle::of(MemoryStore::with_capacity(10)).is_memory());
        let shared: Arc<MemoryStore> = Arc::new(MemoryStore::new());
        assert!(!StoreHandle::of(shared).is_memory());
    }

    #[tokio::test]
    async fn both_kinds_keep_the_store_contract() {
        let ttl = Duration::from_secs(30);
        let done = Duration::from_secs(3600);
        let deadline = Duration::from_secs(1);
        for handle in [
            StoreHandle::of(MemoryStore::new()),
            StoreHandle::of(Arc::new(MemoryStore::new())),
        ] {
            let me = ClaimToken::random();
            let other = ClaimToken::random();
            let claim = |t| handle.claim(deadline, "k", t, ttl);
            assert_eq!(claim(me).await.unwrap(), ClaimOutcome::Fresh);
            assert_eq!(claim(other).await.unwrap(), ClaimOutcome::InFlight);
            assert!(!handle.complete(deadline, "k", other, done).await.unwrap());
            assert!(handle.renew(deadline, "k", me, ttl).await.unwrap());
            assert!(handle.release(deadline, "k", me).await.unwrap());
            assert_eq!(claim(other).await.unwrap(), ClaimOutcome::Fresh);
            assert!(handle.complete(deadline, "k", other, done).await.unwrap());
            assert_eq!(claim(me).await.unwrap(), ClaimOutcome::Done);
        }
    }
}
