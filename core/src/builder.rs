//! Configuring a [`Receiver`](crate::Receiver): [`ReceiverBuilder`] collects settings (here);
//! [`ReceiverBuilder::build`] checks all of them and reports a [`BuildError`](crate::BuildError)
//! (`builder/build.rs`).

mod build;

use std::sync::Arc;
use std::time::Duration;

use crate::clock::{Clock, SystemClock};
use crate::direct::DirectPolicy;
use crate::header_auth::HeaderSpec;
use crate::idempotency::IdempotencyStore;
use crate::jobs::JobRegistry;
use crate::queue::QueueConfig;

use crate::secret::{KeyRing, VerifyingKey};
use crate::signature::Tolerance;
use crate::store_handle::StoreHandle;
use crate::verify::{Scheme, Verifier};

/// Configures a [`Receiver`](crate::Receiver). Nothing is parsed until [`build`](Self::build),
/// which reports every mistake before the first request.
#[derive(Clone)]
pub struct ReceiverBuilder {
    secrets: Vec<String>,
    /// `secret_from_env` variables that could not be read (reported by build).
    missing_env: Vec<(String, bool)>,
    keys: KeyRing,
    direct: Option<DirectPolicy>,
    scheme: Option<Scheme>,
    tolerance: Tolerance,
    clock: Arc<dyn Clock>,
    store: Option<StoreHandle>,
    jobs: Option<Arc<dyn JobRegistry>>,
    key_prefix: String,
    in_flight_ttl: Duration,
    done_ttl: Duration,
    store_deadline: Duration,
    handler_deadline: Duration,
    retry_after: Duration,
    fail_open: bool,
    max_body: usize,
    trusted_proxies: Vec<String>,
    allowed_sources: Option<Vec<String>>,
    required_headers: Vec<HeaderSpec>,
    queue: Option<QueueConfig>,
}

impl Default for ReceiverBuilder {
    fn default() -> Self {
        Self {
            secrets: Vec::new(),
            missing_env: Vec::new(),
            keys: KeyRing::new(),
            direct: None,
            scheme: None,
            tolerance: Tolerance::default(),
            clock: Arc::new(SystemClock),
            store: None,
            jobs: None,
            key_prefix: "hookgate:".to_owned(),
            in_flight_ttl: Self::DEFAULT_IN_FLIGHT_TTL,
            done_ttl: Self::DEFAULT_DONE_TTL,
            store_deadline: Duration::from_secs(1),
            handler_deadline: Duration::from_secs(25),
            retry_after: Duration::from_secs(5),
            fail_open: false,
            max_body: Self::DEFAULT_MAX_BODY,
            trusted_proxies: Vec::new(),
            allowed_sources: None,
            required_headers: Vec::new(),
            queue: None,
        }
    }
}

impl ReceiverBuilder {
    /// 30 s: longer than the 15 s a sender waits for an answer.
    pub const DEFAULT_IN_FLIGHT_TTL: Duration = Duration::from_secs(30);
    /// 28 h: longer than Svix's retry schedule (27 h 35 m).
    pub const DEFAULT_DONE_TTL: Duration = Duration::from_secs(28 * 3600);
    /// 16 MiB.
    pub const DEFAULT_MAX_BODY: usize = 16 * 1024 * 1024;

