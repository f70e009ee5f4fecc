//! Keys per tenant: a [`KeySource`] says which keys a tenant's deliveries are
//! signed with — a Standard Webhooks [`KeyRing`], a [`GitHub`](crate::verify::GitHub)
//! or a [`Stripe`](crate::verify::Stripe) — looked up per delivery (through
//! a bounded cache) by a header, a path segment or a tenant the app names.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::deadline::with_handler_deadline;
use crate::headers::HeaderList;
use crate::rejection::Rejection;
use crate::secret::KeyRing;
use crate::signature::Tolerance;
use crate::verify::tenant_cache::{Cache, Cached};
use crate::verify::tenant_from::Resolved;
use crate::verify::tenant_lookup::{Flights, Looked};
use crate::verify::{Request, TemplateError, TenantFrom, TenantKeys, Verdict, Verified, Verifier};

/// Where a tenant's keys come from: a database, a secrets manager, a map.
/// `K` is what a tenant's keys are ([`TenantKeys`]): a [`KeyRing`] by
/// default, or a [`GitHub`](crate::verify::GitHub) or
/// [`Stripe`](crate::verify::Stripe) holding that tenant's secrets.
///
/// ```
/// use hookgate::signing::KeyRing;
/// use hookgate::verify::{KeySource, SourceError};
///
/// struct Fixed(Vec<(&'static str, &'static str)>);
///
/// #[async_trait::async_trait]
/// impl KeySource for Fixed {
///     async fn keys(&self, tenant: &str) -> Result<Option<KeyRing>, SourceError> {
///         let found = self.0.iter().find(|(t, _)| *t == tenant);
///         found.map(|(_, secret)| KeyRing::parse(secret).map_err(SourceError::new)).transpose()
///     }
/// }
/// ```
#[async_trait]
pub trait KeySource<K: TenantKeys = KeyRing>: Send + Sync + 'static {
    /// The keys of `tenant`: `Ok(None)` for a tenant that does not exist
    /// (answered 401 `unknown_tenant`, as are keys that verify nothing: an
    /// empty key ring or an empty secret), `Err` when the source cannot say
    /// (answered 503 `key_source_unavailable`, fail closed).
    async fn keys(&self, tenant: &str) -> Result<Option<K>, SourceError>;
}

/// A shared source (`Arc`) is a source: keep a handle on it (to refresh it,
/// or in tests).
#[async_trait]
impl<K: TenantKeys, S: KeySource<K>> KeySource<K> for Arc<S> {
    async fn keys(&self, tenant: &str) -> Result<Option<K>, SourceError> {
        (**self).keys(tenant).await
    }
}

/// A fixed map from tenant to keys is a source (tests, a handful of tenants
/// read at start-up); a tenant not in it is unknown.
///
/// ```
/// use std::collections::HashMap;
/// use hookgate::signing::KeyRing;
/// use hookgate::verify::{TenantFrom, Tenants};
///
/// let keys = HashMap::from([
///     ("acme".to_owned(), KeyRing::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap()),
///     ("globex".to_owned(), KeyRing::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap()),
/// ]);
/// let receiver = hookgate::Receiver::builder()
///     .verifier(Tenants::new(keys, TenantFrom::Path("/webhooks/{tenant}".into())))
///     .build()
///     .unwrap();
/// # assert_eq!(receiver.scheme(), "standard-webhooks");
/// ```
#[async_trait]
impl<K: TenantKeys + Clone> KeySource<K> for HashMap<String, K> {
    async fn keys(&self, tenant: &str) -> Result<Option<K>, SourceError> {
        Ok(self.get(tenant).cloned())
    }
}

