//! How the receiver calls its [`IdempotencyStore`]: the built-in
//! [`MemoryStore`] directly (it answers at once: no boxed future, no deadline
//! timer), any other store through the trait under the store deadline. Which
//! is which the store says itself, by
//! [`IdempotencyStore::into_memory_store`].

use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::deadline::within;
use crate::idempotency::{ClaimOutcome, ClaimToken, IdempotencyStore, StoreError};
use crate::memory_store::MemoryStore;
use crate::observe::{self, StoreOp};

/// The receiver's store.
#[derive(Clone)]
pub(crate) enum StoreHandle {
    /// The built-in in-memory store, called synchronously.
    Memory(Arc<MemoryStore>),
    /// Any other store, called through the trait under a deadline.
    Other(Arc<dyn IdempotencyStore>),
}

impl StoreHandle {
    /// A receiver's default store: a [`MemoryStore`] of the default capacity,
    /// expiring claims by the receiver's `clock`.
    pub(crate) fn default_memory(clock: &Arc<dyn Clock>) -> Self {
        Self::Memory(Arc::new(MemoryStore::new().with_clock(Arc::clone(clock))))
    }

    /// The handle of `store`: [`Self::Memory`] when it is a [`MemoryStore`]
    /// (or an `Arc` of one).
    pub(crate) fn of<S: IdempotencyStore>(store: S) -> Self {
        let store: Arc<dyn IdempotencyStore> = Arc::new(store);
        match Arc::clone(&store).into_memory_store() {
            Some(memory) => Self::Memory(memory),
            None => Self::Other(store),
        }
    }

    /// The handle of a shared store: [`Self::Memory`] when it is a [`MemoryStore`].
    #[cfg(test)]
    pub(crate) fn shared(store: Arc<dyn IdempotencyStore>) -> Self {
        match Arc::clone(&store).into_memory_store() {
            Some(memory) => Self::Memory(memory),
            None => Self::Other(store),
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
            // In-process and well under a microsecond: not timed (reading
            // the clock would cost more than the call); failures counted.
            Self::Memory(m) => {
                let result = m.claim_now(key, token, in_flight_ttl);
                if result.is_err() {
                    observe::store_failed(StoreOp::Claim);
                }
                result
            }
            Self::Other(s) => {
                let started = observe::store_started();
                let result = within(deadline, s.claim(key, token, in_flight_ttl)).await;
                observe::store_call(StoreOp::Claim, started, result.is_err());
                result
            }
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
            // In-process and well under a microsecond: not timed (reading
            // the clock would cost more than the call); failures counted.
            Self::Memory(m) => {
                let result = m.complete_now(key, token, done_ttl);
                if result.is_err() {
                    observe::store_failed(StoreOp::Complete);
                }
                result
            }
            Self::Other(s) => {
                let started = observe::store_started();
                let result = within(deadline, s.complete(key, token, done_ttl)).await;
                observe::store_call(StoreOp::Complete, started, result.is_err());
                result
            }
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
            // In-process and well under a microsecond: not timed (reading
            // the clock would cost more than the call); failures counted.
            Self::Memory(m) => {
                let result = m.renew_now(key, token, in_flight_ttl);
                if result.is_err() {
                    observe::store_failed(StoreOp::Renew);
                }
                result
            }
            Self::Other(s) => {
                let started = observe::store_started();
                let result = within(deadline, s.renew(key, token, in_flight_ttl)).await;
                observe::store_call(StoreOp::Renew, started, result.is_err());
                result
            }
        }
    }

    pub(crate) async fn release(
        &self,
        deadline: Duration,
        key: &str,
        token: ClaimToken,
    ) -> Result<bool, StoreError> {
        match self {
            // In-process and well under a microsecond: not timed (reading
            // the clock would cost more than the call); failures counted.
            Self::Memory(m) => {
                let result = m.release_now(key, token);
                if result.is_err() {
                    observe::store_failed(StoreOp::Release);
                }
                result
            }
            Self::Other(s) => {
                let started = observe::store_started();
                let result = within(deadline, s.release(key, token)).await;
                observe::store_call(StoreOp::Release, started, result.is_err());
                result
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Delegates to a memory store, as a wrapper that changes nothing would:
    /// still a store of its own, so called through the trait.
    struct Wrapped(MemoryStore);

    #[async_trait::async_trait]
    impl IdempotencyStore for Wrapped {
        async fn claim(
            &self,
            key: &str,
            token: ClaimToken,
            ttl: Duration,
        ) -> Result<ClaimOutcome, StoreError> {
            self.0.claim(key, token, ttl).await
        }
        async fn complete(
            &self,
            key: &str,
            token: ClaimToken,
            ttl: Duration,
        ) -> Result<bool, StoreError> {
            self.0.complete(key, token, ttl).await
        }
        async fn renew(
            &self,
            key: &str,
            token: ClaimToken,
            ttl: Duration,
        ) -> Result<bool, StoreError> {
            self.0.renew(key, token, ttl).await
        }
        async fn release(&self, key: &str, token: ClaimToken) -> Result<bool, StoreError> {
            self.0.release(key, token).await
        }
    }

    #[test]
    fn the_built_in_store_is_called_directly_however_it_is_given() {
        assert!(StoreHandle::of(MemoryStore::with_capacity(10)).is_memory());
        let shared = Arc::new(MemoryStore::new());
        assert!(StoreHandle::of(Arc::clone(&shared)).is_memory());
        assert!(StoreHandle::of(Arc::new(Arc::clone(&shared))).is_memory());
        assert!(StoreHandle::shared(shared.clone()).is_memory());
        // The very store given, not a copy: what one claims the other sees.
        let StoreHandle::Memory(inner) = StoreHandle::of(Arc::clone(&shared)) else {
            unreachable!("checked above");
        };
        assert!(Arc::ptr_eq(&inner, &shared));
    }

    #[test]
    fn any_other_store_is_called_through_the_trait() {
        assert!(!StoreHandle::of(Wrapped(MemoryStore::new())).is_memory());
        let wrapped: Arc<dyn IdempotencyStore> = Arc::new(Wrapped(MemoryStore::new()));
        assert!(!StoreHandle::shared(Arc::clone(&wrapped)).is_memory());
        assert!(!StoreHandle::of(wrapped).is_memory());
    }

    #[tokio::test]
    async fn both_kinds_keep_the_store_contract() {
        let ttl = Duration::from_secs(30);
        let done = Duration::from_secs(3600);
        let deadline = Duration::from_secs(1);
        for handle in [
            StoreHandle::of(MemoryStore::new()),
            StoreHandle::of(Wrapped(MemoryStore::new())),
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
