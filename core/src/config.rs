//! [`ReceiverConfig`]: a receiver's settings as grouped data (secrets,
//! direct mode, limits, timeouts, networks), so an app can keep them in its
//! own configuration (environment, Figment, TOML) and load them with serde
//! (feature `serde`). Objects — stores, registries, a clock, a queue — stay
//! on the [`ReceiverBuilder`](crate::ReceiverBuilder).

use std::time::Duration;

#[cfg(feature = "serde")]
use serde::Deserialize;

/// A receiver's settings. Every field is optional: what is left out keeps
/// what the builder had (its default, or an earlier call). Apply it with
/// [`ReceiverBuilder::config`](crate::ReceiverBuilder::config);
/// [`build`](crate::ReceiverBuilder::build) still checks all of it.
///
/// With the `serde` feature it deserializes from any format, durations as
/// text (`"25s"`, `"28h"`, `"500ms"`), unknown fields refused:
///
#[cfg_attr(feature = "serde", doc = "```")]
#[cfg_attr(not(feature = "serde"), doc = "```ignore")]
/// use hookgate::{Receiver, ReceiverConfig};
///
/// let config: ReceiverConfig = serde_json::from_str(r#"{
///     "secrets": ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
///     "limits": { "max_body_bytes": 1048576 },
///     "timeouts": { "handler_deadline": "10s", "done_ttl": "30h" },
///     "networks": { "trusted_proxies": ["10.0.0.0/8"] }
/// }"#).unwrap();
/// let receiver = Receiver::builder().config(config).build().unwrap();
/// assert_eq!(receiver.max_body_bytes(), 1_048_576);
/// assert_eq!(receiver.handler_deadline().as_secs(), 10);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(Deserialize),
    serde(default, deny_unknown_fields)
)]
#[non_exhaustive]
pub struct ReceiverConfig {
    /// `whsec_…` secrets and `whpk_…` public keys (several during a
    /// rotation). Signed mode needs at least one unless `direct` is set.
    pub secrets: Vec<String>,
    /// Direct (unsigned) mode, instead of signed mode.
    pub direct: Option<DirectConfig>,
    /// Sizes.
    pub limits: Limits,
    /// Windows, TTLs and deadlines.
    pub timeouts: Timeouts,
    /// Client addresses: trusted proxies and allowed sources.
    pub networks: NetworkConfig,
    /// The prefix of every key in the store (default `hookgate:`).
    pub key_prefix: Option<String>,
    /// Skip deduplication when the store cannot be reached (default off).
    pub fail_open: bool,
}

/// Shows no secret and no token.
impl std::fmt::Debug for ReceiverConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiverConfig")
            .field(
                "secrets",
                &format_args!("[{} redacted]", self.secrets.len()),
            )
            .field("direct", &self.direct)
            .field("limits", &self.limits)
            .field("timeouts", &self.timeouts)
            .field("networks", &self.networks)
            .field("key_prefix", &self.key_prefix)
            .field("fail_open", &self.fail_open)
            .finish()
    }
}

/// Direct mode's checks (see [`DirectPolicy`](crate::DirectPolicy)).
#[derive(Clone, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(Deserialize),
    serde(default, deny_unknown_fields)
)]
#[non_exhaustive]
pub struct DirectConfig {
    /// The token the app put in the job's metadata.
    pub token: Option<String>,
    /// The metadata field holding it (default `webhook_secret`).
    pub token_field: Option<String>,
    /// Accept only job ids the app registered.
    pub known_jobs: bool,
    /// How long a registered job id is known.
    #[cfg_attr(feature = "serde", serde(with = "humantime_serde"))]
    pub job_ttl: Option<Duration>,
}

/// Shows no token.
impl std::fmt::Debug for DirectConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectConfig")
            .field("token", &self.token.as_ref().map(|_| "redacted"))
            .field("token_field", &self.token_field)
            .field("known_jobs", &self.known_jobs)
            .field("job_ttl", &self.job_ttl)
            .finish()
    }
}

/// Sizes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(Deserialize),
    serde(default, deny_unknown_fields)
)]
#[non_exhaustive]
pub struct Limits {
    /// The largest body accepted (default 16 MiB).
    pub max_body_bytes: Option<usize>,
}

