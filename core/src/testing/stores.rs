//! Idempotency stores that fail on purpose, for testing what an app (or an
//! adapter) answers when the store goes away: one that is down for every
//! call, one that claims but cannot mark anything done.

use std::time::Duration;

use crate::idempotency::{ClaimOutcome, ClaimToken, IdempotencyStore, StoreError};
use crate::memory_store::MemoryStore;

/// Why a fault store refused: always on purpose.
#[derive(Debug, thiserror::Error)]
#[error("the fault-injection store is down on purpose")]
pub struct InjectedFault;

fn down() -> StoreError {
    StoreError::Backend(Box::new(InjectedFault))
}

/// A store whose every call fails, as an unreachable backend would: every
/// delivery is answered `503 store_unavailable` with `Retry-After` (fail
/// closed), and the handler never runs.
///
/// ```
/// use hookgate::testing::{DownStore, TestDelivery};
/// use hookgate::{Receiver};
/// use hookgate::adapter::{Admission, Inbound};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// let receiver = Receiver::builder().secret(SECRET).store(DownStore).build().unwrap();
/// let delivery = TestDelivery::signed(SECRET).build();
/// let headers = delivery.header_list();
/// let inbound = Inbound { headers: &headers, body: delivery.body.clone(), peer: None };
/// let Admission::Respond(answer) = receiver.admit(inbound).await else { panic!("admitted") };
/// assert_eq!(answer.status(), 503);
/// assert!(answer.retry_after().is_some());
/// # }
/// ```
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

/// A store that claims and releases (in memory) but cannot mark anything
/// done, as a backend that dies while the handler runs: the handler runs, and
/// its success is answered `503` instead of a 2xx, so the sender retries.
///
/// ```
/// use hookgate::testing::{NoCompleteStore, TestDelivery};
/// use hookgate::{Receiver};
/// use hookgate::adapter::{Admission, Inbound};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// let receiver = Receiver::builder()
///     .secret(SECRET)
///     .store(NoCompleteStore::default())
///     .build()
///     .unwrap();
/// let delivery = TestDelivery::signed(SECRET).build();
/// let headers = delivery.header_list();
/// let inbound = Inbound { headers: &headers, body: delivery.body.clone(), peer: None };
/// let Admission::Proceed(_, claim) = receiver.admit(inbound).await else { panic!("refused") };
/// let answer = claim.settle(true).await.unwrap_err(); // the done marker was not written
/// assert_eq!(answer.status(), 503);
/// # }
/// ```
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
