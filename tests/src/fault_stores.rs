//! Idempotency stores that fail on purpose, for the fault cases: one that is
//! down for every call, one that claims but cannot mark done.

use std::time::Duration;

use hookgate::StoreError;

use hookgate::store::{ClaimOutcome, ClaimToken, IdempotencyStore, MemoryStore};

/// Why a fault store refused.
#[derive(Debug, thiserror::Error)]
#[error("the fault-injection store is down on purpose")]
pub struct InjectedFault;

fn down() -> StoreError {
    StoreError::Backend(Box::new(InjectedFault))
}

/// A store whose every call fails, as an unreachable backend would.
#[derive(Debug, Default, Clone, Copy)]
pub struct DownStore;

#[async_trait::async_trait]
impl IdempotencyStore for DownStore {
    async fn claim(&self, _: &str, _: ClaimToken, _: Duration) -> Result<ClaimOutcome, StoreError> {
        Err(down())
    }
    async fn complete(&self, _: &str, _: ClaimToken, _: Duration) -> Result<bool, StoreError> {
        Err(down())
    }
    async fn renew(&self, _: &str, _: ClaimToken, _: Duration) -> Result<bool, StoreError> {
        Err(down())
    }
    async fn release(&self, _: &str, _: ClaimToken) -> Result<bool, StoreError> {
        Err(down())
    }
}

/// A store that claims and releases (in memory) but cannot mark anything done,
/// as a backend that dies while the handler runs.
#[derive(Debug, Default)]
pub struct NoCompleteStore {
    inner: MemoryStore,
}

#[async_trait::async_trait]
impl IdempotencyStore for NoCompleteStore {
    async fn claim(
        &self,
        key: &str,
        token: ClaimToken,
        ttl: Duration,
    ) -> Result<ClaimOutcome, StoreError> {
        self.inner.claim(key, token, ttl).await
    }
    async fn complete(&self, _: &str, _: ClaimToken, _: Duration) -> Result<bool, StoreError> {
        Err(down())
    }
    async fn renew(&self, key: &str, token: ClaimToken, ttl: Duration) -> Result<bool, StoreError> {
        self.inner.renew(key, token, ttl).await
    }
    async fn release(&self, key: &str, token: ClaimToken) -> Result<bool, StoreError> {
        self.inner.release(key, token).await
    }
}
