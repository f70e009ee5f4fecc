//! The senders' retry schedules, compressed by `--speed` for local testing.

use std::time::Duration;

use crate::args::Retries;

const SECOND: u64 = 1;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;

/// Svix's delays after a failed attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
const SVIX: [u64; 7] = [
    5 * SECOND,
    5 * MINUTE,
    30 * MINUTE,
    2 * HOUR,
    5 * HOUR,
    10 * HOUR,
    10 * HOUR,
];

/// Direct deliveries: 3 retries with doubling back-off, 10 s, 20 s, 40 s.
const DIRECT: [u64; 3] = [10 * SECOND, 20 * SECOND, 40 * SECOND];

/// The delays before each retry, divided by `speed` (> 0).
pub fn schedule(retries: Retries, speed: f64) -> Vec<Duration> {
    let secs: &[u64] = match retries {
        Retries::None => &[],
        Retries::Svix => &SVIX,
        Retries::Direct => &DIRECT,
    };
    secs.iter()
        .map(|s| Duration::from_secs_f64(*s as f64 / speed))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_divides_every_delay() {
        assert_eq!(
            schedule(Retries::Direct, 1000.0),
            [10, 20, 40].map(Duration::from_millis)
        );
        let svix = schedule(Retries::Svix, 1.0);
        assert_eq!(svix.len(), 7);
        assert_eq!(svix[1], Duration::from_secs(300));
        assert!(schedule(Retries::None, 1.0).is_empty());
    }
}
