//! The server-version check: a claim is one `SET … NX PX … GET`, which Redis
//! accepts only from 7.0 on. An older server would refuse every claim (so every
//! delivery would be answered 503); refusing it at connect time says why.

use ::redis::{ErrorKind, RedisResult, ServerErrorKind};

use super::backend;
use crate::idempotency::StoreError;

/// The oldest Redis major version hookgate works with.
pub const MIN_REDIS_MAJOR: u32 = 7;

/// The server is older than Redis 7.0.
///
/// ```
/// let err = hookgate::redis::UnsupportedServer { found: "6.2.14".into() };
/// assert!(err.to_string().contains("6.2.14"));
/// ```
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[error("hookgate needs Redis 7.0 or newer (a claim is one `SET … NX GET`); the server reports version {found}")]
pub struct UnsupportedServer {
    /// The version the server reported (`redis_version` of `INFO server`).
    pub found: String,
}

crate::readable_debug::readable_debug!(UnsupportedServer);

/// Checks the reply to `INFO server`. A server that refuses the command (an
/// ACL user without `INFO`, a renamed command) is not checked; a connection
/// failure is an error.
pub(super) fn check_reply(reply: RedisResult<String>) -> Result<(), StoreError> {
    match reply {
        Ok(info) => check_info(&info),
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::Server(ServerErrorKind::NoPerm | ServerErrorKind::ResponseError)
                    | ErrorKind::Extension
            ) =>
        {
            tracing::debug!(error = %e, "hookgate: INFO refused; the Redis version is not checked");
            Ok(())
        }
        Err(e) => Err(backend(e)),
    }
}

/// Checks the `redis_version` line of an `INFO server` reply. A reply without
/// one (a proxy that hides it) passes: the first claim will tell.
pub(super) fn check_info(info: &str) -> Result<(), StoreError> {
    let Some(found) = info
        .lines()
        .find_map(|l| l.trim().strip_prefix("redis_version:"))
    else {
        tracing::debug!("hookgate: the Redis server did not report its version; not checked");
        return Ok(());
    };
    let major = found
        .split('.')
        .next()
        .and_then(|m| m.trim().parse::<u32>().ok());
    match major {
        Some(m) if m >= MIN_REDIS_MAJOR => Ok(()),
        Some(_) => Err(StoreError::Backend(Box::new(UnsupportedServer {
            found: found.trim().to_owned(),
        }))),
        None => {
            tracing::debug!(
                version = found,
                "hookgate: unparsable Redis version; not checked"
            );
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_7_and_later_refuses_6() {
        assert!(
            check_info("# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n").is_ok()
        );
        assert!(check_info("redis_version:7.2.4\r\nvalkey_version:8.0.1\r\n").is_ok());
        assert!(check_info("redis_version:10.0.0\r\n").is_ok());
        let err = check_info("# Server\r\nredis_version:6.2.14\r\n").unwrap_err();
        assert!(err.to_string().contains("backend"));
        let StoreError::Backend(source) = err else {
            panic!("expected a backend error");
        };
        assert_eq!(
            source.downcast_ref::<UnsupportedServer>(),
            Some(&UnsupportedServer {
                found: "6.2.14".into()
            })
        );
    }

    #[test]
    fn unknown_versions_pass() {
        assert!(check_info("").is_ok());
        assert!(check_info("redis_version:unknown\r\n").is_ok());
    }
}
