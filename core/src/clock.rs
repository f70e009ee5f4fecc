//! The clock hookgate reads: wall time for signature timestamps, monotonic time
//! for every TTL (in-flight claims, done markers, known jobs in memory).
//! Injectable, so tests move time instead of sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A source of the current time.
///
/// Two readings, because they answer two questions: [`now_unix`](Self::now_unix)
/// is compared with a sender's timestamp (wall time, which may be adjusted);
/// [`monotonic`](Self::monotonic) times TTLs (it never goes back, so an
/// adjusted wall clock cannot expire a claim early or keep it forever).
/// The in-memory [`MemoryStore`](crate::store::MemoryStore) and
/// [`MemoryJobRegistry`](crate::store::MemoryJobRegistry) expire entries by the
/// monotonic reading of their clock; a receiver gives its clock to the default
/// ones it makes. Redis expires its keys by its own clock.
pub trait Clock: Send + Sync + 'static {
    /// Seconds since the Unix epoch.
    fn now_unix(&self) -> i64;

    /// Time since this clock's fixed origin, never decreasing (for a real
    /// clock). Only differences between readings of one clock mean anything.
    fn monotonic(&self) -> Duration;
}

/// A shared clock is a clock, so a test can keep a handle and move it.
impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now_unix(&self) -> i64 {
        (**self).now_unix()
    }

    fn monotonic(&self) -> Duration {
        (**self).monotonic()
    }
}

/// The system's clocks: the wall clock and the monotonic clock
/// ([`Instant`]), whose origin is the first reading in the process.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            // A clock before 1970 is broken; every timestamp will look like it
            // comes from the future and be refused, which is the safe outcome.
            Err(_) => 0,
        }
    }

    #[inline]
    fn monotonic(&self) -> Duration {
        static ORIGIN: OnceLock<Instant> = OnceLock::new();
        ORIGIN.get_or_init(Instant::now).elapsed()
    }
}

/// A clock that stands still until told otherwise; for tests. Both readings
/// move together, to the millisecond: the monotonic one is the time since the
/// Unix epoch (zero before it).
///
/// ```
/// use std::time::Duration;
/// use hookgate::clock::{Clock, FixedClock};
/// let clock = FixedClock::new(1_614_265_330);
/// clock.advance(10);
/// assert_eq!(clock.now_unix(), 1_614_265_340);
/// let before = clock.monotonic();
/// clock.advance_by(Duration::from_millis(1_500));
/// assert_eq!(clock.monotonic() - before, Duration::from_millis(1_500));
/// assert_eq!(clock.now_unix(), 1_614_265_341);
/// ```
#[derive(Debug, Default)]
pub struct FixedClock {
    /// Milliseconds since the Unix epoch.
    millis: AtomicI64,
}

impl FixedClock {
    /// A clock showing `unix` seconds.
    pub fn new(unix: i64) -> Self {
        Self {
            millis: AtomicI64::new(unix.saturating_mul(1000)),
        }
    }

    /// Sets the time, in seconds since the Unix epoch. Setting it back moves
    /// the monotonic reading back too: a test's own choice.
    pub fn set(&self, unix: i64) {
        self.millis
            .store(unix.saturating_mul(1000), Ordering::SeqCst);
    }

    /// Moves the time by `secs` (may be negative).
    pub fn advance(&self, secs: i64) {
        self.add_millis(secs.saturating_mul(1000));
    }

    /// Moves the time forward by `by`, to the millisecond (rounded down).
    pub fn advance_by(&self, by: Duration) {
        self.add_millis(i64::try_from(by.as_millis()).unwrap_or(i64::MAX));
    }

    fn add_millis(&self, ms: i64) {
        // fetch_update cannot fail with a closure that always answers Some.
        let _ = self
            .millis
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |m| {
                Some(m.saturating_add(ms))
            });
    }
}

impl Clock for FixedClock {
    fn now_unix(&self) -> i64 {
        self.millis.load(Ordering::SeqCst).div_euclid(1000)
    }

    fn monotonic(&self) -> Duration {
        let ms = self.millis.load(Ordering::SeqCst);
        Duration::from_millis(u64::try_from(ms).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_seconds_and_millis_move_together() {
        let c = FixedClock::new(100);
        assert_eq!(c.monotonic(), Duration::from_secs(100));
        c.advance_by(Duration::from_millis(999));
        assert_eq!(c.now_unix(), 100);
        c.advance_by(Duration::from_millis(1));
        assert_eq!(c.now_unix(), 101);
        c.advance(-2);
        assert_eq!(c.now_unix(), 99);
        assert_eq!(c.monotonic(), Duration::from_secs(99));
        c.set(-5);
        assert_eq!(c.now_unix(), -5);
        assert_eq!(c.monotonic(), Duration::ZERO);
        c.set(0);
        c.advance_by(Duration::MAX); // saturates
        assert_eq!(c.now_unix(), i64::MAX.div_euclid(1000));
    }

    #[test]
    fn the_system_clock_is_monotonic_and_shared_clocks_read_through() {
        let a = SystemClock.monotonic();
        let b = SystemClock.monotonic();
        assert!(b >= a);
        let shared = Arc::new(FixedClock::new(7));
        let dynamic: Arc<dyn Clock> = shared.clone();
        shared.advance(1);
        assert_eq!(dynamic.now_unix(), 8);
        assert_eq!(Arc::clone(&shared).monotonic(), Duration::from_secs(8));
    }
}
