//! [`BuildError`]: every configuration mistake `build()` reports, each with a
//! message that says what to change.

use std::time::Duration;

use crate::client_addr::InvalidNetwork;
use crate::header_auth::HeaderAuthError;
use crate::readable_debug::readable_debug;
use crate::secret::SecretError;
use crate::verify::TemplateError;

readable_debug!(BuildError);

/// A configuration mistake, reported when the receiver is built.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A secret or key is malformed.
    #[error("invalid webhook secret: {0}")]
    Secret(#[from] SecretError),
    /// Signed mode without any key.
    #[error("signed mode needs at least one secret (`whsec_…`) or public key (`whpk_…`); call `.secret(…)` or choose direct mode")]
    NoKeys,
    /// A scheme was given with [`verifier`](crate::ReceiverBuilder::verifier)
    /// besides secrets, keys or a direct policy: which one applies would be a
    /// guess.
    #[error("a verifier was given besides secrets, keys or a direct policy: configure one scheme (wrap several in your own `Verifier` to combine them)")]
    TwoSchemes,
    /// [`ReceiverBuilder::secret_from_env`](crate::ReceiverBuilder::secret_from_env) named a variable that is not set.
    #[error("the environment variable `{name}` is {}; set it to the webhook signing secret from the sender's portal (`whsec_…`)", if *.not_unicode { "not valid UTF-8" } else { "not set" })]
    MissingEnv {
        /// The variable's name.
        name: String,
        /// Set, but not valid UTF-8.
        not_unicode: bool,
    },
    /// A [`TenantFrom::Path`](crate::verify::TenantFrom::Path) template that
    /// could not name a tenant: no `{tenant}`, several, or not a whole path
    /// segment.
    #[error("the tenant path template `{template}` is refused: {source}")]
    TenantPath {
        /// The template as given.
        template: String,
        /// What is wrong with it.
        #[source]
        source: TemplateError,
    },
    /// A CIDR list has an entry that does not parse.
    #[error("invalid {list}: {source}")]
    Network {
        /// Which list ("trusted proxies" or "allowed sources").
        list: &'static str,
        /// The entry that did not parse.
        #[source]
        source: InvalidNetwork,
    },
    /// A required header's name is not a header name, or its value is empty.
    #[error(transparent)]
    RequiredHeader(#[from] HeaderAuthError),
    /// Direct mode with nothing to check.
    #[error("direct mode has no check configured (token, known jobs, allowed sources or a required header): anyone could post events; configure one, or opt in with `DirectPolicy::accept_unauthenticated(true)`")]
    DirectUnauthenticated,
    /// Direct mode with an empty token.
    #[error("the direct-mode token is empty")]
    EmptyToken,
    /// A GitHub or Stripe secret that is empty: anyone could compute its
    /// signatures.
    #[error("a `{scheme}` secret is empty: anyone could sign deliveries with it; set the secret from the sender's webhook settings")]
    EmptySecret {
        /// The scheme (`github`, `stripe`).
        scheme: &'static str,
    },
    /// The handler could outlive its claim.
    #[error("the handler deadline ({handler:?}) must be shorter than the in-flight TTL ({in_flight:?}), or a slow handler would outlive its claim")]
    DeadlineOutlivesClaim {
        /// The handler deadline.
        handler: Duration,
        /// The in-flight TTL.
        in_flight: Duration,
    },
    /// The done TTL is not longer than the in-flight TTL.
    #[error("the done TTL ({done:?}) must be longer than the in-flight TTL ({in_flight:?})")]
    DoneTtlTooShort {
        /// The done TTL.
        done: Duration,
        /// The in-flight TTL.
        in_flight: Duration,
    },
    /// The done TTL ends inside the replay window: the same signed bytes would
    /// be accepted, and run, again once their done marker expired.
    #[error("the done TTL ({done:?}) must be longer than the replay window the tolerance allows ({window:?}, past + future): otherwise the same signed delivery runs again once its done marker expires; raise `done_ttl` or lower the tolerance")]
    DoneTtlInsideReplayWindow {
        /// The done TTL.
        done: Duration,
        /// The tolerance into the past plus into the future.
        window: Duration,
    },
    /// The key prefix holds `{` or `}`, which would move the Redis Cluster
    /// hash tag of every key.
    #[error("the key prefix must not contain `{{` or `}}`: Redis Cluster would take every key's hash tag from it")]
    KeyPrefixBrace,
    /// A zero duration or size where one is needed.
    #[error("`{0}` must be greater than zero")]
    Zero(&'static str),
    /// Queue mode settings that do not fit together.
    #[error("queue mode: {0}")]
    Queue(#[from] crate::queue::QueueConfigError),
    /// Queue mode on a backend that keeps deliveries only in this process,
    /// without opting in.
    #[error("queue mode on an in-memory queue answers 202 for deliveries a restart loses; use a durable backend (Redis), or opt in for development with `QueueConfig::allow_volatile(true)`")]
    VolatileQueue,
}
