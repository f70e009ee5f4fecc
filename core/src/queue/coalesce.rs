//! Marking successes done in batches: one backend round trip for many
//! handlers' successes.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::queue::backend::{QueueBackend, Receipt};
use crate::queue::enqueue::within;

/// A success waiting to be marked done, and who waits for it.
pub(super) struct Completion {
    pub(super) receipt: Receipt,
    pub(super) key: Arc<str>,
    pub(super) reply: oneshot::Sender<bool>,
}

/// The most successes marked done in one backend call.
const COMPLETE_BATCH: usize = 64;

/// Marks successes done in batches: whatever arrived while the previous
/// batch was being written goes in the next
/// ([`QueueBackend::complete_many`]), one round trip for many handlers.
/// Tells each waiter whether its batch was written. Ends with the pool.
pub(super) async fn coalesce(
    backend: Arc<dyn QueueBackend>,
    done_ttl: Duration,
    deadline: Duration,
    mut completed: mpsc::UnboundedReceiver<Completion>,
) {
    let mut batch = Vec::new();
    while let Some(first) = completed.recv().await {
        batch.push(first);
        while batch.len() < COMPLETE_BATCH {
            match completed.try_recv() {
                Ok(c) => batch.push(c),
                Err(_) => break,
            }
        }
        let done: Vec<(Receipt, Arc<str>)> = batch
            .iter()
            .map(|c| (c.receipt.clone(), c.key.clone()))
            .collect();
        let written = within(deadline, backend.complete_many(&done, done_ttl))
            .await
            .is_ok();
        for c in batch.drain(..) {
            let _ = c.reply.send(written);
        }
    }
}
