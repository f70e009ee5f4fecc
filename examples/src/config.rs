//! The example receivers' environment (see `docs/contract.md`).

use std::net::SocketAddr;
use std::time::Duration;

/// How deliveries are authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookMode {
    /// Svix / Standard Webhooks signatures (`WEBHOOK_MODE=svix`).
    Svix,
    /// Unsigned deliveries (`WEBHOOK_MODE=direct`).
    Direct,
}

/// Which signature scheme signed mode checks (`WEBHOOK_SCHEME`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookScheme {
    /// Svix / Standard Webhooks (`standard`, the default): `WEBHOOK_SECRET`
    /// holds `whsec_…` secrets.
    Standard,
    /// GitHub (`github`): `X-Hub-Signature-256`, deduplicated by
    /// `X-GitHub-Delivery`; `WEBHOOK_SECRET` is the webhook secret string.
    GitHub,
    /// Stripe (`stripe`): `Stripe-Signature`, deduplicated by the body's
    /// `id`; `WEBHOOK_SECRET` is the `whsec_…` endpoint secret, used whole as
    /// Stripe's libraries use it.
    Stripe,
}

/// Queue mode (`WEBHOOK_QUEUE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueMode {
    /// The handler runs in the request (`off`, the default).
    Off,
    /// Queue on Redis Streams at `REDIS_URL` (`redis`).
    Redis,
    /// Queue in this process's memory (`memory`, development only).
    Memory,
}

/// Queue-mode settings (`QUEUE_*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSettings {
    /// `WEBHOOK_QUEUE`.
    pub mode: QueueMode,
    /// `QUEUE_WORKERS`.
    pub workers: usize,
    /// `QUEUE_MAX_ATTEMPTS`.
    pub max_attempts: u32,
    /// `QUEUE_RETRY_BASE_MS`.
    pub retry_base: Duration,
    /// `QUEUE_RETRY_MAX_MS`.
    pub retry_max: Duration,
    /// `QUEUE_VISIBILITY_MS`.
    pub visibility: Duration,
    /// `QUEUE_NAME`: the Redis queue's name (apps sharing one Redis use
    /// different names; default `hookgate:queue`).
    pub name: Option<String>,
}

/// The whole configuration of an example receiver. `Debug` never shows the
/// secrets, the direct-mode token or the Redis URL's password.
#[derive(Clone)]
pub struct Config {
    /// `BIND`.
    pub bind: SocketAddr,
    /// `WEBHOOK_MODE`.
    pub mode: WebhookMode,
    /// `WEBHOOK_SCHEME` (svix mode).
    pub scheme: WebhookScheme,
    /// `WEBHOOK_SECRET` (svix mode).
    pub secrets: Option<String>,
    /// `WEBHOOK_TOLERANCE_SECS`.
    pub tolerance: Duration,
    /// `REDIS_URL`.
    pub redis_url: Option<String>,
    /// `DIRECT_TOKEN`.
    pub direct_token: Option<String>,
    /// `DIRECT_KNOWN_JOBS`.
    pub direct_known_jobs: bool,
    /// `ALLOWED_IPS`.
    pub allowed_ips: Option<String>,
    /// `TRUSTED_PROXIES`.
    pub trusted_proxies: Option<String>,
    /// `MAX_BODY_BYTES`.
    pub max_body_bytes: usize,
    /// `EVENTS_LIMIT`.
    pub events_limit: usize,
    /// `WEBHOOK_QUEUE` and `QUEUE_*`.
    pub queue: QueueSettings,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |v: &Option<String>| v.as_ref().map(|_| "<redacted>");
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("mode", &self.mode)
            .field("scheme", &self.scheme)
            .field("secrets", &set(&self.secrets))
            .field("tolerance", &self.tolerance)
            .field("redis_url", &self.redis_url.as_deref().map(redacted_url))
            .field("direct_token", &set(&self.direct_token))
            .field("direct_known_jobs", &self.direct_known_jobs)
            .field("allowed_ips", &self.allowed_ips)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("events_limit", &self.events_limit)
            .field("queue", &self.queue)
            .finish()
    }
}

/// The Redis URL with its user name and password replaced, or nothing of it
/// when it does not parse (it might be all secret).
fn redacted_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                // Cannot fail: a URL with a password has a host.
                let _ = parsed.set_password(Some("redacted"));
            }
            if !parsed.username().is_empty() {
                let _ = parsed.set_username("redacted");
            }
            parsed.to_string()
        }
        Err(_) => "<unparsable, redacted>".to_owned(),
    }
}

