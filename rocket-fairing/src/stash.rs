//! Request-local state that carries the guard's decision to the fairing's
//! `on_response`: either the answer to write (a refusal, a duplicate), or the
//! claim to settle once the route's final status is known. It also signals the
//! moment of admission to a [`with_deadline`](crate::with_deadline) route.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use tokio::sync::Notify;

use hookgate::Outcome;

use hookgate::adapter::Claim;
use rocket::Request;

use crate::renewal::Renewal;

/// What the [`Webhook`](crate::Webhook) guard decided about one request.
#[derive(Debug)]
pub(crate) enum Decision {
    /// The handler is not called; the fairing writes this answer.
    Refused(Outcome),
    /// The route runs; the fairing settles the claim from its status.
    Admitted {
        /// The delivery's claim.
        claim: Claim,
        /// Keeps the claim alive while the route runs (stopped on drop);
        /// `None` on a [`with_deadline`](crate::with_deadline) route, which is
        /// cancelled before the claim's in-flight TTL can lapse.
        renewal: Option<Renewal>,
    },
}

/// One request's slot, in Rocket's request-local cache.
#[derive(Debug, Default)]
pub(crate) struct Stash {
    decision: Mutex<Option<Decision>>,
    admitted: Notify,
    bounded: AtomicBool,
    /// The request's `hookgate.delivery` span (observe), made by whichever
    /// of the deadline wrapper and the guard runs first.
    span: OnceLock<tracing::Span>,
}

impl Stash {
    /// The slot of `request`.
    pub(crate) fn of<'r>(request: &'r Request<'_>) -> &'r Stash {
        request.local_cache(Stash::default)
    }

    /// Records the guard's decision (a previous one, if any, is dropped: its
    /// claim releases itself).
    pub(crate) fn put(&self, decision: Decision) {
        let previous = self.lock().replace(decision);
        drop(previous);
    }

    /// Records an admission: the route is about to run.
    pub(crate) fn admit(&self, decision: Decision) {
        self.put(decision);
        self.admitted.notify_one();
    }

    /// Resolves once the guard has admitted the delivery.
    pub(crate) async fn admitted(&self) {
        self.admitted.notified().await;
    }

    /// Marks whether the route now running is bounded by the handler deadline
    /// (cleared when it returns, in case it forwards to an unbounded route).
    pub(crate) fn set_bounded(&self, bounded: bool) {
        self.bounded.store(bounded, Ordering::Relaxed);
    }

    /// Whether the route is cancelled at the handler deadline (the core keeps
    /// that deadline below the in-flight TTL, so its claim needs no renewal).
    pub(crate) fn is_bounded(&self) -> bool {
        self.bounded.load(Ordering::Relaxed)
    }

    /// The request's `hookgate.delivery` span; `None` when no subscriber
    /// wants it (nothing is entered then).
    pub(crate) fn span(&self) -> Option<tracing::Span> {
        let span = self
            .span
            .get_or_init(|| hookgate::observe::delivery_span(hookgate::observe::FRAMEWORK_ROCKET));
        (!span.is_disabled()).then(|| span.clone())
    }

    /// Takes the decision out, once.
    pub(crate) fn take(&self) -> Option<Decision> {
        self.lock().take()
    }

    fn lock(&self) -> MutexGuard<'_, Option<Decision>> {
        self.decision.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
