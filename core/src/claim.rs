//! A claim on one delivery's dedupe key, held while the handler runs. Settle it
//! with the handler's outcome; dropped unsettled (handler panicked, future
//! cancelled), it releases itself so the sender's retry is processed.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::deadline::{within, StoreCall};
use crate::idempotency::{ClaimToken, StoreError};
use crate::jobs::JobRegistry;
use crate::rejection::{Answer, Rejection};
use crate::store_handle::StoreHandle;

/// What settling needs from the receiver's configuration.
pub(crate) struct SettleConfig {
    pub store: StoreHandle,
    pub jobs: Arc<dyn JobRegistry>,
    pub in_flight_ttl: Duration,
    pub done_ttl: Duration,
    pub deadline: Duration,
    pub retry_after: u32,
}

impl SettleConfig {
    /// Runs one store call under the store deadline.
    pub(crate) fn within<T, F>(&self, fut: F) -> StoreCall<F>
    where
        F: Future<Output = Result<T, StoreError>>,
    {
        within(self.deadline, fut)
    }

    /// The job registry as a trait object: calling through the `Arc` would
    /// pick the blanket `impl JobRegistry for Arc<R>` and box every future
    /// twice.
    pub(crate) fn jobs(&self) -> &dyn JobRegistry {
        &*self.jobs
    }
}

/// The claim of one admitted delivery. Not `Clone`: exactly one owner settles it.
#[must_use = "settle the claim with the handler's outcome; dropping it releases the delivery"]
pub struct Claim {
    owned: Option<Owned>,
}

struct Owned {
    config: Arc<SettleConfig>,
    key: String,
    token: ClaimToken,
    /// Direct mode, known-jobs on, final status: forget the job once done.
    forget_job: Option<String>,
}

impl std::fmt::Debug for Claim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.owned {
            Some(o) => f
                .debug_struct("Claim")
                .field("key", &o.key)
                .field("token", &o.token)
                .finish(),
            None => f.write_str("Claim(unclaimed)"),
        }
    }
}

impl Claim {
    pub(crate) fn owned(
        config: Arc<SettleConfig>,
        key: String,
        token: ClaimToken,
        forget_job: Option<String>,
    ) -> Self {
        Self {
            owned: Some(Owned {
                config,
                key,
                token,
                forget_job,
            }),
        }
    }

    /// No claim was taken (store unavailable with fail-open on).
    pub(crate) fn unclaimed() -> Self {
        Self { owned: None }
    }

    /// Whether a claim is actually held (false only under fail-open).
    pub fn is_held(&self) -> bool {
        self.owned.is_some()
    }

    /// The dedupe key, when held.
    pub fn key(&self) -> Option<&str> {
        self.owned.as_ref().map(|o| o.key.as_str())
    }

    /// A handle that can extend the in-flight TTL while the handler runs (for
    /// frameworks that cannot cancel a slow handler). `None` when unclaimed.
    pub fn renewer(&self) -> Option<ClaimRenewer> {
        self.owned.as_ref().map(|o| ClaimRenewer {
            config: o.config.clone(),
            key: o.key.clone(),
            token: o.token,
        })
    }

    /// Records the handler's outcome.
    ///
    /// * succeeded: marks the key done (done TTL). `Ok(())` means the handler's
    ///   2xx may go out; `Err(answer)` means it could not be recorded, and the
    ///   answer (503) must replace the handler's so the sender retries.
    /// * failed: releases the key so the sender's retry is processed; `Ok(())`,
    ///   and the handler's own (non-2xx) answer goes out.
    ///
    /// Dropped before it finishes, the claim releases itself as an unsettled
    /// one does (only an in-flight claim this token still owns is released: a
    /// done marker already written stays).
    #[allow(
        clippy::manual_async_fn,
        reason = "an async fn would copy `self` into a local and hold both"
    )]
    pub fn settle(
        mut self,
        handler_succeeded: bool,
    ) -> impl Future<Output = Result<(), Answer>> + Send + 'static {
        // An `async move` over the claim itself, not an `async fn`: that would
        // copy `self` into a local and hold both for the whole call.
        async move {
            let Some(owned) = &self.owned else {
                return Ok(());
            };
            let config = &*owned.config;
            let outcome = if handler_succeeded {
                mark_done(config, owned).await
            } else {
                release(config, &owned.key, owned.token).await;
                Ok(())
            };
            // Settled: nothing is left for `Drop` to release.
            drop(self.owned.take());
            outcome
        }
    }
}

