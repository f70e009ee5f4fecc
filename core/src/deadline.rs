//! Deadlines: every store call and every handler runs under one, and a timer
//! is armed only for a future that does not finish on its first poll.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::time::Sleep;

use crate::idempotency::StoreError;

/// How far ahead an instant too far to represent is put: about a century.
const FAR_FUTURE: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// `Instant::now() + after`, saturating: a duration past what an `Instant`
/// can hold (a configured `Duration::MAX` meaning "never") gives an instant
/// about a century away, not a panic.
pub(crate) fn instant_after(after: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(after)
        .or_else(|| now.checked_add(FAR_FUTURE))
        .unwrap_or(now)
}

/// Runs a store call under `deadline`; a time-out is a [`StoreError::Timeout`].
pub(crate) fn within<T, F>(deadline: Duration, fut: F) -> StoreCall<F>
where
    F: Future<Output = Result<T, StoreError>>,
{
    StoreCall {
        call: with_handler_deadline(deadline, fut),
    }
}

pin_project_lite::pin_project! {
    /// A store call under its deadline (see [`within`]).
    pub(crate) struct StoreCall<F> {
        #[pin]
        call: Deadline<F>,
    }
}

impl<T, F> Future for StoreCall<F>
where
    F: Future<Output = Result<T, StoreError>>,
{
    type Output = Result<T, StoreError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project().call.poll(cx).map(|out| match out {
            Ok(r) => r,
            Err(DeadlineElapsed { after }) => Err(StoreError::Timeout { after }),
        })
    }
}

/// The future did not finish within its deadline (it was dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("did not finish within {after:?}")]
pub struct DeadlineElapsed {
    /// The deadline that passed.
    pub after: Duration,
}

/// Runs `fut` for at most `deadline` (`Err` past it, with the future dropped),
/// like `tokio::time::timeout`, but arms the timer only when the future does
/// not finish on its first poll: most handlers and in-process store calls do,
/// and a timer costs a clock read, a runtime-handle clone and (inline) more
/// than a hundred bytes in every future that awaits it. Here the timer lives
/// on the heap and only while it is needed, so the returned future is `fut`
/// plus a few words.
///
/// Adapters run the handler under the receiver's
/// [handler deadline](crate::Receiver::handler_deadline) with it. Outside a
/// Tokio runtime a future that does not finish on its first poll panics when
/// the timer is armed, as `tokio::time::timeout` does.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use std::time::Duration;
/// use hookgate::adapter::{with_handler_deadline, DeadlineElapsed};
///
/// let quick = with_handler_deadline(Duration::from_millis(10), async { 7 }).await;
/// assert_eq!(quick, Ok(7));
///
/// let slow = with_handler_deadline(
///     Duration::from_millis(10),
///     tokio::time::sleep(Duration::from_secs(60)),
/// )
/// .await;
/// assert_eq!(slow, Err(DeadlineElapsed { after: Duration::from_millis(10) }));
/// # });
/// ```
pub fn with_handler_deadline<F: Future>(deadline: Duration, fut: F) -> Deadline<F> {
    Deadline {
        fut,
        deadline,
        timer: None,
    }
}

pin_project_lite::pin_project! {
    /// The future of [`with_handler_deadline`].
    #[must_use = "futures do nothing unless awaited"]
    pub struct Deadline<F> {
        #[pin]
        fut: F,
        deadline: Duration,
        // Armed at the first poll that finds `fut` pending.
        timer: Option<Pin<Box<Sleep>>>,
    }
}

impl<F> std::fmt::Debug for Deadline<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deadline")
            .field("deadline", &self.deadline)
            .field("armed", &self.timer.is_some())
            .finish_non_exhaustive()
    }
}

impl<F: Future> Future for Deadline<F> {
    type Output = Result<F::Output, DeadlineElapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(out) = this.fut.poll(cx) {
            return Poll::Ready(Ok(out));
        }
        let deadline = *this.deadline;
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(deadline)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(DeadlineElapsed { after: deadline })),
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instant_after_saturates() {
        let before = Instant::now();
        assert!(instant_after(Duration::MAX) >= before + FAR_FUTURE);
        let soon = instant_after(Duration::from_secs(1));
        assert!(soon >= before + Duration::from_secs(1) && soon < before + Duration::from_secs(60));
    }

    /// Pending on its first `n` polls (waking itself), then ready.
    struct PendingFor(u32);

    impl Future for PendingFor {
        type Output = u32;
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
            if self.0 == 0 {
                return Poll::Ready(42);
            }
            self.0 -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    #[test]
    fn ready_on_first_poll_needs_no_runtime_and_no_timer() {
        // No Tokio runtime here: arming a timer would panic.
        let out = poll_once(with_handler_deadline(
            Duration::from_millis(1),
            PendingFor(0),
        ));
        assert_eq!(out, Ok(42));
    }

    #[tokio::test]
    async fn pending_futures_finish_before_the_deadline() {
        let out = with_handler_deadline(Duration::from_secs(5), PendingFor(3)).await;
        assert_eq!(out, Ok(42));
    }

    #[tokio::test]
    async fn past_the_deadline_it_is_an_error_and_the_future_is_dropped() {
        let dropped = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        struct Flag(std::sync::Arc<std::sync::atomic::AtomicBool>);
        impl Drop for Flag {
            fn drop(&mut self) {
                self.0.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let flag = Flag(dropped.clone());
        let slow = async move {
            tokio::time::sleep(Duration::from_secs(60)).await;
            drop(flag);
        };
        let out = with_handler_deadline(Duration::from_millis(100), slow).await;
        assert_eq!(
            out,
            Err(DeadlineElapsed {
                after: Duration::from_millis(100)
            })
        );
        assert!(dropped.load(std::sync::atomic::Ordering::SeqCst));
    }

    #[tokio::test]
    async fn store_calls_past_the_deadline_are_timeouts() {
        let out: Result<(), StoreError> = within(Duration::from_millis(20), async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            Ok(())
        })
        .await;
        assert!(
            matches!(out, Err(StoreError::Timeout { after }) if after == Duration::from_millis(20))
        );
    }

    #[test]
    fn the_future_is_the_inner_future_plus_a_few_words() {
        let inner = async { [0u8; 512] };
        let inner_size = std::mem::size_of_val(&inner);
        let wrapped = with_handler_deadline(Duration::from_secs(1), async { [0u8; 512] });
        assert!(
            std::mem::size_of_val(&wrapped) <= inner_size + 48,
            "{} vs {inner_size}",
            std::mem::size_of_val(&wrapped)
        );
    }

    /// Polls once with a no-op waker: enough for a future that is ready at once.
    fn poll_once<F: Future>(fut: F) -> F::Output {
        let mut fut = std::pin::pin!(fut);
        let mut cx = Context::from_waker(std::task::Waker::noop());
        match fut.as_mut().poll(&mut cx) {
            Poll::Ready(out) => out,
            Poll::Pending => panic!("not ready on the first poll"),
        }
    }
}
