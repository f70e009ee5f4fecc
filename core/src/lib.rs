//! # hookgate
//!
//! Receive webhooks from Reducto and any sender that signs the Svix / Standard
//! Webhooks way, safely: every delivery is authenticated, checked, deduplicated
//! and typed before the app's handler sees it.
//!
//! This crate is the framework-free core. The adapters `hookgate-tower` (axum),
//! `hookgate-actix` and `hookgate-rocket` translate requests to
//! [`Inbound`](adapter::Inbound) and [`Outcome`]s back; every decision is made
//! here:
//!
//! 1. **authenticate**: signed mode verifies the `v1` (HMAC-SHA256) or `v1a`
//!    (ed25519) signature over the raw body and refuses stale timestamps; direct
//!    mode checks a token in `metadata`, known job ids and/or source networks.
//! 2. **identify**: the dedupe key is the message id (signed) or job id + status
//!    (direct).
//! 3. **claim**: an [`IdempotencyStore`](store::IdempotencyStore) says fresh,
//!    done (duplicate → `200`), in flight (`409` + `Retry-After`) or
//!    unreachable (`503`, fail closed).
//!
//! After the handler, [`Claim::conclude`](adapter::Claim::conclude) decides
//! once, for every adapter, what its end means: a 2xx marks the claim done,
//! anything else releases it so the sender's retry is processed. A
//! [`Claim`](adapter::Claim) dropped unsettled releases itself.
//!
//! The crate root holds what an app names; the modules group the rest:
//! [`signing`] (secrets, keys, signature headers, diagnosis), [`store`]
//! (dedupe stores and job registries), [`verify`] (authentication schemes
//! and per-tenant keys), [`clock`], [`direct`], [`queue`], [`observe`]
//! (tracing span and metric names)
//! (queue mode), `redis` (feature `redis`), `testing` (feature `testing`), and
//! [`adapter`] (what a framework adapter or a framework-less server uses).
//!
//! See [`Receiver`] for a complete example.
//!
//! ## Guarantee
//!
//! The handler runs at least once per delivery the sender makes, and at most
//! once successfully per message id while the done marker lives (28 h by
//! default, longer than the sender's retry schedule). A crash between the
//! handler's success and the done marker can cause one more run: handlers that
//! must be exactly-once should write their effect and the message id in one
//! transaction.

#![cfg_attr(docsrs, feature(doc_cfg))]

// The README's Rust blocks use the adapters and Redis too: they are compiled
// in the example receivers' crate (`hookgate-examples`), which has them all.

/// The rust blocks of `docs/redis.md` compile (checked as doctests; the guide
/// also shows Redis Cluster).
#[cfg(all(doctest, feature = "redis-cluster"))]
#[doc = include_str!("../../docs/redis.md")]
pub struct RedisGuide;

/// The rust blocks of `docs/verifiers.md` compile and run (checked as
/// doctests).
#[cfg(doctest)]
#[doc = include_str!("../../docs/verifiers.md")]
pub struct VerifiersGuide;

mod adapter_macros;
mod admit;
mod build_error;
mod builder;
mod claim;
mod client_addr;
pub mod clock;
mod conclude;
pub mod config;
mod deadline;
mod delivery;
mod diagnose;
pub mod direct;
mod event;
mod header_auth;
mod headers;
mod idempotency;
mod jobs;
mod key;
mod keygen;
mod memory_store;
pub mod observe;
mod offload;
mod outcome;
mod peek;
pub mod queue;
mod readable_debug;
mod receiver;
mod redact;
mod rejection;
mod secret;
mod signature;
mod store_handle;
pub mod verify;

#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod redis;

pub use build_error::BuildError;
pub use builder::ReceiverBuilder;
pub use config::ReceiverConfig;
pub use delivery::{Delivery, Mode};
pub use direct::DirectPolicy;
pub use event::{JobEvent, JobStatus, Metadata, StatusKind};
pub use header_auth::HeaderAuthError;
pub use idempotency::StoreError;
pub use outcome::Outcome;
pub use receiver::Receiver;
pub use rejection::{Answer, PayloadError, Rejection};
pub use secret::Secret;
pub use signature::Tolerance;

/// Signing and verifying: secrets and keys, the signature headers, and a
/// diagnosis of why a signature does not verify.
pub mod signing {
    pub use crate::diagnose::{diagnose, diagnose_text, Diagnosis, EntryProblem, Finding};
    pub use crate::keygen::generate_secret;
    pub use crate::secret::{KeyRing, PublicKey, Secret, SecretError, SigningKey, VerifyingKey};
    pub use crate::signature::{
        HeaderFamily, SignatureError, SignedHeaders, Tolerance, MAX_MESSAGE_ID_LEN,
        MAX_SIGNATURE_ENTRIES, MAX_V1A_ATTEMPTS_PER_KEY,
    };
}

/// Deduplication stores and job registries: the traits a backend implements
/// and the in-memory defaults (`hookgate::redis` has the Redis ones).
pub mod store {
    pub use crate::idempotency::{ClaimOutcome, ClaimToken, IdempotencyStore, StoreError};
    pub use crate::jobs::{JobRegistry, MemoryJobRegistry};
    pub use crate::memory_store::MemoryStore;
}

/// What a framework adapter uses: the request as the core takes it, the
/// admission and its claim, how a handler's end is concluded, header access
/// and client addresses. An app rarely needs these; a new adapter (or a
/// server without a framework) does.
pub mod adapter {
    pub use crate::claim::{Claim, ClaimRenewer};
    pub use crate::client_addr::{client_addr, InvalidNetwork, Networks};
    pub use crate::conclude::handler_succeeded;
    pub use crate::deadline::{with_handler_deadline, Deadline, DeadlineElapsed};
    pub use crate::headers::{declared_length, HeaderList, HeaderLookup};
    pub use crate::offload::OFFLOAD_THRESHOLD;
    pub use crate::outcome::{Conclusion, Handled, HandlerEnd, HandlerOutcome, Outcome};
    pub use crate::receiver::{Admission, Inbound};
    pub use crate::rejection::{Answer, JSON_CONTENT_TYPE};
}

/// What the adapter macros name; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use http::StatusCode;
    pub use serde::de::DeserializeOwned;
}
