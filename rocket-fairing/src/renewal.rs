//! Keeping a claim alive while its route runs.
//!
//! Rocket gives a fairing no way to cancel a running route, so hookgate cannot
//! stop a slow route at the receiver's handler deadline the way the tower and
//! actix adapters do. Instead, while the route runs, a small task renews the
//! claim's in-flight TTL every [`ClaimRenewer::interval`] (a third of the TTL),
//! so the claim never lapses under a route that is still working: a retry of
//! the same delivery meanwhile gets `409` + `Retry-After`, never a second,
//! concurrent run. The task stops when the claim is settled or dropped.

use std::time::Duration;

use hookgate::adapter::{Claim, ClaimRenewer};
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

/// The smallest renewal period, whatever the in-flight TTL.
const MIN_INTERVAL: Duration = Duration::from_millis(10);

/// The renewal task of one claim; dropping it stops the task.
#[derive(Debug)]
pub(crate) struct Renewal {
    task: Option<JoinHandle<()>>,
}

impl Renewal {
    /// Starts renewing `claim` (nothing to do for an unclaimed delivery under
    /// fail-open). Past `deadline` (the receiver's handler deadline) it logs
    /// once that the route is still running.
    pub(crate) fn start(claim: &Claim, deadline: Duration) -> Self {
        let Some(renewer) = claim.renewer() else {
            return Self { task: None };
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => Self {
                task: Some(runtime.spawn(renew_until_stopped(renewer, deadline))),
            },
            Err(_) => {
                tracing::warn!(
                    "hookgate: no tokio runtime to renew the claim in; it lapses with its in-flight TTL"
                );
                Self { task: None }
            }
        }
    }
}

impl Drop for Renewal {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn renew_until_stopped(renewer: ClaimRenewer, deadline: Duration) {
    let started = Instant::now();
    let period = renewer.interval().max(MIN_INTERVAL);
    let mut ticks = tokio::time::interval_at(started + period, period);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut warned = false;
    loop {
        ticks.tick().await;
        if !warned && started.elapsed() > deadline {
            warned = true;
            tracing::warn!(
                ?deadline,
                "hookgate: the route is still running past the handler deadline; Rocket cannot cancel it, so its claim is being kept alive until it returns"
            );
        }
        match renewer.renew().await {
            Ok(true) => tracing::trace!("hookgate: claim renewed"),
            Ok(false) => {
                tracing::warn!(
                    "hookgate: the claim is no longer held (it expired or was taken over); stopped renewing"
                );
                return;
            }
            // The next tick tries again; two misses still leave a third of the TTL.
            Err(error) => tracing::warn!(%error, "hookgate: could not renew the claim"),
        }
    }
}
