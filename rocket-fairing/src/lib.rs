//! # hookgate-rocket
//!
//! Receive Svix / Standard Webhooks and Reducto webhooks in a
//! [Rocket](https://rocket.rs) app safely: every delivery is authenticated,
//! checked, deduplicated and typed before the route sees it. The decisions are
//! made by the core crate [`hookgate`]; this crate plugs it into Rocket.
//!
//! Rocket's fairings cannot refuse a request or read a whole body, so the work
//! is split the Rocket way:
//!
//! * [`WebhookFairing`] installs the [`Receiver`] (checking the configuration
//!   at launch), writes the answers the guard decided, and settles each
//!   admitted delivery's claim from the route's final status;
//! * [`Webhook<E>`] is a data guard: it reads the body (bounded by the
//!   [`LIMIT_NAME`] limit), admits the delivery, and hands the route the typed
//!   event. Request-local state carries its decision to the fairing.
//!
//! ```no_run
//! use hookgate_rocket::{JobEvent, Receiver, Webhook, WebhookFairing};
//! use rocket::{http::Status, launch, post, routes};
//!
//! #[post("/webhook/reducto", data = "<event>")]
//! async fn on_job(event: Webhook<JobEvent>) -> Status {
//!     if event.status.is_completed() {
//!         // fetch the job's result, store it, …
//!     }
//!     Status::Ok // 2xx: the delivery is marked done; anything else releases it
//! }
//!
//! #[launch]
//! fn rocket() -> _ {
//!     let receiver = Receiver::builder()
//!         .secret_from_env("WEBHOOK_SECRET") // `whsec_…` from the sender's portal
//!         .build()
//!         .expect("webhook configuration"); // prints what is wrong, e.g. the variable is not set
//!     rocket::build()
//!         .attach(WebhookFairing::new(receiver))
//!         .mount("/", routes![on_job])
//! }
//! ```
//!
//! ## A slow route keeps its claim
//!
//! The tower and actix adapters stop a handler at the receiver's
//! [handler deadline](hookgate::ReceiverBuilder::handler_deadline) and answer
//! `503`. Rocket gives a fairing no way to cancel a running route, so this
//! adapter guarantees the same safety differently: while the route runs, the
//! claim's in-flight TTL is renewed every third of the TTL, so a slow route
//! never outlives its claim (a retry meanwhile gets `409` + `Retry-After`,
//! never a second concurrent run). A route still running past the handler
//! deadline is logged once; its answer goes out when it returns. If the
//! process dies, renewals stop and the claim expires by itself.
//!
//! ## Guarantee
//!
//! The route runs at least once per delivery the sender makes, and at most
//! once successfully per message id while the done marker lives. See
//! [`hookgate`] for the details.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod config_error;
mod deadline;
mod fairing;
mod guard;
mod headers;
mod limit;
mod queue;
mod renewal;
mod responder;
mod stash;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

pub use config_error::ConfigError;
pub use deadline::with_deadline;
pub use fairing::WebhookFairing;
pub use guard::Webhook;
pub use limit::LIMIT_NAME;
pub use queue::{queue_route, start_workers};
pub use responder::{AnswerResponder, JsonResponder, Responder};

hookgate::__adapter_reexports!();

/// The rust blocks of `docs/rocket.md` compile (checked as doctests).
#[cfg(doctest)]
#[doc = include_str!("../../docs/rocket.md")]
struct RocketGuide;
