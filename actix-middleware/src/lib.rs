//! # hookgate-actix
//!
//! actix-web middleware for [hookgate]: receive webhooks from Reducto and any
//! sender that signs the Svix / Standard Webhooks way, verified, checked,
//! deduplicated and typed before your handler runs.
//!
//! * [`WebhookMiddleware`] guards a route (`.wrap(...)`): it reads the body once
//!   (bounded), asks the [`Receiver`] to admit the delivery, answers refusals,
//!   duplicates and in-flight retries itself, runs the handler under the
//!   receiver's deadline, and settles the claim from the handler's status.
//! * [`Webhook<E>`](Webhook) is the handler's extractor: the typed event
//!   (default [`JobEvent`]) and the [`Delivery`] facts.
//!
//! ```no_run
//! use actix_web::{web, App, HttpResponse, HttpServer};
//! use hookgate_actix::{JobEvent, Receiver, Webhook, WebhookMiddleware};
//!
//! async fn on_job(event: Webhook<JobEvent>) -> HttpResponse {
//!     tracing::info!(job = %event.job_id, status = event.status.as_str(), "job event");
//!     HttpResponse::Ok().json(serde_json::json!({ "received": true }))
//! }
//!
//! #[actix_web::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let receiver = Receiver::builder()
//!         .secret_from_env("WEBHOOK_SECRET") // `whsec_…` from the sender's portal
//!         .build()?; // unset or malformed: the app stops here, saying why
//!     HttpServer::new(move || {
//!         App::new().service(
//!             web::resource("/webhook/reducto")
//!                 .wrap(WebhookMiddleware::new(receiver.clone()))
//!                 .route(web::post().to(on_job)),
//!         )
//!     })
//!     .bind(("127.0.0.1", 5000))?
//!     .run()
//!     .await?;
//!     Ok(())
//! }
//! ```
//!
//! ## Behaviour worth knowing
//!
//! * The client address is the connection's peer (`peer_addr`), never actix's
//!   `realip_remote_addr`, which believes `X-Forwarded-For` from anyone; the
//!   core believes that header only from the receiver's trusted proxies.
//! * The body is put back with `set_payload`, so a handler may also take
//!   `web::Bytes` or `web::Json` (their own size limits apply).
//! * A handler past [`Receiver::handler_deadline`] is cancelled, its claim
//!   released, and the answer is `503 handler_timeout` + `Retry-After`,
//!   through the middleware's [`Responder`] like every answer hookgate writes.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod body;
mod extractor;
mod headers;
mod middleware;
mod queue;
mod rejection;
mod responder;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

pub use extractor::Webhook;
/// The core's header access over actix-web's header map; not part of the
/// API (the loopback benchmark's inline floor reads headers the same way).
#[doc(hidden)]
pub use headers::ActixHeaders;
pub use middleware::{WebhookMiddleware, WebhookService};
pub use queue::{queue_route, start_workers};
pub use rejection::WebhookRejection;
pub use responder::{answer_response, JsonResponder, Responder};

hookgate::__adapter_reexports!();

/// The rust blocks of `docs/actix.md` compile (checked as doctests).
#[cfg(doctest)]
#[doc = include_str!("../../docs/actix.md")]
struct ActixGuide;
