//! Deadlines: every store call and every handler runs under one, and a timer
//! is armed only for a future that does not finish on its first poll.

use std::task::Poll;
use std::time::Duration;

use crate::idempotency::StoreError;

/// Runs a store call under `deadline`; a time-out is a [`StoreError::Timeout`].
pub(crate) async fn within<T>(
    deadline: Duration,
    fut: impl std::future::Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    match with_handler_deadline(deadline, fut).await {
        Ok(r) => r,
        Err(_) => Err(StoreError::Timeout { after: deadline }),
    }
}

/// Runs `fut` for at most `deadline` (`Err` past it, with the future dropped),
/// like `tokio::time::timeout`, but arms the timer only when the future does
/// not finish on its first poll: most handlers and in-process store calls do,
/// and a timer costs a clock read and a runtime-handle clone per request.
///
/// Adapters run the handler under the receiver's
/// [handler deadline](crate::Receiver::handler_deadline) with it.
pub async fn with_handler_deadline<F: std::future::Future>(
    deadline: Duration,
    fut: F,
) -> Result<F::Output, tokio::time::error::Elapsed> {
    let mut fut = std::pin::pin!(fut);
    if let Poll::Ready(out) = std::future::poll_fn(|cx| Poll::Ready(fut.as_mut().poll(cx))).await {
        return Ok(out);
    }
    tokio::time::timeout(deadline, fut).await
}
