//! [`Backoff`]: how long a failed attempt waits before the next one.

use std::time::Duration;

use crate::queue::config_error::QueueConfigError;

/// Exponential back-off with a cap and jitter: after attempt `n` fails, the
/// next waits `min(cap, base × factorⁿ⁻¹)`, shortened by a random part of at
/// most `jitter` of it (so many deliveries that failed together do not all
/// come back at once).
///
/// ```
/// use std::time::Duration;
/// use hookgate::queue::Backoff;
/// let b = Backoff::new(Duration::from_secs(1), Duration::from_secs(60)).jitter(0.0);
/// assert_eq!(b.delay(1), Duration::from_secs(1));
/// assert_eq!(b.delay(2), Duration::from_secs(2));
/// assert_eq!(b.delay(3), Duration::from_secs(4));
/// assert_eq!(b.delay(30), Duration::from_secs(60));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    base: Duration,
    factor: f64,
    cap: Duration,
    jitter: f64,
}

impl Default for Backoff {
    /// 1 s, doubling, at most 60 s, 20 % jitter.
    fn default() -> Self {
        Self {
            base: Duration::from_secs(1),
            factor: 2.0,
            cap: Duration::from_secs(60),
            jitter: 0.2,
        }
    }
}

impl Backoff {
    /// `base` after the first failure, doubling, at most `cap`, 20 % jitter.
    pub fn new(base: Duration, cap: Duration) -> Self {
        Self {
            base,
            cap,
            ..Self::default()
        }
    }

    /// The growth factor per attempt (default 2; at least 1).
    pub fn factor(mut self, factor: f64) -> Self {
        self.factor = factor;
        self
    }

    /// The largest part of a delay taken off at random, `0.0..=1.0`
    /// (default 0.2).
    pub fn jitter(mut self, jitter: f64) -> Self {
        self.jitter = jitter;
        self
    }

    /// The first delay.
    pub fn base(&self) -> Duration {
        self.base
    }

    /// The longest delay.
    pub fn cap(&self) -> Duration {
        self.cap
    }

    /// Whether the settings make sense (checked by `build()`).
    pub(crate) fn check(&self) -> Result<(), QueueConfigError> {
        if self.base.is_zero() {
            return Err(QueueConfigError::RetryBaseZero);
        }
        if self.cap < self.base {
            return Err(QueueConfigError::RetryCapBelowBase);
        }
        if !(self.factor.is_finite() && self.factor >= 1.0) {
            return Err(QueueConfigError::RetryFactor);
        }
        if !(0.0..=1.0).contains(&self.jitter) {
            return Err(QueueConfigError::RetryJitter);
        }
        Ok(())
    }

    /// The wait after attempt `attempt` (1-based) failed.
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = i32::try_from(attempt.saturating_sub(1)).unwrap_or(i32::MAX);
        let full = self.base.as_secs_f64() * self.factor.powi(exp);
        let capped = full.min(self.cap.as_secs_f64());
        let cut = if self.jitter > 0.0 {
            capped * self.jitter * rand::random::<f64>()
        } else {
            0.0
        };
        Duration::try_from_secs_f64((capped - cut).max(0.0)).unwrap_or(self.cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_only_shortens_and_by_at_most_its_share() {
        let b = Backoff::new(Duration::from_millis(100), Duration::from_secs(1)).jitter(0.5);
        for attempt in 1..10 {
            let full = Backoff { jitter: 0.0, ..b }.delay(attempt);
            let d = b.delay(attempt);
            assert!(d <= full && d >= full / 2, "{attempt}: {d:?} vs {full:?}");
        }
    }

    #[test]
    fn odd_settings_are_refused() {
        let ok = Backoff::default();
        assert!(ok.check().is_ok());
        assert!(Backoff::new(Duration::ZERO, Duration::from_secs(1))
            .check()
            .is_err());
        assert!(Backoff::new(Duration::from_secs(2), Duration::from_secs(1))
            .check()
            .is_err());
        assert!(ok.factor(0.5).check().is_err());
        assert!(ok.factor(f64::NAN).check().is_err());
        assert!(ok.jitter(1.5).check().is_err());
        assert_eq!(ok.factor(1e300).jitter(0.0).delay(u32::MAX), ok.cap());
    }
}
