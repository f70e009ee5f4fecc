//! The body limit: Rocket's named limit `webhook`, never above the receiver's
//! `max_body_bytes`, and the launch-time check of its configuration.

use rocket::data::{ByteUnit, Limits};
use rocket::figment::Figment;

use crate::config_error::ConfigError;

/// The name of the Rocket limit the [`Webhook`](crate::Webhook) guard reads the
/// body with (`limits.webhook` in `Rocket.toml`, `ROCKET_LIMITS={webhook="1MiB"}`,
/// or [`Limits::limit`]). When unset, the receiver's `max_body_bytes` applies.
pub const LIMIT_NAME: &str = "webhook";

/// Checks the `webhook` limit of a rocket's configuration against the receiver.
/// Unreadable `limits` are left for Rocket itself to report.
pub(crate) fn check(figment: &Figment, max_body: usize) -> Result<(), ConfigError> {
    let Ok(limits) = figment.extract_inner::<Limits>("limits") else {
        return Ok(());
    };
    check_limit(limits.get(LIMIT_NAME), max_body)
}

fn check_limit(limit: Option<ByteUnit>, max_body: usize) -> Result<(), ConfigError> {
    match limit.map(ByteUnit::as_u64) {
        None => Ok(()),
        Some(0) => Err(ConfigError::ZeroLimit { max_body }),
        Some(limit) if limit > max_body as u64 => {
            Err(ConfigError::LimitAboveReceiver { limit, max_body })
        }
        Some(_) => Ok(()),
    }
}

/// The largest body read for one request: `limits.webhook` when set, never
/// more than the receiver's `max_body_bytes`.
pub(crate) fn effective(limits: &Limits, max_body: usize) -> usize {
    let max = max_body as u64;
    let limit = limits.get(LIMIT_NAME).map_or(max, |l| l.as_u64().min(max));
    // `limit <= max_body`, so it fits a usize.
    usize::try_from(limit).unwrap_or(max_body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rocket::data::ToByteUnit;

    #[test]
    fn limit_must_be_positive_and_within_the_receiver() {
        assert_eq!(check_limit(None, 10), Ok(()));
        assert_eq!(check_limit(Some(10.bytes()), 10), Ok(()));
        assert_eq!(check_limit(Some(4.bytes()), 10), Ok(()));
        assert_eq!(
            check_limit(Some(0.bytes()), 10),
            Err(ConfigError::ZeroLimit { max_body: 10 })
        );
        assert_eq!(
            check_limit(Some(11.bytes()), 10),
            Err(ConfigError::LimitAboveReceiver {
                limit: 11,
                max_body: 10
            })
        );
    }

    #[test]
    fn effective_limit_is_the_smaller() {
        let none = Limits::new();
        assert_eq!(effective(&none, 100), 100);
        let small = Limits::new().limit(LIMIT_NAME, 40.bytes());
        assert_eq!(effective(&small, 100), 40);
        let large = Limits::new().limit(LIMIT_NAME, 1.mebibytes());
        assert_eq!(effective(&large, 100), 100);
    }
}
