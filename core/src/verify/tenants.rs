//! Keys per tenant: a [`KeySource`] says which Standard Webhooks keys a
//! tenant's deliveries are signed with, looked up per delivery (through a
//! bounded cache) by a header or by a tenant the app names (a path segment).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use std::collections::HashMap;

use crate::headers::{HeaderList, HeaderLookup};
use crate::offload::heavy;
use crate::rejection::Rejection;
use crate::secret::KeyRing;
use crate::signature::Tolerance;
use crate::verify::{Request, Verdict, Verified, Verifier, STANDARD};

/// Where a tenant's keys come from: a database, a secrets manager, a map.
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
pub trait KeySource: Send + Sync + 'static {
    /// The key ring of `tenant`: `Ok(None)` for a tenant that does not exist
    /// (answered 401 `unknown_tenant`), `Err` when the source cannot say
    /// (answered 503 `key_source_unavailable`, fail closed).
    async fn keys(&self, tenant: &str) -> Result<Option<KeyRing>, SourceError>;
}

/// A shared source (`Arc`) is a source: keep a handle on it (to refresh it,
/// or in tests).
#[async_trait]
impl<S: KeySource> KeySource for Arc<S> {
    async fn keys(&self, tenant: &str) -> Result<Option<KeyRing>, SourceError> {
        (**self).keys(tenant).await
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

/// Where a delivery's tenant is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantFrom {
    /// A request header (e.g. `x-tenant`, set by a gateway).
    Header(String),
    /// The tenant the app passes to
    /// [`Receiver::admit_for`](crate::Receiver::admit_for): a path segment
    /// such as `/webhooks/{tenant}`, or the Svix app id the app put in the
    /// endpoint URL it registered.
    Given,
}

/// Standard Webhooks / Svix with keys per tenant, from a [`KeySource`].
///
/// A tenant's keys are cached for [`cache_ttl`](Self::cache_ttl) (60 s by
/// default), at most [`cache_capacity`](Self::cache_capacity) tenants (1024);
/// a delivery whose tenant is cached is verified without waiting. The dedupe
/// key includes the tenant, so two tenants' message ids never collide.
#[derive(Clone)]
pub struct Tenants {
    source: Arc<dyn KeySource>,
    from: Arc<TenantFrom>,
    pub(crate) tolerance: Tolerance,
    deadline: Duration,
    retry_after: u32,
    cache: Arc<Cache>,
}

impl std::fmt::Debug for Tenants {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tenants")
            .field("from", &self.from)
            .field("tolerance", &self.tolerance)
            .finish_non_exhaustive()
    }
}

/// A tenant's keys and when they expire (Unix seconds).
type Entry = (Arc<KeyRing>, i64);

struct Cache {
    ttl_secs: i64,
    capacity: usize,
    entries: Mutex<HashMap<Arc<str>, Entry>>,
}

impl Cache {
    fn get(&self, tenant: &str, now: i64) -> Option<Arc<KeyRing>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(tenant)
            .filter(|(_, until)| now < *until)
            .map(|(keys, _)| Arc::clone(keys))
    }

    fn put(&self, tenant: &str, keys: Arc<KeyRing>, now: i64) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.capacity && !entries.contains_key(tenant) {
            entries.retain(|_, (_, until)| now < *until);
            if entries.len() >= self.capacity {
                // Still full of live entries: drop the one closest to expiry.
                let oldest = entries
                    .iter()
                    .min_by_key(|(_, (_, until))| *until)
                    .map(|(t, _)| Arc::clone(t));
                if let Some(t) = oldest {
                    entries.remove(&t);
                }
            }
        }
        entries.insert(Arc::from(tenant), (keys, now.saturating_add(self.ttl_secs)));
    }
}

/// The signature headers a verification reads, copied when it must wait.
const SIGNATURE_HEADERS: [&str; 6] = [
    "svix-id",
    "svix-timestamp",
    "svix-signature",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
];

impl Tenants {
    /// Keys from `source`, for the tenant read as `from` says.
    pub fn new(source: impl KeySource, from: TenantFrom) -> Self {
        Self {
            source: Arc::new(source),
            from: Arc::new(from),
            tolerance: Tolerance::default(),
            deadline: Duration::from_secs(1),
            retry_after: 5,
            cache: Arc::new(Cache {
                ttl_secs: 60,
                capacity: 1024,
                entries: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// How far a timestamp may be from now (default 300 s both ways).
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
        self.cache = Arc::new(Cache {
            ttl_secs: i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX),
            capacity: self.cache.capacity,
            entries: Mutex::new(HashMap::new()),
        });
        self
    }

    /// How many tenants' keys are kept at most (default 1024).
    pub fn cache_capacity(mut self, tenants: usize) -> Self {
        self.cache = Arc::new(Cache {
            ttl_secs: self.cache.ttl_secs,
            capacity: tenants,
            entries: Mutex::new(HashMap::new()),
        });
        self
    }

    fn tenant<'r>(&self, request: &Request<'r>) -> Option<&'r str> {
        let tenant = match &*self.from {
            TenantFrom::Header(name) => request
                .headers
                .first(name)
                .and_then(|v| std::str::from_utf8(v).ok()),
            TenantFrom::Given => request.tenant,
        };
        tenant.filter(|t| !t.is_empty())
    }
}

/// Verifies with one tenant's keys.
fn verify_with(
    keys: &KeyRing,
    tenant: &str,
    headers: &dyn HeaderLookup,
    body: &[u8],
    now: i64,
    tolerance: Tolerance,
) -> Result<Verified, Rejection> {
    let signed = heavy(body.len(), || keys.verify(headers, body, now, tolerance))?;
    Ok(Verified {
        family: Some(signed.family),
        timestamp: Some(signed.timestamp),
        tenant: Some(tenant.to_owned()),
        ..Verified::new(signed.id)
    })
}

impl Verifier for Tenants {
    fn scheme(&self) -> &'static str {
        STANDARD
    }

    fn verify(&self, request: &Request<'_>) -> Verdict {
        let Some(tenant) = self.tenant(request) else {
            return Verdict::Ready(Err(Rejection::UnknownTenant));
        };
        if let Some(keys) = self.cache.get(tenant, request.now) {
            return Verdict::Ready(verify_with(
                &keys,
                tenant,
                request.headers,
                request.body,
                request.now,
                self.tolerance,
            ));
        }
        // A look-up: the future owns the tenant, body and signature headers.
        let mut headers = HeaderList::new();
        for name in SIGNATURE_HEADERS {
            request.headers.each(name, &mut |v| {
                headers = std::mem::take(&mut headers).with(name, v);
            });
        }
        let (tenant, body, now) = (tenant.to_owned(), request.body.clone(), request.now);
        let this = self.clone();
        Verdict::Pending(Box::pin(async move {
            let unavailable = |error: SourceError| {
                tracing::warn!(%error, %tenant, "hookgate: key source unavailable; answering 503");
                Rejection::KeySourceUnavailable {
                    retry_after: this.retry_after,
                }
            };
            let found = match tokio::time::timeout(this.deadline, this.source.keys(&tenant)).await {
                Ok(found) => found.map_err(unavailable)?,
                Err(_) => {
                    return Err(unavailable(SourceError::new(format!(
                        "no answer within {:?}",
                        this.deadline
                    ))))
                }
            };
            let Some(keys) = found.filter(|k| !k.is_empty()) else {
                return Err(Rejection::UnknownTenant);
            };
            let keys = Arc::new(keys);
            this.cache.put(&tenant, Arc::clone(&keys), now);
            verify_with(&keys, &tenant, &headers, &body, now, this.tolerance)
        }))
    }
}
