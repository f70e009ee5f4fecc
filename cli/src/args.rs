//! The command line, as clap reads it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Make and check webhook signatures, play the sender against a receiver,
/// replay captured deliveries.
///
/// Exit codes: 0 success, 1 a negative result (signature invalid, receiver
/// refused), 2 bad usage.
#[derive(Debug, Parser)]
#[command(name = "hookgate", version, about)]
pub struct Cli {
    /// Machine-readable JSON output instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate keys.
    Keys {
        /// Which key command.
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Sign a body: print the three signature headers (or a curl line).
    Sign(SignArgs),
    /// Check a delivery's signature and say exactly why it fails.
    Verify(VerifyArgs),
    /// Act as Reducto: send job events to a receiver, signed or direct.
    Send(SendArgs),
    /// Re-send deliveries captured by `send --save`.
    Replay(ReplayArgs),
    /// Inspect and repair a queue-mode receiver's Redis queue: statistics,
    /// dead letters, requeue, forget a processed delivery.
    Queue {
        /// Which queue command.
        #[command(subcommand)]
        command: QueueCommand,
    },
}

/// `hookgate keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// A fresh `whsec_…` secret, or with `--ed25519` a `whsk_`/`whpk_` pair.
    New {
        /// An ed25519 pair (`v1a` signatures) instead of an HMAC secret.
        #[arg(long)]
        ed25519: bool,
    },
}

/// Where the secret comes from: `--secret`, `--secret-file`, or else the
/// `HOOKGATE_SECRET` environment variable.
///
/// The variable is read by [`crate::input`], not by clap: clap counts a value
/// from the environment as given on the command line, so `--secret-file` (or
/// `send --token`) would conflict with an exported `HOOKGATE_SECRET`. A flag
/// always wins over the variable.
#[derive(Debug, Args, Clone, Default)]
pub struct SecretArgs {
    /// The `whsec_…` secret (a `whsk_…` key signs `v1a`; `whpk_…` verifies
    /// it); several separated by spaces or commas. Never printed. Default: the
    /// `HOOKGATE_SECRET` environment variable.
    #[arg(long)]
    pub secret: Option<String>,
    /// Read the secret from this file instead (a final newline is not part of
    /// it).
    #[arg(long, value_name = "FILE", conflicts_with = "secret")]
    pub secret_file: Option<PathBuf>,
}

/// Which header names to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Family {
    /// `svix-id`, `svix-timestamp`, `svix-signature`.
    #[default]
    Svix,
    /// `webhook-id`, `webhook-timestamp`, `webhook-signature` (Standard Webhooks).
    Webhook,
}

/// Whose signature `hookgate sign` makes and `hookgate verify` checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Scheme {
    /// Standard Webhooks / Svix: `whsec_…` (or `whsk_…`) keys, three headers.
    #[default]
    Standard,
    /// GitHub: `X-Hub-Signature-256` over the body with the webhook's
    /// secret, `X-GitHub-Delivery` and `X-GitHub-Event`.
    Github,
    /// Stripe: `Stripe-Signature: t=…,v1=…` with the endpoint's secret; the
    /// event id is the body's `id`.
    Stripe,
}

/// `hookgate sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The signing key.
    #[command(flatten)]
    pub secret: SecretArgs,
    /// Whose signature: Standard Webhooks / Svix, GitHub or Stripe.
    #[arg(long, value_enum, default_value_t = Scheme::Standard)]
    pub scheme: Scheme,
    /// The message id, GitHub's delivery id (default: a fresh `msg_…` /
    /// `delivery_…`). Not with Stripe, whose id is the body's `id`.
    #[arg(long)]
    pub id: Option<String>,
    /// The timestamp, Unix seconds (default: now). Not with GitHub, which
    /// signs none.
    #[arg(long)]
    pub timestamp: Option<i64>,
    /// The body: `@FILE`, `-` for standard input, or the text itself.
    #[arg(long, default_value = "-")]
    pub body: String,
    /// Which header names to print (Standard Webhooks; default `svix`).
    #[arg(long, value_enum)]
    pub headers: Option<Family>,
    /// GitHub's event name, sent as `X-GitHub-Event` (default `ping`).
    #[arg(long)]
    pub event: Option<String>,
    /// Print a ready `curl` command posting to this URL instead.
    #[arg(long, value_name = "URL")]
    pub curl: Option<String>,
}

