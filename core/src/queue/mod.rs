//! Queue mode: answer the sender in milliseconds, process durably in
//! background workers.
//!
//! The request path authenticates and checks each delivery exactly as
//! without a queue (refusals answer `400`/`401`/`403`/`404`/`413` before
//! anything is stored), checks that the payload parses as the handler's event
//! type, then **enqueues it atomically** — the entry is appended and its
//! dedupe key marked in one step — and answers
//! `202 {"received":true,"queued":true}` only once that returned. A key
//! already queued, running, dead or done answers
//! `200 {"received":true,"duplicate":true}`; a queue that cannot be reached
//! answers `503` with `Retry-After` (fail closed).
//!
//! Workers ([`Receiver::start_workers`](crate::Receiver::start_workers)), in
//! any replica, take entries and run the app's handler with the typed event
//! and the same [`Delivery`](crate::Delivery) a route handler gets
//! ([`Queued`]). Success removes the entry and marks the key done (for the
//! receiver's done TTL); an error, a panic or an attempt past its deadline
//! schedules a retry after an exponential [`Backoff`]; after the maximum
//! attempts the delivery becomes a [dead letter](DeadLetter) with its last
//! error, which an operator can requeue. Entries held by a worker that died
//! are taken over after the visibility timeout.
//!
//! Backends: [`MemoryQueue`] (one process, development only: `build()` refuses
//! it without [`QueueConfig::allow_volatile`]) and, with feature `redis`,
//! `hookgate::redis::RedisQueue` (Redis Streams with a consumer group; Redis
//! Cluster ready; optionally sharded).
//!
//! ## Guarantee
//!
//! A `202` means the delivery is in the queue backend. The handler runs at
//! least once per queued delivery, and succeeds at most once per dedupe key
//! while the done marker lives. A crash between the handler's success and the
//! done marker, or a worker taken over after the visibility timeout, can run
//! it once more. With Redis, a `202` survives a Redis crash only if AOF or
//! replicas protect it: the workers warn at start when neither does.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use std::time::Duration;
//! use hookgate::queue::{MemoryQueue, QueueConfig, Queued};
//! use hookgate::{JobEvent, Receiver, Secret};
//! use hookgate::adapter::{Admission, HeaderList, Inbound};
//!
//! let receiver = Receiver::builder()
//!     .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
//!     .queue(QueueConfig::new(MemoryQueue::new()).allow_volatile(true))
//!     .build()
//!     .unwrap();
//! let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel();
//! let workers = receiver
//!     .start_workers(move |job: Queued<JobEvent>| {
//!         let done_tx = done_tx.clone();
//!         async move {
//!             done_tx.send(job.event.job_id).ok();
//!             Ok::<(), std::convert::Infallible>(())
//!         }
//!     })
//!     .unwrap();
//!
//! // A sender's delivery:
//! let body = br#"{"status":"Completed","job_id":"job_1","metadata":{}}"#;
//! let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
//! let sig = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap().sign("msg_1", now, body);
//! let headers = HeaderList::new()
//!     .with("svix-id", "msg_1")
//!     .with("svix-timestamp", now.to_string())
//!     .with("svix-signature", sig);
//! let inbound = Inbound { headers: &headers, body: body.to_vec().into(), peer: None };
//! let Admission::Respond(answer) = receiver.admit(inbound).await else { unreachable!() };
//! assert_eq!(answer.status(), 202);
//!
//! assert_eq!(done_rx.recv().await.unwrap(), "job_1");
//! workers.shutdown(Duration::from_secs(5)).await;
//! # });
//! ```

mod backend;
mod backoff;
mod coalesce;
mod config;
mod config_error;
mod enqueue;
mod entry;
mod error;
mod job;
mod memory;
mod ops;
mod pool;
mod queue_receiver;
mod tasks;
mod worker;

pub use backend::{
    DeadLetter, DeadLetterId, Durability, Enqueued, QueueBackend, QueueStats, Receipt, Taken,
};
pub use backoff::Backoff;
pub use config::QueueConfig;
pub use config_error::QueueConfigError;
pub use entry::{EntryDecodeError, QueueEntry};
pub use error::QueueError;
pub use job::{QueueHandler, Queued};
pub use memory::MemoryQueue;
pub use queue_receiver::QueueReceiver;
pub use worker::Workers;