/// A key source could not answer. Logged, never sent.
#[derive(Debug, thiserror::Error)]
#[error("the key source failed: {0}")]
pub struct SourceError(#[source] Box<dyn std::error::Error + Send + Sync + 'static>);

impl SourceError {
    /// Wraps the source's own error.
    pub fn new(error: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        Self(error.into())
    }
}

/// A built-in scheme with keys per tenant, from a [`KeySource`]: Standard
/// Webhooks / Svix (`Tenants`, i.e. `Tenants<KeyRing>`), GitHub
/// (`Tenants<GitHub>`) or Stripe (`Tenants<Stripe>`).
///
/// A tenant's keys are cached for [`cache_ttl`](Self::cache_ttl) (60 s by
/// default), at most [`cache_capacity`](Self::cache_capacity) tenants (1024);
/// a delivery whose tenant is cached is verified without waiting.
/// Deliveries for a tenant that is not cached share one look-up. A look-up
/// that fails or outlasts the [`deadline`](Self::deadline) is answered 503
/// `key_source_unavailable`; a tenant the source does not know, or a
/// request that names none, 401 `unknown_tenant`, and a tenant the source
/// does not know is remembered as such for [`unknown_ttl`](Self::unknown_ttl)
/// (10 s), apart from the known ones, so made-up names never push a real
/// tenant's keys out. The dedupe key includes the tenant, so two tenants'
/// ids never collide.
///
/// ```
/// # #[cfg(feature = "stripe")] {
/// use std::time::Duration;
/// use hookgate::verify::{KeySource, SourceError, Stripe, TenantFrom, Tenants};
///
/// /// Each tenant's Stripe endpoint secret.
/// struct Endpoints;
///
/// #[async_trait::async_trait]
/// impl KeySource<Stripe> for Endpoints {
///     async fn keys(&self, tenant: &str) -> Result<Option<Stripe>, SourceError> {
///         Ok(match tenant {
///             "acme" => Some(Stripe::new("whsec_acme_endpoint_secret")),
///             _ => None, // 401 unknown_tenant
///         })
///     }
/// }
///
/// let receiver = hookgate::Receiver::builder()
///     .verifier(
///         Tenants::new(Endpoints, TenantFrom::Path("/webhooks/{tenant}".into()))
///             .tolerance(Duration::from_secs(120)),
///     )
///     .build()
///     .unwrap();
/// assert_eq!(receiver.scheme(), "stripe");
/// # }
/// ```
pub struct Tenants<K: TenantKeys = KeyRing> {
    source: Arc<dyn KeySource<K>>,
    from: Arc<Resolved>,
    pub(crate) tolerance: Tolerance,
    deadline: Duration,
    retry_after: u32,
    cache: Arc<Cache<K>>,
    flights: Arc<Flights<K>>,
    keys: PhantomData<fn() -> K>,
}

impl<K: TenantKeys> Clone for Tenants<K> {
    fn clone(&self) -> Self {
        Self {
            source: Arc::clone(&self.source),
            from: Arc::clone(&self.from),
            tolerance: self.tolerance,
            deadline: self.deadline,
            retry_after: self.retry_after,
            cache: Arc::clone(&self.cache),
            flights: Arc::clone(&self.flights),
            keys: PhantomData,
        }
    }
}

impl<K: TenantKeys> std::fmt::Debug for Tenants<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tenants")
            .field("scheme", &K::SCHEME)
            .field("from", &self.from)
            .field("tolerance", &self.tolerance)
            .finish_non_exhaustive()
    }
}

impl<K: TenantKeys> Tenants<K> {
    /// Keys from `source`, for the tenant read as `from` says.
    pub fn new(source: impl KeySource<K>, from: TenantFrom) -> Self {
        Self {
            source: Arc::new(source),
            from: Arc::new(Resolved::new(from)),
            tolerance: Tolerance::default(),
            deadline: Duration::from_secs(1),
            retry_after: 5,
            cache: Arc::new(Cache::new(60, 10, 1024)),
            flights: Arc::new(Flights::new()),
            keys: PhantomData,
        }
    }

    /// How far a signed timestamp may be from now (default 300 s both
    /// ways), for the schemes that sign one: Standard Webhooks and Stripe
    /// (a tenant's [`Stripe`](crate::verify::Stripe) is checked within this
    /// window, not its own). GitHub signs no timestamp: there it is unused.
    pub fn tolerance(mut self, window: impl Into<Tolerance>) -> Self {
        self.tolerance = window.into();
        self
    }

    /// How long a look-up may take before the delivery is answered 503
    /// (default 1 s).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The `Retry-After` of a 503 when the source fails (default 5 s).
    pub fn retry_after(mut self, after: Duration) -> Self {
        self.retry_after = u32::try_from(after.as_secs().max(1)).unwrap_or(u32::MAX);
        self
    }

    /// How long a tenant's keys are kept (default 60 s; a rotated secret is
    /// picked up within it). Zero turns the cache off.
    pub fn cache_ttl(mut self, ttl: Duration) -> Self {
        self.cache = Arc::new(Cache::new(
            secs(ttl),
            self.cache.unknown.ttl_secs,
            self.cache.known.capacity,
        ));
        self
    }

