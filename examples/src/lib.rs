//! Shared parts of the example receivers (`axum-receiver`, `actix-receiver`,
//! `rocket-receiver`): configuration from the environment as
//! `docs/contract.md` describes, the receiver built from it, and the bounded
//! log of processed events behind `GET /events`.

pub mod config;
pub mod events;
pub mod metrics;
pub mod queue;
pub mod setup;

pub use config::{Config, ConfigError, QueueMode, QueueSettings, WebhookMode};
pub use events::{EventLog, RecordedEvent};
pub use metrics::Metrics;
pub use setup::{build_receiver, init_tracing, listening, start, SetupError};