/// A variable that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A variable with a value of the wrong form.
    #[error("{name}={value:?} is invalid: {expected}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
        /// What it should look like.
        expected: &'static str,
    },
    /// `WEBHOOK_QUEUE=redis` without `REDIS_URL`.
    #[error("WEBHOOK_QUEUE=redis needs REDIS_URL (the queue lives in Redis)")]
    QueueNeedsRedis,
    /// `WEBHOOK_SECRET` missing in svix mode.
    #[error("WEBHOOK_SECRET is required in svix mode: set it to the `whsec_…` secret from the sender's portal (several separated by spaces or commas during rotation)")]
    MissingSecret,
    /// `WEBHOOK_SCHEME` other than `standard` in direct mode.
    #[error("WEBHOOK_SCHEME={0} needs signed mode: unset WEBHOOK_MODE or set it to `svix` (direct mode checks no signature)")]
    SchemeNeedsSigned(&'static str),
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads variables through `get` (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let parse = |name: &'static str, expected: &'static str| {
            move |value: String| ConfigError::Invalid {
                name,
                value,
                expected,
            }
        };
        let bind = match var("BIND") {
            None => SocketAddr::from(([127, 0, 0, 1], 5000)),
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| parse("BIND", "an address like 127.0.0.1:5000")(v))?,
        };
        let mode = match var("WEBHOOK_MODE").as_deref().map(str::trim) {
            None | Some("svix") => WebhookMode::Svix,
            Some("direct") => WebhookMode::Direct,
            Some(other) => {
                return Err(parse("WEBHOOK_MODE", "`svix` or `direct`")(
                    other.to_owned(),
                ))
            }
        };
        let scheme = match var("WEBHOOK_SCHEME").as_deref().map(str::trim) {
            None | Some("standard") => WebhookScheme::Standard,
            Some("github") => WebhookScheme::GitHub,
            Some("stripe") => WebhookScheme::Stripe,
            Some(other) => {
                return Err(parse("WEBHOOK_SCHEME", "`standard`, `github` or `stripe`")(
                    other.to_owned(),
                ))
            }
        };
        if mode == WebhookMode::Direct {
            match scheme {
                WebhookScheme::Standard => {}
                WebhookScheme::GitHub => return Err(ConfigError::SchemeNeedsSigned("github")),
                WebhookScheme::Stripe => return Err(ConfigError::SchemeNeedsSigned("stripe")),
            }
        }
        let tolerance =
            match var("WEBHOOK_TOLERANCE_SECS") {
                None => Duration::from_secs(300),
                Some(v) => Duration::from_secs(v.trim().parse().map_err(|_| {
                    parse("WEBHOOK_TOLERANCE_SECS", "a whole number of seconds")(v)
                })?),
            };
        let direct_known_jobs = match var("DIRECT_KNOWN_JOBS").as_deref().map(str::trim) {
            None | Some("0") => false,
            Some("1") => true,
            Some(other) => return Err(parse("DIRECT_KNOWN_JOBS", "`0` or `1`")(other.to_owned())),
        };
        let number = |name: &'static str, default: usize| -> Result<usize, ConfigError> {
            match var(name) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| parse(name, "a positive whole number")(v)),
            }
        };
        let queue_mode = match var("WEBHOOK_QUEUE").as_deref().map(str::trim) {
            None | Some("off") => QueueMode::Off,
            Some("redis") => QueueMode::Redis,
            Some("memory") => QueueMode::Memory,
            Some(other) => {
                return Err(parse("WEBHOOK_QUEUE", "`off`, `redis` or `memory`")(
                    other.to_owned(),
                ))
            }
        };
        if queue_mode == QueueMode::Redis && var("REDIS_URL").is_none() {
            return Err(ConfigError::QueueNeedsRedis);
        }
        let millis = |name: &'static str, default: usize| -> Result<Duration, ConfigError> {
            number(name, default).map(|n| Duration::from_millis(n as u64))
        };
        let queue = QueueSettings {
            mode: queue_mode,
            workers: number("QUEUE_WORKERS", 4)?,
            max_attempts: u32::try_from(number("QUEUE_MAX_ATTEMPTS", 5)?).unwrap_or(u32::MAX),
            retry_base: millis("QUEUE_RETRY_BASE_MS", 1000)?,
            retry_max: millis("QUEUE_RETRY_MAX_MS", 60_000)?,
            visibility: millis("QUEUE_VISIBILITY_MS", 30_000)?,
            name: var("QUEUE_NAME"),
        };
        let secrets = var("WEBHOOK_SECRET");
        if mode == WebhookMode::Svix && secrets.is_none() {
            return Err(ConfigError::MissingSecret);
        }
        Ok(Self {
            bind,
            mode,
            scheme,
            secrets,
            tolerance,
            redis_url: var("REDIS_URL"),
            direct_token: var("DIRECT_TOKEN"),
            direct_known_jobs,
            allowed_ips: var("ALLOWED_IPS"),
            trusted_proxies: var("TRUSTED_PROXIES"),
            max_body_bytes: number("MAX_BODY_BYTES", 16 * 1024 * 1024)?,
            events_limit: number("EVENTS_LIMIT", 1000)?,
            queue,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults() {
        let c = cfg(&[("WEBHOOK_SECRET", "whsec_dGVzdA==")]).unwrap();
        assert_eq!(c.bind.to_string(), "127.0.0.1:5000");
        assert_eq!(c.mode, WebhookMode::Svix);
        assert_eq!(c.scheme, WebhookScheme::Standard);
        assert_eq!(c.tolerance, Duration::from_secs(300));
        assert_eq!(c.max_body_bytes, 16_777_216);
        assert_eq!(c.events_limit, 1000);
        assert!(!c.direct_known_jobs);
        assert_eq!(c.queue.mode, QueueMode::Off);
        assert_eq!(c.queue.workers, 4);
        assert_eq!(c.queue.max_attempts, 5);
        assert_eq!(c.queue.retry_base, Duration::from_millis(1000));
        assert_eq!(c.queue.retry_max, Duration::from_millis(60_000));
        assert_eq!(c.queue.visibility, Duration::from_millis(30_000));
    }

    #[test]
    fn queue_settings() {
        let d = ("WEBHOOK_MODE", "direct");
        let c = cfg(&[d, ("WEBHOOK_QUEUE", "memory"), ("QUEUE_WORKERS", "2")]).unwrap();
        assert_eq!(c.queue.mode, QueueMode::Memory);
        assert_eq!(c.queue.workers, 2);
        assert!(matches!(
            cfg(&[d, ("WEBHOOK_QUEUE", "redis")]),
            Err(ConfigError::QueueNeedsRedis)
        ));
        let c = cfg(&[d, ("WEBHOOK_QUEUE", "redis"), ("REDIS_URL", "redis://x/")]).unwrap();
        assert_eq!(c.queue.mode, QueueMode::Redis);
        assert!(cfg(&[d, ("WEBHOOK_QUEUE", "kafka")]).is_err());
        assert!(cfg(&[d, ("QUEUE_MAX_ATTEMPTS", "0")]).is_err());
    }

    // Item 7 of issue 17: the derived Debug printed the secret, the token and
    // the Redis URL's password.
    #[test]
    fn debug_shows_no_secret() {
        let c = cfg(&[
            ("WEBHOOK_SECRET", "whsec_dGVzdA=="),
            ("DIRECT_TOKEN", "tok-value-1"),
            ("REDIS_URL", "redis://app:hunter2@redis.internal:6380/0"),
        ])
        .unwrap();
        let shown = format!("{c:?} {c:#?}");
        for secret in ["dGVzdA", "tok-value-1", "hunter2", "app:"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("redis.internal:6380"), "{shown}");
        assert!(format!("{:?}", redacted_url("not a url hunter2")).contains("redacted"));
        assert!(!redacted_url("redis://:hunter2@h/").contains("hunter2"));
    }

    #[test]
    fn schemes() {
        let s = ("WEBHOOK_SECRET", "It's a Secret to Everybody");
        for (value, scheme) in [
            ("standard", WebhookScheme::Standard),
            ("github", WebhookScheme::GitHub),
            (" stripe ", WebhookScheme::Stripe),
        ] {
            assert_eq!(cfg(&[s, ("WEBHOOK_SCHEME", value)]).unwrap().scheme, scheme);
        }
        let err = cfg(&[s, ("WEBHOOK_SCHEME", "gitlab")]).unwrap_err();
        assert!(err.to_string().contains("WEBHOOK_SCHEME"), "{err}");
        assert!(err.to_string().contains("`github`"), "{err}");
        assert!(matches!(
            cfg(&[("WEBHOOK_SCHEME", "github")]),
            Err(ConfigError::MissingSecret)
        ));
        let direct = ("WEBHOOK_MODE", "direct");
        assert!(matches!(
            cfg(&[direct, ("WEBHOOK_SCHEME", "stripe")]),
            Err(ConfigError::SchemeNeedsSigned("stripe"))
        ));
        assert!(cfg(&[direct, ("WEBHOOK_SCHEME", "standard")]).is_ok());
    }

    #[test]
    fn errors() {
        assert!(matches!(cfg(&[]), Err(ConfigError::MissingSecret)));
        assert!(cfg(&[("WEBHOOK_MODE", "direct")]).is_ok());
        assert!(cfg(&[("WEBHOOK_MODE", "other")]).is_err());
        assert!(cfg(&[("WEBHOOK_MODE", "direct"), ("MAX_BODY_BYTES", "0")]).is_err());
        assert!(cfg(&[("WEBHOOK_MODE", "direct"), ("BIND", "nope")]).is_err());
    }
}
