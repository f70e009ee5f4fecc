//! The configured core: [`Receiver::admit`] decides whether a delivery reaches
//! the handler, [`Receiver::settle`] records how the handler did.

use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use crate::claim::{Claim, SettleConfig};
use crate::client_addr::{client_addr, InvalidNetwork, Networks};
use crate::clock::{Clock, SystemClock};
use crate::delivery::{Delivery, Facts, Mode};
use crate::direct::DirectPolicy;
use crate::event::StatusKind;
use crate::header_auth::{basic_auth_value, InvalidHeaderName, RequiredHeader};
use crate::headers::HeaderLookup;
use crate::idempotency::{ClaimOutcome, ClaimToken, IdempotencyStore, StoreError};
use crate::jobs::{JobRegistry, MemoryJobRegistry};
use crate::peek::peek;
use crate::rejection::{Answer, PayloadError, Rejection};
use crate::secret::{KeyRing, SecretError, VerifyingKey};
use crate::signature::Tolerance;
use crate::store_handle::StoreHandle;

/// One inbound request as an adapter hands it to the core.
pub struct Inbound<'a> {
    /// The request headers.
    pub headers: &'a dyn HeaderLookup,
    /// The whole raw body, read once (bounded by [`Receiver::max_body_bytes`]).
    pub body: Bytes,
    /// The TCP peer address, from the connection (never from a header).
    pub peer: Option<IpAddr>,
}

/// The core's decision on one delivery.
#[derive(Debug)]
pub enum Admission {
    /// Call the handler with the delivery, then [`Receiver::settle`] the claim.
    Proceed(Delivery, Claim),
    /// Answer at once; the handler is not called.
    Respond(Answer),
}

