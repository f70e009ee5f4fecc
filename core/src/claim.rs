//! A claim on one delivery's dedupe key, held while the handler runs. Settle it
//! with the handler's outcome; dropped unsettled (handler panicked, future
//! cancelled), it releases itself so the sender's retry is processed.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::deadline::{within, StoreCall};
use crate::idempotency::{ClaimToken, StoreError};
use crate::jobs::JobRegistry;
use crate::rejection::Rejection;
use crate::store_handle::StoreHandle;

/// What settling needs from the receiver's configuration.
pub(crate) struct SettleConfig {
    pub store: StoreHandle,
    pub jobs: Arc<dyn JobRegistry>,
    pub in_flight_ttl: Duration,
    pub done_ttl: Duration,
    pub deadline: Duration,
    pub retry_after: u32,
    /// How long a handler may run (route handlers and queue attempts alike).
    pub handler_deadline: Duration,
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

/// The claim of one admitted delivery. Not `Clone`: exactly one owner
/// concludes it.
///
/// An adapter runs the handler through [`run`](Self::run) (under the
/// receiver's handler deadline) or, where the framework runs the handler
/// itself, reports how it ended to [`conclude`](Self::conclude). Either
/// decides, for every adapter alike, whether the delivery is done or released
/// and what answer goes out.
#[must_use = "conclude the claim with the handler's end; dropping it releases the delivery"]
pub struct Claim {
    pub(crate) config: Arc<SettleConfig>,
    held: Option<Held>,
    /// Set once admitted: the handler's clock and the in-flight gauge
    /// (`observe`).
    pub(crate) observed: crate::observe::InFlight,
}

struct Held {
    key: String,
    token: ClaimToken,
    /// Direct mode, known-jobs on, final status: forget the job once done.
    forget_job: Option<String>,
}

impl std::fmt::Debug for Claim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.held {
            Some(h) => f
                .debug_struct("Claim")
                .field("key", &h.key)
                .field("token", &h.token)
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
            config,
            held: Some(Held {
                key,
                token,
                forget_job,
            }),
            observed: Default::default(),
        }
    }

    /// No claim was taken (store unavailable with fail-open on).
    pub(crate) fn unclaimed(config: Arc<SettleConfig>) -> Self {
        Self {
            config,
            held: None,
            observed: Default::default(),
        }
    }

    /// Whether a claim is actually held (false only under fail-open).
    pub fn is_held(&self) -> bool {
        self.held.is_some()
    }

    /// The dedupe key, when held.
    pub fn key(&self) -> Option<&str> {
        self.held.as_ref().map(|h| h.key.as_str())
    }

    /// How long the handler may run: the receiver's
    /// [handler deadline](crate::ReceiverBuilder::handler_deadline).
    pub fn handler_deadline(&self) -> Duration {
        self.config.handler_deadline
    }

    /// A handle that can extend the in-flight TTL while the handler runs (for
    /// frameworks that cannot cancel a slow handler). `None` when unclaimed.
    pub fn renewer(&self) -> Option<ClaimRenewer> {
        self.held.as_ref().map(|h| ClaimRenewer {
            config: self.config.clone(),
            key: h.key.clone(),
            token: h.token,
        })
    }

    /// Marks done (`true`) or releases (`false`). `Err` only when a done
    /// marker could not be written: the rejection to answer instead.
    #[allow(
        clippy::manual_async_fn,
        reason = "an async fn would copy `self` into a local and hold both"
    )]
    pub(crate) fn record(
        mut self,
        succeeded: bool,
    ) -> impl Future<Output = Result<(), Rejection>> + Send + 'static {
        // An `async move` over the claim itself, not an `async fn`: that would
        // copy `self` into a local and hold both for the whole call.
        async move {
            let Some(held) = &self.held else {
                return Ok(());
            };
            let config = &*self.config;
            let outcome = if succeeded {
                mark_done(config, held).await
            } else {
                release(config, &held.key, held.token).await;
                Ok(())
            };
            // Settled: nothing is left for `Drop` to release.
            drop(self.held.take());
            outcome
        }
    }
}

/// Marks a claim done; on success forgets a finished known job.
async fn mark_done(config: &SettleConfig, held: &Held) -> Result<(), Rejection> {
    match config
        .store
        .complete(config.deadline, &held.key, held.token, config.done_ttl)
        .await
    {
        Ok(true) => {
            if let Some(job) = &held.forget_job {
                if let Err(e) = config.within(config.jobs().forget(job)).await {
                    // The registration expires by its TTL anyway.
                    tracing::warn!(error = %e, "hookgate: could not forget a finished job");
                }
            }
            Ok(())
        }
        Ok(false) => {
            tracing::warn!(
                key = %held.key,
                "hookgate: claim expired before the handler finished; answering 503 so the sender retries"
            );
            Err(Rejection::ClaimLost {
                retry_after: config.retry_after,
            })
        }
        Err(source) => {
            tracing::warn!(error = %source, key = %held.key, "hookgate: could not mark the delivery done");
            Err(Rejection::StoreUnavailable {
                retry_after: config.retry_after,
                source,
            })
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
        let Some(held) = self.held.take() else {
            return;
        };
        tracing::debug!(key = %held.key, "hookgate: claim dropped unsettled; releasing");
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                let config = Arc::clone(&self.config);
                handle.spawn(async move {
                    release(&config, &held.key, held.token).await;
                });
            }
            Err(_) => tracing::warn!(
                key = %held.key,
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