/// Whether a handler's HTTP status means it processed the delivery: any 2xx.
/// Only then is the delivery marked done; any other status (and an error, a
/// panic or a time-out) releases the claim so the sender's retry is
/// processed. Every adapter settles by this rule, decided here once.
///
/// ```
/// use hookgate::handler_succeeded;
/// assert!(handler_succeeded(200) && handler_succeeded(204) && handler_succeeded(299));
/// assert!(!handler_succeeded(199) && !handler_succeeded(302) && !handler_succeeded(500));
/// ```
pub const fn handler_succeeded(status: u16) -> bool {
    matches!(status, 200..=299)
}

/// Marks a claim done; on success forgets a finished known job.
async fn mark_done(config: &SettleConfig, owned: &Owned) -> Result<(), Answer> {
    match config
        .store
        .complete(config.deadline, &owned.key, owned.token, config.done_ttl)
        .await
    {
        Ok(true) => {
            if let Some(job) = &owned.forget_job {
                if let Err(e) = config.within(config.jobs().forget(job)).await {
                    // The registration expires by its TTL anyway.
                    tracing::warn!(error = %e, "hookgate: could not forget a finished job");
                }
            }
            Ok(())
        }
        Ok(false) => {
            tracing::warn!(
                key = %owned.key,
                "hookgate: claim expired before the handler finished; answering 503 so the sender retries"
            );
            Err(Rejection::ClaimLost {
                retry_after: config.retry_after,
            }
            .to_answer())
        }
        Err(source) => {
            tracing::warn!(error = %source, key = %owned.key, "hookgate: could not mark the delivery done");
            Err(Rejection::StoreUnavailable {
                retry_after: config.retry_after,
                source,
            }
            .to_answer())
        }
    }
}

async fn release(config: &SettleConfig, key: &str, token: ClaimToken) {
    if let Err(e) = config.store.release(config.deadline, key, token).await {
        // The in-flight TTL frees the key by itself.
        tracing::warn!(error = %e, key, "hookgate: could not release a claim; it expires with its TTL");
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        let Some(owned) = self.owned.take() else {
            return;
        };
        tracing::debug!(key = %owned.key, "hookgate: claim dropped unsettled; releasing");
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn(async move {
                    release(&owned.config, &owned.key, owned.token).await;
                });
            }
            Err(_) => tracing::warn!(
                key = %owned.key,
                "hookgate: claim dropped outside a runtime; it expires with its in-flight TTL"
            ),
        }
    }
}

/// Extends a claim's in-flight TTL while its handler runs.
#[derive(Clone)]
pub struct ClaimRenewer {
    config: Arc<SettleConfig>,
    key: String,
    token: ClaimToken,
}

impl std::fmt::Debug for ClaimRenewer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClaimRenewer")
            .field("key", &self.key)
            .finish()
    }
}

impl ClaimRenewer {
    /// Extends the claim by the in-flight TTL; false when it is no longer ours.
    pub async fn renew(&self) -> Result<bool, StoreError> {
        let c = &self.config;
        c.store
            .renew(c.deadline, &self.key, self.token, c.in_flight_ttl)
            .await
    }

    /// How often to renew: a third of the in-flight TTL, so two renewals can
    /// fail before the claim lapses.
    pub fn interval(&self) -> Duration {
        self.config.in_flight_ttl / 3
    }
}