/// A configuration mistake, reported when the receiver is built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A secret or key is malformed.
    #[error("invalid webhook secret: {0}")]
    Secret(#[from] SecretError),
    /// Signed mode without any key.
    #[error("signed mode needs at least one secret (`whsec_…`) or public key (`whpk_…`); call `.secret(…)` or choose direct mode")]
    NoKeys,
    /// A CIDR list has an entry that does not parse.
    #[error("invalid {list}: {source}")]
    Network {
        /// Which list ("trusted proxies" or "allowed sources").
        list: &'static str,
        /// The entry that did not parse.
        #[source]
        source: InvalidNetwork,
    },
    /// A required header's name is not a header name.
    #[error(transparent)]
    HeaderName(#[from] InvalidHeaderName),
    /// Direct mode with nothing to check.
    #[error("direct mode has no check configured (token, known jobs, allowed sources or a required header): anyone could post events; configure one, or opt in with `DirectPolicy::accept_unauthenticated(true)`")]
    DirectUnauthenticated,
    /// Direct mode with an empty token.
    #[error("the direct-mode token is empty")]
    EmptyToken,
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
    /// A zero duration or size where one is needed.
    #[error("`{0}` must be greater than zero")]
    Zero(&'static str),
}

enum ModeConfig {
    Signed { keys: KeyRing, tolerance: Tolerance },
    Direct(DirectPolicy),
}

struct Inner {
    mode: ModeConfig,
    clock: Arc<dyn Clock>,
    settle: Arc<SettleConfig>,
    key_prefix: String,
    handler_deadline: Duration,
    fail_open: bool,
    max_body: usize,
    trusted_proxies: Networks,
    allowed_sources: Option<Networks>,
    required_headers: Vec<RequiredHeader>,
}

/// The configured core. Cheap to clone (one reference count); share one per app.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use hookgate::{Admission, HeaderList, Inbound, JobEvent, Receiver, Secret};
///
/// let receiver = Receiver::builder()
///     .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
///     .build()
///     .unwrap();
///
/// // What a sender does:
/// let body = br#"{"status":"Completed","job_id":"job_1","metadata":{}}"#;
/// let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
/// let sig = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap().sign("msg_1", now, body);
/// let headers = HeaderList::new()
///     .with("svix-id", "msg_1")
///     .with("svix-timestamp", now.to_string())
///     .with("svix-signature", sig);
///
/// // What an adapter does:
/// let inbound = Inbound { headers: &headers, body: body.to_vec().into(), peer: None };
/// match receiver.admit(inbound).await {
///     Admission::Proceed(delivery, claim) => {
///         let event: JobEvent = delivery.event().unwrap();
///         assert!(event.status.is_completed());
///         let ok = true; // the handler's outcome
///         receiver.settle(claim, ok).await.unwrap();
///     }
///     Admission::Respond(answer) => panic!("refused: {answer:?}"),
/// }
/// # });
/// ```
#[derive(Clone)]
pub struct Receiver {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field(
                "mode",
                &match self.inner.mode {
                    ModeConfig::Signed { .. } => Mode::Signed,
                    ModeConfig::Direct(_) => Mode::Direct,
                },
            )
            .field("max_body", &self.inner.max_body)
            .finish_non_exhaustive()
    }
}

/// The parts of a checked delivery the async half of admission needs.
struct Checked {
    delivery: Delivery,
    key: String,
    /// Direct mode with known jobs: the job id to look up.
    known_job: Option<String>,
    /// Whether settling should forget the job (known jobs + final status).
    forget_job: Option<String>,
}

impl Receiver {
    /// Starts configuring a receiver.
    pub fn builder() -> ReceiverBuilder {
        ReceiverBuilder::default()
    }

    /// The largest body accepted, in bytes. Adapters read at most this much.
    pub fn max_body_bytes(&self) -> usize {
        self.inner.max_body
    }

    /// How long a handler may run before its claim is released and the answer
    /// is 503.
    pub fn handler_deadline(&self) -> Duration {
        self.inner.handler_deadline
    }

    /// How a delivery is authenticated.
    pub fn mode(&self) -> Mode {
        match self.inner.mode {
            ModeConfig::Signed { .. } => Mode::Signed,
            ModeConfig::Direct(_) => Mode::Direct,
        }
    }

    /// Refuses early when a declared `Content-Length` exceeds the limit.
    pub fn check_content_length(&self, declared: Option<u64>) -> Result<(), Answer> {
        self.check_content_length_at(declared, self.inner.max_body)
    }

    /// Like [`check_content_length`](Self::check_content_length), for a route
    /// whose framework reads at most `limit` bytes (never more than
    /// [`max_body_bytes`](Self::max_body_bytes): a larger `limit` is lowered
    /// to it).
    ///
    /// ```
    /// let receiver = hookgate::Receiver::builder()
    ///     .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    ///     .max_body_bytes(1000)
    ///     .build()
    ///     .unwrap();
    /// assert!(receiver.check_content_length_at(Some(600), 500).is_err());
    /// assert!(receiver.check_content_length_at(Some(500), 500).is_ok());
    /// let refused = receiver.check_content_length_at(Some(1001), 5000).unwrap_err();
    /// assert_eq!(refused.status(), 413);
    /// assert!(std::str::from_utf8(refused.body()).unwrap().contains("1000"));
    /// ```
    pub fn check_content_length_at(
        &self,
        declared: Option<u64>,
        limit: usize,
    ) -> Result<(), Answer> {
        let limit = limit.min(self.inner.max_body);
        match declared {
            Some(len) if len > limit as u64 => Err(self.too_large_at(limit)),
            _ => Ok(()),
        }
    }

    /// The 413 answer for a body over the limit.
    pub fn too_large(&self) -> Answer {
        self.too_large_at(self.inner.max_body)
    }

    /// The 413 answer for a body over `limit` bytes, a route's own limit
    /// (lowered to [`max_body_bytes`](Self::max_body_bytes) if larger).
    pub fn too_large_at(&self, limit: usize) -> Answer {
        Rejection::PayloadTooLarge {
            limit: limit.min(self.inner.max_body),
        }
        .to_answer()
    }

    /// The 503 answer for a handler that ran past its deadline.
    pub fn handler_timeout(&self) -> Answer {
        tracing::warn!(
            deadline = ?self.inner.handler_deadline,
            "hookgate: handler ran past its deadline; claim released"
        );
        Rejection::HandlerTimeout {
            retry_after: self.inner.settle.retry_after,
        }
        .to_answer()
    }

    /// The 503 answer (with this receiver's `Retry-After`) for a store failure
    /// outside admission, e.g. when [`register_job`](Self::register_job) fails.
    /// Logs the cause; the answer never contains it.
    pub fn store_unavailable(&self, source: StoreError) -> Answer {
        tracing::warn!(error = %source, "hookgate: store unavailable; answering 503");
        Rejection::StoreUnavailable {
            retry_after: self.inner.settle.retry_after,
            source,
        }
        .to_answer()
    }

    /// Registers a job id as known (direct mode, known-jobs check), for the
    /// direct policy's job TTL. Call it when submitting the job.
    pub async fn register_job(&self, job_id: &str) -> Result<(), StoreError> {
        let ttl = match &self.inner.mode {
            ModeConfig::Direct(p) => p.job_ttl,
            ModeConfig::Signed { .. } => DirectPolicy::default().job_ttl,
        };
        let s = &self.inner.settle;
        s.within(s.jobs().register(job_id, ttl)).await
    }

    /// Decides on one delivery: authenticate, identify, claim.
    ///
    /// Everything decided from the request alone (size, required headers,
    /// source network, signature or direct-mode checks) runs when `admit` is
    /// called; the returned future holds none of the request, only what the
    /// claim needs, and awaits the store.
    pub fn admit(&self, inbound: Inbound<'_>) -> impl Future<Output = Admission> + Send + '_ {
        let checked = self.check(&inbound);
        drop(inbound);
        // Not an `async` block: one would keep `checked` in its own slot
        // beside the claim future it moves into. Every adapter boxes this
        // future inside its own per request, so its size is paid each time.
        match checked {
            Ok(checked) => AdmitFuture::Claiming {
                claim: self.claim(checked),
            },
            Err(rejection) => AdmitFuture::Refused {
                rejection: Some(rejection),
            },
        }
    }

    /// Records the handler's outcome; see [`Claim::settle`].
    pub fn settle(
        &self,
        claim: Claim,
        handler_succeeded: bool,
    ) -> impl Future<Output = Result<(), Answer>> + Send + 'static {
        claim.settle(handler_succeeded)
    }

    /// The asynchronous half of admission: claim, then the known-job check.
    #[allow(
        clippy::manual_async_fn,
        reason = "an async fn would copy `checked` into a local and hold both"
    )]
    fn claim(
        &self,
        checked: Checked,
    ) -> impl Future<Output = Result<Admission, Rejection>> + Send + '_ {
        // `async move` over `checked` (not an `async fn`, which would copy it).
        async move {
            let s = &self.inner.settle;
            // Claim before the known-job check: a retry of a final event whose
            // job was forgotten once processed must still find its done marker
            // and be answered as a duplicate, not as an unknown job.
            let token = ClaimToken::random();
            let claim = match s
                .store
                .claim(s.deadline, &checked.key, token, s.in_flight_ttl)
                .await
            {
                Ok(ClaimOutcome::Fresh) => {
                    Claim::owned(s.clone(), checked.key, token, checked.forget_job)
                }
                Ok(ClaimOutcome::Done) => {
                    tracing::debug!(key = %checked.key, "hookgate: duplicate of a processed delivery");
                    return Ok(Admission::Respond(Answer::duplicate()));
                }
                Ok(ClaimOutcome::InFlight) => {
                    return Err(Rejection::InFlight {
                        retry_after: s.retry_after,
                    })
                }
                Err(source) => {
                    self.store_failed(source)?;
                    Claim::unclaimed()
                }
            };
            if let Some(job) = &checked.known_job {
                let refused = match s.within(s.jobs().is_known(job)).await {
                    Ok(true) => None,
                    Ok(false) => Some(Rejection::UnknownJob),
                    Err(source) => self.store_failed(source).err(),
                };
                if let Some(rejection) = refused {
                    // Released at once, so a redelivery after registering is
                    // processed. Boxed: this rare path would otherwise size
                    // every delivery's future.
                    Box::pin(claim.settle(false)).await.ok();
                    return Err(rejection);
                }
            }
            Ok(Admission::Proceed(checked.delivery, claim))
        }
    }

    /// Fail closed (503), unless fail-open was chosen: then log and go on.
    fn store_failed(&self, source: StoreError) -> Result<(), Rejection> {
        if self.inner.fail_open {
            tracing::warn!(error = %source, "hookgate: store unavailable; FAIL-OPEN skips this check");
            Ok(())
        } else {
            Err(Rejection::StoreUnavailable {
                retry_after: self.inner.settle.retry_after,
                source,
            })
        }
    }

    /// The synchronous half: everything decided from the request alone.
    fn check(&self, inbound: &Inbound<'_>) -> Result<Checked, Rejection> {
        let inner = &*self.inner;
        let headers: &dyn HeaderLookup = inbound.headers;
        if inbound.body.len() > inner.max_body {
            return Err(Rejection::PayloadTooLarge {
                limit: inner.max_body,
            });
        }
        for required in &inner.required_headers {
            required.check(headers)?;
        }
        let client = client_addr(inbound.peer, headers, &inner.trusted_proxies);
        if let Some(allowed) = &inner.allowed_sources {
            match client {
                Some(addr) if allowed.contains(addr) => {}
                _ => return Err(Rejection::SourceNotAllowed),
            }
        }
        match &inner.mode {
            ModeConfig::Signed { keys, tolerance } => {
                let now = inner.clock.now_unix();
                let signed = keys.verify(headers, &inbound.body, now, *tolerance)?;
                let key = dedupe_key(&inner.key_prefix, &["msg:", signed.id]);
                Ok(Checked {
                    delivery: Delivery::new(Facts {
                        body: inbound.body.clone(),
                        mode: Mode::Signed,
                        family: Some(signed.family),
                        message_id: Some(signed.id.to_owned()),
                        timestamp: Some(signed.timestamp),
                        job_id: None,
                        status: None,
                        client_addr: client,
                        redact_field: None,
                    }),
                    key,
                    known_job: None,
                    forget_job: None,
                })
            }
            ModeConfig::Direct(policy) => {
                let token_field = policy.token.as_ref().map(|_| &*policy.token_field);
                let peeked = peek(&inbound.body, token_field)
                    .map_err(|e| Rejection::MalformedPayload(PayloadError::from_json(&e)))?;
                policy.check_token(peeked.token.as_deref())?;
                let job_id = peeked
                    .job_id
                    .filter(|j| !j.is_empty())
                    .ok_or(Rejection::MissingField("job_id"))?;
                let status = peeked
                    .status
                    .filter(|s| !s.is_empty())
                    .ok_or(Rejection::MissingField("status"))?;
                let kind = StatusKind::of(&status);
                let status_key = match kind {
                    StatusKind::Other => status.to_ascii_lowercase(),
                    k => k.as_str().to_owned(),
                };
                let key = dedupe_key(&inner.key_prefix, &["job:", &job_id, ":", &status_key]);
                let known_job = policy.known_jobs.then(|| job_id.clone());
                let forget_job = (policy.known_jobs && kind.is_final()).then(|| job_id.clone());
                Ok(Checked {
                    delivery: Delivery::new(Facts {
                        body: inbound.body.clone(),
                        mode: Mode::Direct,
                        family: None,
                        message_id: None,
                        timestamp: None,
                        job_id: Some(job_id),
                        status: Some(status),
                        client_addr: client,
                        redact_field: policy.token.as_ref().map(|_| policy.token_field.clone()),
                    }),
                    key,
                    known_job,
                    forget_job,
                })
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// The future [`Receiver::admit`] returns: the claim, or the refusal
    /// decided before any store call.
    #[project = AdmitProj]
    enum AdmitFuture<C> {
        Claiming { #[pin] claim: C },
        Refused { rejection: Option<Rejection> },
    }
}

impl<C> Future for AdmitFuture<C>
where
    C: Future<Output = Result<Admission, Rejection>>,
{
    type Output = Admission;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Admission> {
        let outcome = match self.project() {
            AdmitProj::Claiming { claim } => std::task::ready!(claim.poll(cx)),
            AdmitProj::Refused { rejection } => Err(rejection
                .take()
                .expect("AdmitFuture polled after it completed")),
        };
        std::task::Poll::Ready(outcome.unwrap_or_else(refuse))
    }
}

/// Logs a refusal and turns it into its answer.
fn refuse(rejection: Rejection) -> Admission {
    match &rejection {
        Rejection::StoreUnavailable { source, .. } => {
            tracing::warn!(error = %source, "hookgate: store unavailable; answering 503")
        }
        r => tracing::info!(
            code = r.code(),
            status = r.status().as_u16(),
            "hookgate: delivery refused"
        ),
    }
    Admission::Respond(rejection.to_answer())
}

/// `prefix` followed by `parts`, in one allocation (this runs per request).
fn dedupe_key(prefix: &str, parts: &[&str]) -> String {
    let len = prefix.len() + parts.iter().map(|p| p.len()).sum::<usize>();
    let mut key = String::with_capacity(len);
    key.push_str(prefix);
    for p in parts {
        key.push_str(p);
    }
    key
}

/// Configures a [`Receiver`]. Nothing is parsed until [`build`](Self::build),
/// which reports every mistake before the first request.
#[derive(Clone)]
pub struct ReceiverBuilder {
    secrets: Vec<String>,
    keys: KeyRing,
    direct: Option<DirectPolicy>,
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
    required_headers: Vec<(String, Vec<u8>)>,
}

impl Default for ReceiverBuilder {
    fn default() -> Self {
        Self {
            secrets: Vec::new(),
            keys: KeyRing::new(),
            direct: None,
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

    /// Allowed clock skew, the same into the past and the future (default 300 s).
    pub fn tolerance(mut self, window: Duration) -> Self {
        self.tolerance = Tolerance::symmetric(window);
        self
    }

    /// Allowed clock skew, separately for each direction.
    pub fn tolerance_window(mut self, tolerance: Tolerance) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The clock timestamps are checked against (default: the system clock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The clock, shared (so a test can move it after building).
    pub fn shared_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Where claims live (default: a [`MemoryStore`](crate::MemoryStore)).
    pub fn store(mut self, store: impl IdempotencyStore) -> Self {
        self.store = Some(StoreHandle::of(store));
        self
    }

    /// Where claims live, shared with other receivers.
    pub fn shared_store(mut self, store: Arc<dyn IdempotencyStore>) -> Self {
        self.store = Some(StoreHandle::Other(store));
        self
    }

    /// Where known job ids live (default: a [`MemoryJobRegistry`]).
    pub fn job_registry(mut self, jobs: impl JobRegistry) -> Self {
        self.jobs = Some(Arc::new(jobs));
        self
    }

    /// Where known job ids live, shared with other receivers.
    pub fn shared_job_registry(mut self, jobs: Arc<dyn JobRegistry>) -> Self {
        self.jobs = Some(jobs);
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

    /// Requires header `name` to equal `value` (401 otherwise).
    pub fn require_header(mut self, name: impl Into<String>, value: impl AsRef<[u8]>) -> Self {
        self.required_headers
            .push((name.into(), value.as_ref().to_vec()));
        self
    }

    /// Requires HTTP basic auth with these credentials (401 otherwise).
    pub fn basic_auth(mut self, user: &str, password: &str) -> Self {
        self.required_headers.push((
            "authorization".to_owned(),
            basic_auth_value(user, password).into_bytes(),
        ));
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
            .map(|(n, v)| RequiredHeader::new(n, v))
            .collect::<Result<Vec<_>, _>>()?;

        let mode = match self.direct {
            Some(policy) => {
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
                ModeConfig::Direct(policy)
            }
            None => {
                let mut keys = self.keys;
                for s in &self.secrets {
                    for k in KeyRing::parse(s)?.keys() {
                        keys.push(k.clone());
                    }
                }
                if keys.is_empty() {
                    return Err(BuildError::NoKeys);
                }
                ModeConfig::Signed {
                    keys,
                    tolerance: self.tolerance,
                }
            }
        };
        let retry_after = u32::try_from(self.retry_after.as_secs().max(1)).unwrap_or(u32::MAX);
        Ok(Receiver {
            inner: Arc::new(Inner {
                mode,
                clock: self.clock,
                settle: Arc::new(SettleConfig {
                    store: self.store.unwrap_or_default(),
                    jobs: self
                        .jobs
                        .unwrap_or_else(|| Arc::new(MemoryJobRegistry::new())),
                    in_flight_ttl: self.in_flight_ttl,
                    done_ttl: self.done_ttl,
                    deadline: self.store_deadline,
                    retry_after,
                }),
                key_prefix: self.key_prefix,
                handler_deadline: self.handler_deadline,
                fail_open: self.fail_open,
                max_body: self.max_body,
                trusted_proxies,
                allowed_sources,
                required_headers,
            }),
        })
    }
}