/// `hookgate verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The secret(s) or `whpk_` key(s) to verify against.
    #[command(flatten)]
    pub secret: SecretArgs,
    /// The body: `@FILE`, `-` for standard input, or the text itself.
    #[arg(long, conflicts_with = "request")]
    pub body: Option<String>,
    /// A header as `name: value` (repeat for each).
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// A raw HTTP request (request line, headers, blank line, body) from a file, or `-`.
    #[arg(long, value_name = "FILE")]
    pub request: Option<String>,
    /// The time to verify at, Unix seconds (default: now).
    #[arg(long)]
    pub now: Option<i64>,
    /// The timestamp window, seconds each way (not GitHub, which signs no
    /// timestamp).
    #[arg(long, default_value_t = 300)]
    pub tolerance: u64,
    /// Whose signature: Standard Webhooks / Svix (with a diagnosis of every
    /// header), GitHub or Stripe.
    #[arg(long, value_enum, default_value_t = Scheme::Standard)]
    pub scheme: Scheme,
}

/// Which sender's retry schedule `send` follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Retries {
    /// One attempt.
    None,
    /// Svix: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
    Svix,
    /// Direct deliveries: 3 retries, 10 s, 20 s, 40 s.
    Direct,
}

/// `hookgate send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// The receiver's webhook URL.
    pub url: String,
    /// Sign with this secret (signed mode); without it the delivery is direct.
    #[command(flatten)]
    pub secret: SecretArgs,
    /// Direct mode: put this token in `metadata.webhook_secret`. Default: the
    /// `HOOKGATE_TOKEN` environment variable. A `--token` flag wins over
    /// `HOOKGATE_SECRET`, and `--secret` over `HOOKGATE_TOKEN`.
    #[arg(long)]
    pub token: Option<String>,
    /// The job status.
    #[arg(long, default_value = "Completed")]
    pub status: String,
    /// The job id (default: a fresh `job_…`; with `--count`, `_N` is appended).
    #[arg(long)]
    pub job_id: Option<String>,
    /// A metadata entry `key=value` (repeat for each).
    #[arg(long, value_name = "KEY=VALUE")]
    pub metadata: Vec<String>,
    /// Send this body instead of a job event: `@FILE`, `-`, or the text.
    #[arg(long)]
    pub body: Option<String>,
    /// The message id: Standard Webhooks' message id, GitHub's delivery id,
    /// Stripe's event id put in the body's `id` (default: a fresh `msg_…`,
    /// `delivery_…` or `evt_…`; with `--count`, `_N` is appended).
    #[arg(long)]
    pub id: Option<String>,
    /// Whose signature: Standard Webhooks / Svix, GitHub or Stripe (signed
    /// deliveries only).
    #[arg(long, value_enum, default_value_t = Scheme::Standard)]
    pub scheme: Scheme,
    /// Which header names to sign with (Standard Webhooks; default `svix`).
    #[arg(long, value_enum)]
    pub headers: Option<Family>,
    /// GitHub's event name, sent as `X-GitHub-Event` (default `ping`).
    #[arg(long)]
    pub event: Option<String>,
    /// Retry on a non-2xx answer or time-out as this sender does.
    #[arg(long, value_enum, default_value_t = Retries::None)]
    pub retries: Retries,
    /// Divide the retry delays by this factor (e.g. 1000: Svix's 5 s becomes 5 ms).
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// How many deliveries to send.
    #[arg(long, default_value_t = 1)]
    pub count: u64,
    /// How many deliveries in flight at once.
    #[arg(long, default_value_t = 1)]
    pub concurrency: usize,
    /// Send each delivery this many more times, same id and body (a sender's retry).
    #[arg(long, default_value_t = 0)]
    pub duplicates: u64,
    /// Per-request time-out, seconds (Svix waits 15 s).
    #[arg(long, default_value_t = 15.0)]
    pub timeout: f64,
    /// Append each delivery sent to this file (JSON lines) for `replay`.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
}

