//! Shared parts of the example receivers (`axum-receiver`, `actix-receiver`,
//! `rocket-receiver`): configuration from the environment as
//! `docs/contract.md` describes, the receiver built from it, and the bounded
//! log of processed events behind `GET /events`.

pub mod config;
pub mod events;
pub mod metrics;
pub mod queue;
pub mod setup;

pub use config::{Config, ConfigError, QueueMode, QueueSettings, WebhookMode, WebhookScheme};
pub use events::{EventLog, RecordedEvent};
pub use metrics::Metrics;
pub use setup::{build_receiver, init_tracing, listening, start, SetupError};

// Guides whose Rust blocks need Redis and several adapters at once: this crate
// has them all (`hookgate` with `redis`, and the three adapters), so they are
// compiled here rather than in one adapter behind features.

/// The README's Rust blocks compile, and those without `no_run` run.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// The Rust blocks of `docs/queue.md` compile (Redis and all three adapters).
#[cfg(doctest)]
#[doc = include_str!("../../docs/queue.md")]
pub struct QueueGuide;
