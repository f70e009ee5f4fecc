//! CPU-heavy steps on large bodies (signature verification, the direct-mode
//! parse) moved off the async worker, so one large delivery does not stall
//! every other connection the worker serves.
//!
//! On a multi-threaded Tokio runtime, a body of at least
//! [`OFFLOAD_THRESHOLD`] bytes is processed inside
//! [`tokio::task::block_in_place`]: the worker hands its other tasks to
//! another thread first. Smaller bodies, and every body on a current-thread
//! runtime (actix-web's workers; `block_in_place` is not allowed there) or
//! outside any runtime, are processed inline; the work is bounded anyway (see
//! [`MAX_V1A_ATTEMPTS_PER_KEY`](crate::signing::MAX_V1A_ATTEMPTS_PER_KEY)).

use tokio::runtime::{Handle, RuntimeFlavor};

/// Bodies from this size on are verified off the async worker (256 KiB).
/// Measured (`benches/large_bodies.rs`, a loaded 2-core machine): at 256 KiB
/// one HMAC pass took 1.6 ms and two refused `v1a` checks 13 ms, against
/// ≈ 22 µs for the hand-off itself (a fresh task with and without
/// `block_in_place`: 39 µs vs 17 µs); at 64 KiB the HMAC (0.25 ms) is still
/// ten times the hand-off, below that the hand-off would be the larger cost
/// for HMAC. See docs/benchmarks.md, "Large bodies".
pub const OFFLOAD_THRESHOLD: usize = 256 * 1024;

/// Runs `work` over a body of `len` bytes: inside `block_in_place` when the
/// body is large and the runtime allows it, inline otherwise.
///
/// Split hot and cold: an ordinary body costs one comparison and `work`
/// runs in the caller (`heavy` is always inlined), while the large-body
/// path is its own cold function. As one function, its instantiation for
/// the Standard Webhooks check held `work` twice and was sometimes not
/// inlined (+34 instructions a delivery, `loadbench/count.sh`).
#[inline(always)]
pub(crate) fn heavy<T>(len: usize, work: impl FnOnce() -> T) -> T {
    if len >= OFFLOAD_THRESHOLD {
        large(work)
    } else {
        work()
    }
}

/// A large body: off the async worker where the runtime allows it.
#[cold]
#[inline(never)]
fn large<T>(work: impl FnOnce() -> T) -> T {
    if on_multi_thread_runtime() {
        tokio::task::block_in_place(work)
    } else {
        work()
    }
}

fn on_multi_thread_runtime() -> bool {
    Handle::try_current().is_ok_and(|h| h.runtime_flavor() == RuntimeFlavor::MultiThread)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    /// Waits (at most 10 s) for `flag`, which only another task sets.
    fn wait_for(flag: &AtomicBool) -> bool {
        let start = Instant::now();
        while !flag.load(Ordering::SeqCst) {
            if start.elapsed() > Duration::from_secs(10) {
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        true
    }

    // With one worker, a task spawned by the task doing a large body's work
    // runs while that work blocks: the worker handed its queue off. Inline,
    // it could not (the only worker is busy waiting).
    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn large_bodies_let_other_tasks_run() {
        let ran = tokio::spawn(async {
            let flag = Arc::new(AtomicBool::new(false));
            let setter = flag.clone();
            tokio::spawn(async move { setter.store(true, Ordering::SeqCst) });
            heavy(OFFLOAD_THRESHOLD, || wait_for(&flag))
        });
        assert!(ran.await.unwrap(), "the worker stalled");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn small_bodies_stay_inline() {
        // Inline work sees the runtime it runs on; offloaded work does not
        // (block_in_place leaves the runtime context).
        let inline = heavy(OFFLOAD_THRESHOLD - 1, || {
            std::panic::catch_unwind(|| Handle::current().block_on(async {})).is_err()
        });
        assert!(inline, "small body work ran outside the runtime");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_current_thread_runtime_runs_everything_inline() {
        assert_eq!(heavy(usize::MAX, || 7), 7);
    }

    #[test]
    fn outside_a_runtime_runs_inline() {
        assert_eq!(heavy(usize::MAX, || 7), 7);
    }
}
