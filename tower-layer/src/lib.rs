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

#![cfg_attr(docsrs, feature(doc_cfg))]

mod body;
mod extractor;
mod layer;
mod peer;
mod queue;
mod rejection;
mod responder;
mod service;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

pub use body::BoxError;
pub use extractor::Webhook;
pub use layer::WebhookLayer;
pub use peer::{peer_ip, PeerAddr};
pub use queue::{queue_route, start_workers};
pub use rejection::WebhookRejection;
pub use responder::{AnswerBody, JsonResponder, Responder};
pub use service::{WebhookBody, WebhookFuture, WebhookService};

pub use hookgate;
pub use hookgate::{
    Answer, BuildError, Delivery, DirectPolicy, JobEvent, JobStatus, Metadata, Mode, Receiver,
    ReceiverBuilder, Rejection, StatusKind, StoreError,
};

/// The rust blocks of `docs/axum.md` compile (checked as doctests).
#[cfg(doctest)]
#[doc = include_str!("../../docs/axum.md")]
struct AxumGuide;
