//! # hookgate
//!
//! Receive webhooks from Reducto and any sender that signs the Svix / Standard
//! Webhooks way, safely: every delivery is authenticated, checked, deduplicated
//! and typed before the app's handler sees it.
//!
//! This crate is the framework-free core. The adapters `hookgate-tower` (axum),
//! `hookgate-actix` and `hookgate-rocket` translate requests to
//! [`Inbound`] and [`Answer`]s back; every decision is made here:
//!
//! 1. **authenticate**: signed mode verifies the `v1` (HMAC-SHA256) or `v1a`
//!    (ed25519) signature over the raw body and refuses stale timestamps; direct
//!    mode checks a token in `metadata`, known job ids and/or source networks.
//! 2. **identify**: the dedupe key is the message id (signed) or job id + status
//!    (direct).
//! 3. **claim**: an [`IdempotencyStore`] says fresh, done (duplicate → `200`),
//!    in flight (`409` + `Retry-After`) or unreachable (`503`, fail closed).
//!
//! After the handler, [`Receiver::settle`] marks the claim done (2xx) or releases
//! it so the sender's retry is processed. A [`Claim`] dropped unsettled releases
//! itself.
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

mod admit;
mod builder;
mod claim;
mod client_addr;
mod clock;
mod deadline;
mod delivery;
mod diagnose;
mod direct;
mod event;
mod header_auth;
mod headers;
mod idempotency;
mod jobs;
mod key;
mod keygen;
mod memory_store;
mod offload;
mod peek;
pub mod queue;
mod readable_debug;
mod receiver;
mod redact;
mod rejection;
mod secret;
mod signature;
mod signed;
mod store_handle;

#[cfg(feature = "testing")]
pub mod testing;

#[cfg(feature = "redis")]
pub mod redis;

pub use builder::{BuildError, ReceiverBuilder};
pub use claim::{handler_succeeded, Claim, ClaimRenewer};
pub use client_addr::{client_addr, InvalidNetwork, Networks};
pub use clock::{Clock, FixedClock, SystemClock};
pub use deadline::{with_handler_deadline, Deadline, DeadlineElapsed};
pub use delivery::{Delivery, Mode};
pub use diagnose::{diagnose, diagnose_text, Diagnosis, EntryProblem, Finding};
pub use direct::{DirectPolicy, Token, DEFAULT_TOKEN_FIELD};
pub use event::{JobEvent, JobStatus, Metadata, StatusKind};
pub use header_auth::{HeaderAuthError, RequiredHeader};
pub use headers::{declared_length, HeaderList, HeaderLookup};
pub use idempotency::{ClaimOutcome, ClaimToken, IdempotencyStore, StoreError};
pub use jobs::{JobRegistry, MemoryJobRegistry};
pub use keygen::generate_secret;
pub use memory_store::MemoryStore;
pub use offload::OFFLOAD_THRESHOLD;
pub use receiver::{Admission, Inbound, Receiver};
pub use rejection::{Answer, PayloadError, Rejection, JSON_CONTENT_TYPE};
pub use secret::{KeyRing, PublicKey, Secret, SecretError, SigningKey, VerifyingKey};
pub use signature::{
    HeaderFamily, SignatureError, SignedHeaders, Tolerance, MAX_MESSAGE_ID_LEN,
    MAX_SIGNATURE_ENTRIES, MAX_V1A_ATTEMPTS_PER_KEY,
};