/// Windows, TTLs and deadlines (each left out keeps its default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(Deserialize),
    serde(default, deny_unknown_fields)
)]
#[non_exhaustive]
pub struct Timeouts {
    /// How old a timestamp may be (default 300 s).
    #[cfg_attr(feature = "serde", serde(with = "humantime_serde"))]
    pub tolerance_past: Option<Duration>,
    /// How far ahead a timestamp may be (default 300 s).
    #[cfg_attr(feature = "serde", serde(with = "humantime_serde"))]
    pub tolerance_future: Option<Duration>,
    /// How long a claim stays in flight (default 30 s).
    #[cfg_attr(feature = "serde", serde(with = "humantime_serde"))]
    pub in_flight_ttl: Option<Duration>,
    /// How long a done marker lives (default 28 h).
    #[cfg_attr(feature = "serde", serde(with = "humantime_serde"))]
    pub done_ttl: Option<Duration>,
    /// The deadline of each store call (default 1 s).
    #[cfg_attr(feature = "serde", serde(with = "humantime_serde"))]
    pub store_deadline: Option<Duration>,
    /// How long a handler may run (default 25 s).
    #[cfg_attr(feature = "serde", serde(with = "humantime_serde"))]
    pub handler_deadline: Option<Duration>,
    /// `Retry-After` on 409 and 503 (default 5 s).
    #[cfg_attr(feature = "serde", serde(with = "humantime_serde"))]
    pub retry_after: Option<Duration>,
}

/// Client addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(Deserialize),
    serde(default, deny_unknown_fields)
)]
#[non_exhaustive]
pub struct NetworkConfig {
    /// Proxies whose `X-Forwarded-For` is believed (CIDRs or addresses).
    pub trusted_proxies: Vec<String>,
    /// When set, only these networks may deliver (403 for others).
    pub allowed_sources: Option<Vec<String>>,
}

/// A builder setting that takes a duration.
type SetDuration = fn(crate::ReceiverBuilder, Duration) -> crate::ReceiverBuilder;

impl ReceiverConfig {
    /// Applies every setting given to `builder`.
    pub(crate) fn apply(self, mut b: crate::ReceiverBuilder) -> crate::ReceiverBuilder {
        for secret in self.secrets {
            b = b.secret(secret);
        }
        if let Some(d) = self.direct {
            let mut policy = crate::DirectPolicy::new().known_jobs(d.known_jobs);
            if let Some(token) = d.token {
                policy = policy.token(token);
            }
            if let Some(field) = d.token_field {
                policy = policy.token_field(field);
            }
            if let Some(ttl) = d.job_ttl {
                policy = policy.job_ttl(ttl);
            }
            b = b.direct(policy);
        }
        if let Some(n) = self.limits.max_body_bytes {
            b = b.max_body_bytes(n);
        }
        let t = self.timeouts;
        if t.tolerance_past.is_some() || t.tolerance_future.is_some() {
            let default = crate::Tolerance::default();
            b = b.tolerance(crate::Tolerance {
                past: t.tolerance_past.unwrap_or(default.past),
                future: t.tolerance_future.unwrap_or(default.future),
            });
        }
        let timed: [(Option<Duration>, SetDuration); 5] = [
            (t.in_flight_ttl, crate::ReceiverBuilder::in_flight_ttl),
            (t.done_ttl, crate::ReceiverBuilder::done_ttl),
            (t.store_deadline, crate::ReceiverBuilder::store_deadline),
            (t.handler_deadline, crate::ReceiverBuilder::handler_deadline),
            (t.retry_after, crate::ReceiverBuilder::retry_after),
        ];
        for (value, set) in timed {
            if let Some(d) = value {
                b = set(b, d);
            }
        }
        if !self.networks.trusted_proxies.is_empty() {
            b = b.trusted_proxies(self.networks.trusted_proxies.join(","));
        }
        if let Some(allowed) = self.networks.allowed_sources {
            b = b.allowed_sources(allowed.join(","));
        }
        if let Some(prefix) = self.key_prefix {
            b = b.key_prefix(prefix);
        }
        if self.fail_open {
            b = b.fail_open(true);
        }
        b
    }
}