    /// Signed mode: accepts signatures by this secret (`whsec_…`) or public key
    /// (`whpk_…`). Several may be given at once, separated by spaces or commas,
    /// or by calling this again (rotation: any one may match).
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secrets.push(secret.into());
        self
    }

    /// Signed mode: like [`secret`](Self::secret), with the value of the
    /// environment variable `name`. A variable that is not set is reported by
    /// [`build`](Self::build) as [`BuildError::MissingEnv`](crate::BuildError::MissingEnv), whose message
    /// names it — what a person sees when the app fails to start.
    ///
    /// ```
    /// let err = hookgate::Receiver::builder()
    ///     .secret_from_env("HOOKGATE_DOC_UNSET_VARIABLE")
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(
    ///     format!("{err:?}"),
    ///     "the environment variable `HOOKGATE_DOC_UNSET_VARIABLE` is not set; \
    ///      set it to the webhook signing secret from the sender's portal (`whsec_…`)"
    /// );
    /// ```
    pub fn secret_from_env(mut self, name: &str) -> Self {
        match std::env::var(name) {
            Ok(value) => self.secrets.push(value),
            Err(e) => self.missing_env.push((
                name.to_owned(),
                matches!(e, std::env::VarError::NotUnicode(_)),
            )),
        }
        self
    }

    /// Signed mode: accepts signatures by an already-parsed key.
    pub fn key(mut self, key: VerifyingKey) -> Self {
        self.keys.push(key);
        self
    }

    /// Direct mode (unsigned deliveries) with this policy.
    pub fn direct(mut self, policy: DirectPolicy) -> Self {
        self.direct = Some(policy);
        self
    }

    /// Authenticates deliveries with this scheme instead of Standard Webhooks
    /// secrets or a direct policy (which it cannot be combined with):
    /// [`GitHub`](crate::verify::GitHub), [`Stripe`](crate::verify::Stripe),
    /// [`Tenants`](crate::verify::Tenants) or your own [`Verifier`]. The
    /// built-in schemes are called without a box per request; see
    /// [`crate::verify`].
    ///
    /// ```
    /// use hookgate::signing::KeyRing;
    /// use hookgate::verify::StandardWebhooks;
    ///
    /// let keys = KeyRing::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    /// let receiver = hookgate::Receiver::builder()
    ///     .verifier(StandardWebhooks::new(keys))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(receiver.scheme(), "standard-webhooks");
    /// ```
    pub fn verifier(mut self, verifier: impl Verifier) -> Self {
        self.scheme = Some(Scheme::of(verifier));
        self
    }

    /// How far a timestamp may be from now: a [`Duration`] for the same
    /// window both ways, or a [`Tolerance`] with `past` and `future` apart
    /// (default 300 s both ways).
    ///
    /// ```
    /// use std::time::Duration;
    /// use hookgate::{Receiver, Tolerance};
    ///
    /// # let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    /// let both_ways = Receiver::builder().secret(secret).tolerance(Duration::from_secs(60));
    /// let apart = Receiver::builder().secret(secret).tolerance(Tolerance {
    ///     past: Duration::from_secs(600),
    ///     future: Duration::from_secs(30),
    /// });
    /// # both_ways.build().unwrap(); apart.build().unwrap();
    /// ```
    pub fn tolerance(mut self, window: impl Into<Tolerance>) -> Self {
        self.tolerance = window.into();
        self
    }

    /// The clock timestamps are checked against, and the default in-memory
    /// store and job registry expire by (default: the system clock). Pass an
    /// `Arc` of a clock to keep a handle on it (a test moving time).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Where claims live (default: a [`MemoryStore`](crate::store::MemoryStore) on
    /// the receiver's clock). A store given keeps its own clock; pass an `Arc`
    /// to share one store between receivers. A
    /// [`MemoryStore`](crate::store::MemoryStore), or an `Arc` of one, is called
    /// directly (see [`IdempotencyStore::into_memory_store`]).
    pub fn store(mut self, store: impl IdempotencyStore) -> Self {
        self.store = Some(StoreHandle::of(store));
        self
    }

    /// Where known job ids live (default: a [`MemoryJobRegistry`](crate::jobs::MemoryJobRegistry) on the
    /// receiver's clock); pass an `Arc` to share one between receivers.
    pub fn job_registry(mut self, jobs: impl JobRegistry) -> Self {
        self.jobs = Some(Arc::new(jobs));
        self
    }

    /// Prefix of every dedupe key (default `hookgate:`); separate apps sharing
    /// one store use different prefixes.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// How long a claim stays in flight without being settled (default 30 s).
    pub fn in_flight_ttl(mut self, ttl: Duration) -> Self {
        self.in_flight_ttl = ttl;
        self
    }

    /// How long a processed delivery is remembered (default 28 h). Must outlast
    /// the sender's retry schedule.
    pub fn done_ttl(mut self, ttl: Duration) -> Self {
        self.done_ttl = ttl;
        self
    }

    /// Deadline of each store call (default 1 s).
    pub fn store_deadline(mut self, deadline: Duration) -> Self {
        self.store_deadline = deadline;
        self
    }

    /// How long the handler may run (default 25 s; must be shorter than the
    /// in-flight TTL).
    pub fn handler_deadline(mut self, deadline: Duration) -> Self {
        self.handler_deadline = deadline;
        self
    }

    /// The `Retry-After` sent with 409 and 503 answers (default 5 s).
    pub fn retry_after(mut self, after: Duration) -> Self {
        self.retry_after = after;
        self
    }

    /// When the store cannot be reached, go on without deduplication (and
    /// without the known-jobs check) instead of answering 503. Each skipped
    /// check is logged. Off by default.
    pub fn fail_open(mut self, on: bool) -> Self {
        self.fail_open = on;
        self
    }

    /// The largest body accepted (default 16 MiB).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body = limit;
        self
    }

    /// Networks whose `X-Forwarded-For` is believed (CIDRs or addresses,
    /// separated by commas or spaces).
    pub fn trusted_proxies(mut self, list: impl Into<String>) -> Self {
        self.trusted_proxies.push(list.into());
        self
    }

    /// Only deliveries from these networks are accepted (403 otherwise).
    pub fn allowed_sources(mut self, list: impl Into<String>) -> Self {
        self.allowed_sources
            .get_or_insert_with(Vec::new)
            .push(list.into());
        self
    }

    /// Requires header `name` to equal `value` (401 otherwise). An empty
    /// value is refused by [`build`](Self::build).
    pub fn require_header(mut self, name: impl Into<String>, value: impl AsRef<[u8]>) -> Self {
        self.required_headers
            .push(HeaderSpec::Value(name.into(), value.as_ref().to_vec()));
        self
    }

    /// Requires HTTP basic auth with these credentials (401 otherwise). An
    /// empty password, or a user name with `:`, is refused by
    /// [`build`](Self::build).
    pub fn basic_auth(mut self, user: &str, password: &str) -> Self {
        self.required_headers
            .push(HeaderSpec::Basic(user.to_owned(), password.to_owned()));
        self
    }

    /// Applies grouped settings, e.g. loaded from the app's own
    /// configuration (feature `serde`); see [`ReceiverConfig`](crate::ReceiverConfig).
    /// Settings it leaves out keep what the builder had.
    pub fn config(self, config: crate::ReceiverConfig) -> Self {
        config.apply(self)
    }

    /// Runs in queue mode: each admitted delivery is enqueued atomically and
    /// answered `202 {"received":true,"queued":true}`; the app's handler runs
    /// in workers started with [`Receiver::start_workers`](crate::Receiver::start_workers). See
    /// [`crate::queue`].
    pub fn queue(mut self, config: QueueConfig) -> Self {
        self.queue = Some(config);
        self
    }
}
