//! Building the receiver from a [`Config`], and the start-up chores every
//! example shares.

use std::io::Write as _;
use std::time::Duration;

use hookgate::queue::{Backoff, MemoryQueue, QueueConfig};
use hookgate::redis::{connect, RedisJobRegistry, RedisQueue, RedisStore};
use hookgate::{DirectPolicy, Receiver, ReceiverBuilder};

use hookgate::verify::{GitHub, Stripe};

use crate::config::{Config, QueueMode, QueueSettings, WebhookMode, WebhookScheme};

/// Why a receiver could not start.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The environment is invalid.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The receiver configuration is invalid (e.g. a malformed secret).
    #[error("{var}{0}", var = variable_of(.0))]
    Build(#[from] hookgate::BuildError),
    /// Redis could not be reached at start.
    #[error("cannot connect to Redis at REDIS_URL: {0}")]
    Redis(#[source] hookgate::StoreError),
}

/// Names the variable to fix when the core does not (a secret's own error
/// message cannot know it came from `WEBHOOK_SECRET`).
fn variable_of(err: &hookgate::BuildError) -> &'static str {
    match err {
        hookgate::BuildError::Secret(_) => "WEBHOOK_SECRET: ",
        _ => "",
    }
}

impl SetupError {
    /// The process exit code: 2 for configuration mistakes, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Config(_) | Self::Build(_) => 2,
            Self::Redis(_) => 1,
        }
    }
}

/// Queue mode's settings on `config`'s numbers.
fn queue_config(settings: &QueueSettings, config: QueueConfig) -> QueueConfig {
    config
        .workers(settings.workers)
        .max_attempts(settings.max_attempts)
        .backoff(Backoff::new(settings.retry_base, settings.retry_max))
        .visibility_timeout(settings.visibility)
}

/// Builds the receiver the configuration describes: in-memory stores, or Redis
/// when `REDIS_URL` is set; in queue mode (`WEBHOOK_QUEUE`) with its queue.
pub async fn build_receiver(config: &Config) -> Result<Receiver, SetupError> {
    // The done marker must outlast the replay window the tolerance opens
    // (`build()` refuses otherwise): a long WEBHOOK_TOLERANCE_SECS (e.g. to
    // verify old published vectors) keeps each delivery done that long.
    let window = config.tolerance.saturating_mul(2);
    let done_ttl =
        ReceiverBuilder::DEFAULT_DONE_TTL.max(window.saturating_add(Duration::from_secs(1)));
    let mut builder = Receiver::builder()
        .tolerance(config.tolerance)
        .done_ttl(done_ttl)
        .max_body_bytes(config.max_body_bytes);
    match config.mode {
        WebhookMode::Svix => {
            let secrets = config.secrets.clone().unwrap_or_default();
            builder = match config.scheme {
                WebhookScheme::Standard => builder.secret(secrets),
                // A GitHub secret is any string (spaces included): used whole.
                WebhookScheme::GitHub => builder.verifier(GitHub::new(secrets)),
                // Stripe endpoint secrets (`whsec_…`) hold no spaces or commas:
                // several, separated like WEBHOOK_SECRET's, while rolling.
                WebhookScheme::Stripe => {
                    let mut list = secrets
                        .split(|c: char| c == ',' || c.is_whitespace())
                        .filter(|s| !s.is_empty());
                    let first = list.next().unwrap_or_default();
                    let stripe = list.fold(Stripe::new(first), Stripe::secret);
                    builder.verifier(stripe.tolerance(config.tolerance))
                }
            };
        }
        WebhookMode::Direct => {
            let mut policy = DirectPolicy::new().known_jobs(config.direct_known_jobs);
            if let Some(token) = &config.direct_token {
                policy = policy.token(token);
            }
            builder = builder.direct(policy);
        }
    }
    if let Some(list) = &config.allowed_ips {
        builder = builder.allowed_sources(list.clone());
    }
    if let Some(list) = &config.trusted_proxies {
        builder = builder.trusted_proxies(list.clone());
    }
    let settings = &config.queue;
    if settings.mode == QueueMode::Memory {
        // Development only: the example opts in to a queue a restart loses
        // (the core logs a warning).
        builder = builder.queue(
            queue_config(settings, QueueConfig::new(MemoryQueue::new())).allow_volatile(true),
        );
    }
    // Report configuration mistakes (exit 2) before trying to reach Redis.
    let in_memory = builder.clone().build()?;
    match &config.redis_url {
        None => Ok(in_memory),
        Some(url) => {
            let conn = connect(url).await.map_err(SetupError::Redis)?;
            if settings.mode == QueueMode::Redis {
                let mut queue = RedisQueue::new(conn.clone());
                if let Some(name) = &settings.name {
                    queue = queue.named(name.clone());
                }
                builder = builder.queue(queue_config(settings, QueueConfig::new(queue)));
            }
            Ok(builder
                .store(RedisStore::new(conn.clone()))
                .job_registry(RedisJobRegistry::new(conn))
                .build()?)
        }
    }
}

/// Logs to stderr with `tracing`, filtered by `RUST_LOG` (default `info`):
/// one JSON object per line with `LOG_FORMAT=json` (each event carries its
/// spans, so a line logged while a delivery runs names its
/// `hookgate.delivery` span's message id), readable text otherwise.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let json = std::env::var("LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let _ = if json {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .try_init()
    } else {
        builder.try_init()
    };
}

/// Prints the one start-up line `listening on <addr>` to stdout.
pub fn listening(addr: std::net::SocketAddr) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on {addr}");
    let _ = out.flush();
}

/// Reads the configuration and builds the receiver, or prints the error and
/// exits (code 2 for configuration mistakes).
pub async fn start() -> (Config, Receiver) {
    let result = async {
        let config = Config::from_env()?;
        let receiver = build_receiver(&config).await?;
        Ok::<_, SetupError>((config, receiver))
    }
    .await;
    match result {
        Ok(ok) => ok,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(e.exit_code());
        }
    }
}