/// `hookgate replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The file `send --save` wrote.
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// Send to this URL instead of the captured one.
    #[arg(long)]
    pub url: Option<String>,
    /// Re-sign each signed delivery with a fresh timestamp (needs the secret);
    /// without it deliveries are re-sent byte for byte.
    #[arg(long)]
    pub resign: bool,
    /// The secret to re-sign with.
    #[command(flatten)]
    pub secret: SecretArgs,
    /// Per-request time-out, seconds.
    #[arg(long, default_value_t = 15.0)]
    pub timeout: f64,
}

/// `hookgate queue …`: operations on the Redis queue of receivers in queue
/// mode, through the core's own queue operations.
#[derive(Debug, Subcommand)]
pub enum QueueCommand {
    /// Entries ready, scheduled for a retry, running and dead, and the age of
    /// the oldest waiting or running one.
    Stats {
        /// Which queue.
        #[command(flatten)]
        queue: QueueTarget,
    },
    /// The dead letters, oldest first, each with its attempts and last error.
    Dead {
        /// Which queue.
        #[command(flatten)]
        queue: QueueTarget,
        /// List at most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Puts a dead letter (or with `--all` every one) back in the queue, with
    /// the full number of attempts again.
    Requeue {
        /// The dead letter's id, as `queue dead` shows it (`<shard>-<entry id>`).
        #[arg(value_name = "DEAD_ID", required_unless_present = "all")]
        id: Option<String>,
        /// Requeue every dead letter.
        #[arg(long, conflicts_with = "id")]
        all: bool,
        /// Which queue.
        #[command(flatten)]
        queue: QueueTarget,
    },
    /// Forgets that a delivery was processed, so the sender's replay of it
    /// (same message id) is queued and handled again.
    Forget {
        /// The signed delivery's message id (`svix-id` / `webhook-id`), or
        /// with `--key` a dedupe key as `queue dead` shows it.
        #[arg(value_name = "ID")]
        id: String,
        /// ID is a dedupe key (e.g. a direct-mode `…job:<job id>:<status>`).
        #[arg(long)]
        key: bool,
        /// Which queue.
        #[command(flatten)]
        queue: QueueTarget,
    },
}

/// Where the queue is and how its keys are named: the same settings the
/// receivers run with (`RedisQueue::named`, `RedisQueue::shards`,
/// `ReceiverBuilder::key_prefix`), or the commands address other keys.
#[derive(Debug, Args, Clone)]
pub struct QueueTarget {
    /// The Redis the queue lives in, `redis://[user:password@]host:port/db`.
    /// Default: the `REDIS_URL` environment variable, as the example
    /// receivers read it. Never printed.
    #[arg(long, value_name = "URL", env = "REDIS_URL", hide_env_values = true)]
    pub redis: String,
    /// The queue's name (`RedisQueue::named`; the example receivers'
    /// `QUEUE_NAME`).
    #[arg(
        long,
        value_name = "NAME",
        env = "QUEUE_NAME",
        default_value = hookgate::redis::RedisQueue::<hookgate::redis::ConnectionManager>::DEFAULT_NAME
    )]
    pub queue_name: String,
    /// How many streams the queue is spread over (`RedisQueue::shards`):
    /// the receivers' number.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub shards: u32,
    /// The receivers' dedupe key prefix (`ReceiverBuilder::key_prefix`): how
    /// `forget` finds a message id's key.
    #[arg(long, value_name = "PREFIX", default_value = "hookgate:")]
    pub key_prefix: String,
    /// How long to wait for Redis, per call, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    pub timeout: f64,
}
