//! A claim on one delivery's dedupe key, held while the handler runs. Settle it
//! with the handler's outcome; dropped unsettled (handler panicked, future
//! cancelled), it releases itself so the sender's retry is processed.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::deadline::{with_handler_deadline, within, StoreCall};
use crate::idempotency::{ClaimToken, StoreError};
use crate::jobs::JobRegistry;
use crate::outcome::{Conclusion, Handled, HandlerEnd, HandlerOutcome, Outcome};
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
    config: Arc<SettleConfig>,
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

    /// Runs the handler under the receiver's handler deadline, then
    /// [concludes](Self::conclude) the claim from how it ended: `status`
    /// reads the HTTP status of the handler's response.
    ///
    /// A panic in the handler unwinds through this future and drops the
    /// claim, which releases itself; so does dropping this future.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use hookgate::adapter::{Admission, HandlerOutcome, HeaderList, Inbound};
    /// use hookgate::{Receiver, Secret};
    ///
    /// # let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    /// let receiver = Receiver::builder().secret(secret).build().unwrap();
    /// # let body = br#"{"status":"Completed","job_id":"job_1","metadata":{}}"#;
    /// # let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    /// # let headers = HeaderList::new().with("svix-id", "msg_1").with("svix-timestamp", now.to_string())
    /// #     .with("svix-signature", Secret::parse(secret).unwrap().sign("msg_1", now, body));
    /// # let inbound = Inbound { headers: &headers, body: body.to_vec().into(), peer: None };
    /// let Admission::Proceed(_delivery, claim) = receiver.admit(inbound).await else {
    ///     unreachable!()
    /// };
    /// // The handler: any future of a result; here a response that is just a status.
    /// let outcome = claim.run(async { Ok::<u16, ()>(204) }, |status| *status).await;
    /// assert!(matches!(outcome, HandlerOutcome::Response(204)));
    /// # });
    /// ```
    pub async fn run<F, R, E>(
        self,
        handler: F,
        status: impl FnOnce(&R) -> u16,
    ) -> HandlerOutcome<R, E>
    where
        F: Future<Output = Result<R, E>>,
    {
        match with_handler_deadline(self.config.handler_deadline, handler).await {
            Err(_elapsed) => HandlerOutcome::Replace(self.timed_out().await),
            Ok(Err(error)) => {
                let _released = self.conclude(HandlerEnd::Error).await;
                HandlerOutcome::Error(error)
            }
            Ok(Ok(response)) => match self.conclude(HandlerEnd::Status(status(&response))).await {
                Conclusion::Handler(_) => HandlerOutcome::Response(response),
                Conclusion::Replace(outcome) => HandlerOutcome::Replace(outcome),
            },
        }
    }

    /// Records how the handler ended and says what goes out; the one place
    /// that decides it, for every adapter:
    ///
    /// | handler end | claim | what goes out |
    /// | --- | --- | --- |
    /// | a 2xx status, done marker written | done | the handler's answer (`processed`) |
    /// | a 2xx status, claim expired meanwhile | — | `503 claim_lost` |
    /// | a 2xx status, store unreachable | left to expire | `503 store_unavailable` |
    /// | any other status | released | the handler's answer (`handler_failed`) |
    /// | an error | released | the handler's error (`handler_error`) |
    /// | past the deadline (cancelled) | released | `503 handler_timeout` |
    ///
    /// Dropped before it finishes, the claim releases itself as an unsettled
    /// one does (only an in-flight claim this token still owns is released: a
    /// done marker already written stays).
    pub async fn conclude(mut self, end: HandlerEnd) -> Conclusion {
        if end == HandlerEnd::TimedOut {
            return Conclusion::Replace(self.timed_out().await);
        }
        // observe: the handler ended now; counted once the claim is settled.
        let ended = self.observed.ended();
        let conclusion = match end {
            HandlerEnd::Status(status) if handler_succeeded(status) => {
                match self.record(true).await {
                    Ok(()) => Conclusion::Handler(Handled::Processed),
                    Err(rejection) => Conclusion::Replace(Outcome::Refused(rejection)),
                }
            }
            // (`TimedOut` returned above.)
            HandlerEnd::Status(_) | HandlerEnd::TimedOut => {
                let _released = self.record(false).await;
                Conclusion::Handler(Handled::Failed)
            }
            HandlerEnd::Error => {
                let _released = self.record(false).await;
                Conclusion::Handler(Handled::Errored)
            }
        };
        if let Some(ended) = ended {
            ended.concluded(&conclusion, end);
        }
        conclusion
    }

    /// The handler was cancelled past its deadline: releases the claim and
    /// returns the `503 handler_timeout` outcome that replaces its answer
    /// (what [`conclude`](Self::conclude) does for [`HandlerEnd::TimedOut`],
    /// for an adapter that needs the outcome itself).
    pub async fn timed_out(mut self) -> Outcome {
        let ended = self.observed.ended();
        tracing::warn!(
            deadline = ?self.config.handler_deadline,
            "hookgate: handler ran past its deadline; claim released"
        );
        let retry_after = self.config.retry_after;
        let _released = self.record(false).await;
        let outcome = Outcome::Refused(Rejection::HandlerTimeout { retry_after });
        if let Some(ended) = ended {
            ended.timed_out(&outcome);
        }
        outcome
    }

    /// [`conclude`](Self::conclude) for a handler that is not an HTTP one (a
    /// consumer of another kind): `processed` is a 2xx, anything else a
    /// failure. `Err` carries the outcome that replaces the handler's answer
    /// (`503 claim_lost` or `store_unavailable`: the sender must retry).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use hookgate::adapter::{Admission, HeaderList, Inbound};
    /// use hookgate::{Receiver, Secret};
    ///
    /// # let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    /// let receiver = Receiver::builder().secret(secret).build().unwrap();
    /// # let body = br#"{"status":"Completed","job_id":"job_1","metadata":{}}"#;
    /// # let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    /// # let headers = HeaderList::new().with("svix-id", "msg_1").with("svix-timestamp", now.to_string())
    /// #     .with("svix-signature", Secret::parse(secret).unwrap().sign("msg_1", now, body));
    /// # let inbound = Inbound { headers: &headers, body: body.to_vec().into(), peer: None };
    /// let Admission::Proceed(_delivery, claim) = receiver.admit(inbound).await else {
    ///     unreachable!()
    /// };
    /// claim.settle(true).await.unwrap(); // done: the same delivery again is a duplicate
    /// # });
    /// ```
    pub async fn settle(self, processed: bool) -> Result<(), Outcome> {
        let end = HandlerEnd::Status(if processed { 200 } else { 500 });
        match self.conclude(end).await {
            Conclusion::Handler(_) => Ok(()),
            Conclusion::Replace(outcome) => Err(outcome),
        }
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

/// Whether a handler's HTTP status means it processed the delivery: any 2xx.
/// Only then is the delivery marked done; any other status (and an error, a
/// panic or a time-out) releases the claim so the sender's retry is
/// processed. Every adapter settles by this rule, decided here once.
///
/// ```
/// use hookgate::adapter::handler_succeeded;
/// assert!(handler_succeeded(200) && handler_succeeded(204) && handler_succeeded(299));
/// assert!(!handler_succeeded(199) && !handler_succeeded(302) && !handler_succeeded(500));
/// ```
pub const fn handler_succeeded(status: u16) -> bool {
    matches!(status, 200..=299)
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