    /// How many tenants are kept at most (default 1024), and as many
    /// tenants the source did not know, kept apart.
    pub fn cache_capacity(mut self, tenants: usize) -> Self {
        self.cache = Arc::new(Cache::new(
            self.cache.known.ttl_secs,
            self.cache.unknown.ttl_secs,
            tenants,
        ));
        self
    }

    /// How long a tenant the source does not know is answered 401
    /// `unknown_tenant` without asking it again (default 10 s): a sender's
    /// retries for a tenant that is gone, or a burst naming one, cost one
    /// look-up. A tenant created meanwhile is found once it has passed (the
    /// sender retries). Zero asks the source every time.
    pub fn unknown_ttl(mut self, ttl: Duration) -> Self {
        self.cache = Arc::new(Cache::new(
            self.cache.known.ttl_secs,
            secs(ttl),
            self.cache.known.capacity,
        ));
        self
    }

    /// The path template and why it is refused, for `build()`.
    pub(crate) fn template_error(&self) -> Option<(&str, &TemplateError)> {
        self.from.error()
    }

    /// The replay window, for a scheme that signs a timestamp.
    pub(crate) fn replay_tolerance(&self) -> Option<Tolerance> {
        K::TIMESTAMPED.then_some(self.tolerance)
    }
}

/// Whole seconds, saturating.
fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

/// What `keys` established, attributed to `tenant` (part of the dedupe key).
fn for_tenant(
    verified: Result<Verified, Rejection>,
    tenant: Arc<str>,
) -> Result<Verified, Rejection> {
    verified.map(|v| Verified {
        tenant: Some(tenant),
        ..v
    })
}

impl<K: TenantKeys> Tenants<K> {
    /// Asks the source for `tenant`'s keys, within the deadline, and caches
    /// the answer (known or unknown; a failure is logged, not cached).
    async fn look_up(&self, tenant: &Arc<str>, now: i64) -> Looked<K> {
        let failed = match with_handler_deadline(self.deadline, self.source.keys(tenant)).await {
            Ok(Ok(Some(keys))) if keys.usable() => {
                let keys = Arc::new(keys);
                self.cache
                    .known
                    .put(Arc::clone(tenant), Arc::clone(&keys), now);
                return Looked::Found(keys);
            }
            Ok(Ok(_)) => {
                self.cache.unknown.put(Arc::clone(tenant), (), now);
                return Looked::Unknown;
            }
            Ok(Err(error)) => error,
            Err(_) => SourceError::new(format!("no answer within {:?}", self.deadline)),
        };
        tracing::warn!(error = %failed, %tenant, scheme = K::SCHEME, "hookgate: key source unavailable; answering 503");
        Looked::Unavailable
    }
}

impl<K: TenantKeys> Verifier for Tenants<K> {
    fn scheme(&self) -> &'static str {
        K::SCHEME
    }

    fn verify(&self, request: &Request<'_>) -> Verdict {
        let Some(tenant) = self.from.tenant(request) else {
            return Verdict::Ready(Err(Rejection::UnknownTenant));
        };
        match self.cache.get(&tenant, request.now) {
            Some(Cached::Known(name, keys)) => {
                return Verdict::Ready(for_tenant(keys.verify_with(request, self.tolerance), name))
            }
            Some(Cached::Unknown) => return Verdict::Ready(Err(Rejection::UnknownTenant)),
            None => {}
        }
        // A look-up: the future owns the tenant, body and signature headers.
        let mut headers = HeaderList::new();
        for &name in K::HEADERS {
            request.headers.each(name, &mut |v| {
                headers = std::mem::take(&mut headers).with(name, v);
            });
        }
        let tenant: Arc<str> = Arc::from(&*tenant);
        let (body, client, now) = (request.body.clone(), request.client, request.now);
        let this = self.clone();
        Verdict::Pending(Box::pin(async move {
            let seat = this.flights.join(&tenant);
            let keys = match seat.outcome(|| this.look_up(&tenant, now)).await {
                Looked::Found(keys) => keys,
                Looked::Unknown => return Err(Rejection::UnknownTenant),
                Looked::Unavailable => {
                    return Err(Rejection::KeySourceUnavailable {
                        retry_after: this.retry_after,
                    })
                }
            };
            drop(seat);
            let request = Request {
                headers: &headers,
                body: &body,
                client,
                now,
                tenant: Some(&tenant),
                path: "",
            };
            for_tenant(keys.verify_with(&request, this.tolerance), tenant)
        }))
    }
}
