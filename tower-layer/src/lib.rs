//! # hookgate-tower
//!
//! The tower / axum adapter of [hookgate]: one layer verifies,
//! checks and deduplicates every webhook delivery before the handler runs; one
//! extractor hands the handler the typed event.
//!
//! ```
//! use axum::{http::StatusCode, routing::post, Router};
//! use hookgate_tower::{JobEvent, Receiver, Webhook, WebhookLayer};
//!
//! async fn on_job(event: Webhook<JobEvent>) -> StatusCode {
//!     if event.status.is_completed() {
//!         // fetch the result of event.job_id …
//!     }
//!     StatusCode::OK // 2xx: marked done; anything else: released, the sender retries
//! }
//!
//! let receiver = Receiver::builder()
//!     .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") // from the sender's portal
//!     .build()
//!     .unwrap();
//! let app: Router = Router::new()
//!     .route("/webhook/reducto", post(on_job))
//!     .layer(WebhookLayer::new(receiver));
//! ```
//!
//! Serve with `into_make_service_with_connect_info::<SocketAddr>()` so the
//! layer sees the TCP peer (needed for allowed source networks).
//!
//! [`WebhookLayer`] works on any tower stack whose request body is an
//! `http_body::Body<Data = Bytes>`; the inner service receives the same bytes
//! in a [`Full`](http_body_util::Full) body and the [`Delivery`] in the request
//! extensions.
//!
//! The three hookgate adapters share one shape (see the repository's
//! `docs/adapters.md`): the same `Webhook<E>`, `WebhookRejection`, responder
//! hook, re-exports and features; every decision is the core's.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod body;
#[cfg(feature = "axum")]
mod extractor;
mod future;
mod layer;
mod peer;
mod queue;
#[cfg(feature = "axum")]
mod rejection;
mod responder;
mod response_body;
mod service;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

pub use body::BoxError;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use extractor::Webhook;
pub use future::ResponseFuture;
pub use layer::WebhookLayer;
pub use peer::{peer_ip, PeerAddr};
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use queue::queue_route;
pub use queue::start_workers;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use rejection::WebhookRejection;
pub use responder::{JsonResponder, Responder};
pub use response_body::WebhookBody;
pub use service::WebhookService;

hookgate::__adapter_reexports!();

/// The rust blocks of `docs/axum.md` compile (checked as doctests; the Redis
/// one only with feature `redis`, as CI runs them).
#[cfg(all(doctest, feature = "axum"))]
#[doc = include_str!("../../docs/axum.md")]
struct AxumGuide;
