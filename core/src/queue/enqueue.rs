//! Queue mode's admission step: after the checks every mode runs, the payload
//! is checked against the handler's event type, then the delivery is enqueued
//! atomically (or found to be a duplicate) and answered.

use std::future::Future;
use std::time::Duration;

use crate::admit::Checked;
use crate::deadline::with_handler_deadline;
use crate::idempotency::StoreError;
use crate::outcome::Outcome;
use crate::queue::backend::Enqueued;
use crate::queue::entry::QueueEntry;
use crate::queue::error::QueueError;
use crate::receiver::{Admission, Receiver};
use crate::rejection::Rejection;

/// Runs one backend call under `deadline`; a time-out is a
/// [`StoreError::Timeout`].
pub(crate) async fn within<T>(
    deadline: Duration,
    call: impl Future<Output = Result<T, QueueError>>,
) -> Result<T, QueueError> {
    match with_handler_deadline(deadline, call).await {
        Ok(r) => r,
        Err(_) => Err(StoreError::Timeout { after: deadline }.into()),
    }
}

impl Receiver {
    /// Refuses, before anything is enqueued, a payload the workers' handler
    /// could not be given (`400`).
    pub(crate) fn validate_queued(&self, checked: &Checked) -> Result<(), Rejection> {
        match &self.inner.queue {
            Some(q) => (q.validate)(&checked.delivery),
            None => Ok(()),
        }
    }

    /// Enqueue-or-duplicate, then the answer: `202` queued, `200` duplicate,
    /// `503` + `Retry-After` when the queue cannot be reached (fail closed,
    /// whatever `fail_open` says: without the queue nothing can run).
    #[allow(
        clippy::manual_async_fn,
        reason = "an async fn would copy `checked` into a local and hold both"
    )]
    pub(crate) fn enqueue(
        &self,
        checked: Checked,
    ) -> impl Future<Output = Result<Admission, Rejection>> + Send + '_ {
        async move {
            let Some(queue) = &self.inner.queue else {
                return Err(Rejection::NotInstalled);
            };
            let s = &self.inner.settle;
            let unavailable = |e: QueueError| Rejection::StoreUnavailable {
                retry_after: s.retry_after,
                source: e.into_store_error(),
            };
            let deadline = queue.enqueue_deadline.unwrap_or(s.deadline);
            if let Some(job) = checked.known_job() {
                match s.within(s.jobs().is_known(job)).await {
                    Ok(true) => {}
                    Ok(false) => {
                        // A retry of a final event whose job was forgotten once
                        // processed is a duplicate, not an unknown job.
                        let marked = within(deadline, queue.backend.is_marked(&checked.key))
                            .await
                            .map_err(unavailable)?;
                        return if marked {
                            Ok(Admission::Respond(Outcome::Duplicate))
                        } else {
                            Err(Rejection::UnknownJob)
                        };
                    }
                    Err(source) => self.store_failed(source)?,
                }
            }
            let forget = checked.job_to_forget();
            let entry = QueueEntry::new(checked.key, checked.delivery).forgetting_job(forget);
            let started = std::time::Instant::now();
            let enqueued = within(deadline, queue.backend.enqueue(&entry)).await;
            crate::observe::enqueued(started);
            match enqueued {
                Ok(Enqueued::Queued) => Ok(Admission::Respond(Outcome::Queued)),
                Ok(Enqueued::Duplicate) => Ok(Admission::Respond(Outcome::Duplicate)),
                Err(e) => Err(unavailable(e)),
            }
        }
    }
}
