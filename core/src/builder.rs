//! Configuring a [`Receiver`]: [`ReceiverBuilder`] collects settings,
//! [`ReceiverBuilder::build`] checks all of them and reports a [`BuildError`].

use std::sync::Arc;
use std::time::Duration;

use crate::build_error::BuildError;
use crate::claim::SettleConfig;
use crate::client_addr::Networks;
use crate::clock::{Clock, SystemClock};
use crate::direct::DirectPolicy;
use crate::header_auth::HeaderSpec;
use crate::idempotency::IdempotencyStore;
use crate::jobs::{JobRegistry, MemoryJobRegistry};
use crate::queue::QueueConfig;
use crate::receiver::{Inner, Receiver};
use crate::secret::{KeyRing, VerifyingKey};
use crate::signature::Tolerance;
use crate::store_handle::StoreHandle;
use crate::verify::{Scheme, StandardWebhooks, Verifier};

/// Configures a [`Receiver`]. Nothing is parsed until [`build`](Self::build),
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
    /// [`build`](Self::build) as [`BuildError::MissingEnv`], whose message
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

    /// Where known job ids live (default: a [`MemoryJobRegistry`] on the
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
    /// in workers started with [`Receiver::start_workers`]. See
    /// [`crate::queue`].
    pub fn queue(mut self, config: QueueConfig) -> Self {
        self.queue = Some(config);
        self
    }

    /// Checks everything and builds the receiver.
    pub fn build(self) -> Result<Receiver, BuildError> {
        let nonzero = |d: Duration, name| {
            if d.is_zero() {
                Err(BuildError::Zero(name))
            } else {
                Ok(())
            }
        };
        nonzero(self.in_flight_ttl, "in_flight_ttl")?;
        nonzero(self.store_deadline, "store_deadline")?;
        nonzero(self.handler_deadline, "handler_deadline")?;
        if self.max_body == 0 {
            return Err(BuildError::Zero("max_body_bytes"));
        }
        if self.handler_deadline >= self.in_flight_ttl {
            return Err(BuildError::DeadlineOutlivesClaim {
                handler: self.handler_deadline,
                in_flight: self.in_flight_ttl,
            });
        }
        if self.done_ttl <= self.in_flight_ttl {
            return Err(BuildError::DoneTtlTooShort {
                done: self.done_ttl,
                in_flight: self.in_flight_ttl,
            });
        }
        if self.key_prefix.contains(['{', '}']) {
            return Err(BuildError::KeyPrefixBrace);
        }
        let parse_nets = |lists: &[String], list| -> Result<Networks, BuildError> {
            let mut nets = Networks::new();
            for l in lists {
                let parsed =
                    Networks::parse(l).map_err(|source| BuildError::Network { list, source })?;
                nets.extend(parsed.iter());
            }
            Ok(nets)
        };
        let trusted_proxies = parse_nets(&self.trusted_proxies, "trusted proxies")?;
        let allowed_sources = self
            .allowed_sources
            .as_deref()
            .map(|l| parse_nets(l, "allowed sources"))
            .transpose()?;
        let required_headers = self
            .required_headers
            .iter()
            .map(HeaderSpec::build)
            .collect::<Result<Vec<_>, _>>()?;

        if let Some((name, not_unicode)) = self.missing_env.into_iter().next() {
            return Err(BuildError::MissingEnv { name, not_unicode });
        }
        let given = self.scheme;
        if given.is_some()
            && (self.direct.is_some() || !self.secrets.is_empty() || !self.keys.is_empty())
        {
            return Err(BuildError::TwoSchemes);
        }
        let scheme = match (given, self.direct) {
            (Some(scheme), _) => scheme,
            (None, Some(policy)) => Scheme::Direct(policy),
            (None, None) => {
                let mut keys = self.keys;
                for s in &self.secrets {
                    for k in KeyRing::parse(s)?.keys() {
                        keys.push(k.clone());
                    }
                }
                if keys.is_empty() {
                    return Err(BuildError::NoKeys);
                }
                Scheme::Standard(StandardWebhooks {
                    keys,
                    tolerance: self.tolerance,
                })
            }
        };
        match &scheme {
            Scheme::Direct(policy) => {
                if policy.token.as_ref().is_some_and(|t| t.is_empty()) {
                    return Err(BuildError::EmptyToken);
                }
                let checks_something = policy.token.is_some()
                    || policy.known_jobs
                    || allowed_sources.is_some()
                    || !required_headers.is_empty();
                if !checks_something && !policy.accept_unauthenticated {
                    return Err(BuildError::DirectUnauthenticated);
                }
            }
            Scheme::Standard(StandardWebhooks { keys, .. }) if keys.is_empty() => {
                return Err(BuildError::NoKeys);
            }
            _ => {}
        }
        if let Some(tolerance) = scheme.tolerance() {
            // A timestamp is accepted from `future` before it until `past`
            // after it; the first delivery can come at the start of that
            // window, so its done marker must outlast the whole window.
            let window = tolerance.past.saturating_add(tolerance.future);
            if self.done_ttl <= window {
                return Err(BuildError::DoneTtlInsideReplayWindow {
                    done: self.done_ttl,
                    window,
                });
            }
        }
        if let Some(queue) = &self.queue {
            queue.check().map_err(BuildError::Queue)?;
            if queue.backend.is_volatile() {
                if !queue.allow_volatile {
                    return Err(BuildError::VolatileQueue);
                }
                tracing::warn!("hookgate: queue mode on an in-memory queue: queued deliveries are lost when this process stops (development only)");
            }
        }
        let retry_after = u32::try_from(self.retry_after.as_secs().max(1)).unwrap_or(u32::MAX);
        Ok(Receiver {
            inner: Arc::new(Inner {
                scheme,
                clock: Arc::clone(&self.clock),
                settle: Arc::new(SettleConfig {
                    // The default in-memory store and registry expire by the
                    // receiver's clock; a store given keeps its own.
                    store: self
                        .store
                        .unwrap_or_else(|| StoreHandle::default_memory(&self.clock)),
                    jobs: self.jobs.unwrap_or_else(|| {
                        Arc::new(MemoryJobRegistry::new().with_clock(Arc::clone(&self.clock)))
                    }),
                    in_flight_ttl: self.in_flight_ttl,
                    done_ttl: self.done_ttl,
                    deadline: self.store_deadline,
                    retry_after,
                    handler_deadline: self.handler_deadline,
                }),
                key_prefix: self.key_prefix,
                fail_open: self.fail_open,
                max_body: self.max_body,
                trusted_proxies,
                allowed_sources,
                required_headers,
                queue: self.queue.map(Arc::new),
            }),
        })
    }
}
