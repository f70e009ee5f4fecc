//! The worker pool's spawned tasks: a handler's task aborted with its
//! attempt, the running ones drained at shutdown, a panic's message.

use std::time::Duration;

use tokio::task::{JoinHandle, JoinSet};

/// Shutting down: lets running handlers finish within `grace`, then cancels
/// what is left (their entries stay in the queue, to be reclaimed). Returns
/// how many were cancelled.
pub(super) async fn drain(mut running: JoinSet<()>, grace: Duration) -> usize {
    let finished = tokio::time::timeout(grace, async {
        while running.join_next().await.is_some() {}
    })
    .await;
    if finished.is_ok() {
        return 0;
    }
    let left = running.len();
    tracing::warn!(left, ?grace, "hookgate: handlers still running at shutdown were cancelled; their entries are taken over after the visibility timeout");
    running.shutdown().await;
    left
}

/// A spawned handler, aborted when its attempt is dropped (shutdown).
pub(super) struct AbortOnDrop<T>(pub(super) JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub(super) fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".to_owned()
    }
}
