//! Pluggable verification: a [`Verifier`] authenticates a delivery and says
//! who it is (the dedupe identity, the timestamp where the scheme has one,
//! the event name), or refuses it with a typed [`Rejection`].
//!
//! The built-in schemes implement it — [`StandardWebhooks`] (Svix, `v1` and
//! `v1a`), [`DirectPolicy`](crate::DirectPolicy), [`GitHub`] (feature
//! `github`), [`Stripe`] (feature `stripe`), [`Tenants`] (any of the three
//! keyed schemes with keys per tenant from a [`KeySource`], the tenant read
//! from a header, a path segment ([`TenantFrom::Path`]) or the app) — and the
//! receiver calls them through an enum, with no box per request. Any other scheme is a `Verifier` given to
//! [`ReceiverBuilder::verifier`](crate::ReceiverBuilder::verifier); see
//! `docs/verifiers.md`.
//!
//! A scheme that must wait (a key look-up) answers [`Verdict::Pending`] with
//! a future that owns what it needs: the request is not kept while it waits.

use std::borrow::Cow;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;

use crate::admit::Checked;
use crate::delivery::{Delivery, Facts, Mode, OtherScheme};
use crate::headers::HeaderLookup;
use crate::key::{message_key, scheme_key};
use crate::rejection::Rejection;
use crate::signature::HeaderFamily;

#[cfg(feature = "github")]
mod github;
mod scheme;
mod standard;
#[cfg(feature = "stripe")]
mod stripe;
mod tenant_cache;
mod tenant_from;
mod tenant_keys;
mod tenant_lookup;
mod tenants;
#[cfg(test)]
mod tests;

#[cfg(feature = "github")]
pub use github::GitHub;
pub(crate) use scheme::Scheme;
pub use standard::StandardWebhooks;
#[cfg(feature = "stripe")]
pub use stripe::Stripe;
pub use tenant_from::{TemplateError, TenantFrom};
pub use tenant_keys::TenantKeys;
pub use tenants::{KeySource, SourceError, Tenants};

/// What a scheme sees of one request.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    /// The request headers.
    pub headers: &'a dyn HeaderLookup,
    /// The raw body, exactly as received.
    pub body: &'a Bytes,
    /// The client address hookgate resolved (peer, or `X-Forwarded-For`
    /// behind a trusted proxy).
    pub client: Option<IpAddr>,
    /// Now, by the receiver's clock (Unix seconds).
    pub now: i64,
    /// The tenant the app named, if any: see
    /// [`Receiver::admit_for`](crate::Receiver::admit_for).
    pub tenant: Option<&'a str>,
    /// The request's URI path, as the adapter's lookup gives it
    /// (percent-encoded, no query: [`HeaderLookup::path`]); empty where the
    /// lookup has none. Filled for schemes other than the built-in Standard
    /// Webhooks one, which reads no path.
    pub path: &'a str,
}

impl std::fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("body_len", &self.body.len())
            .field("client", &self.client)
            .field("now", &self.now)
            .field("tenant", &self.tenant)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// What a scheme established about an authentic delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub(crate) id: String,
    pub(crate) timestamp: Option<i64>,
    pub(crate) event_type: Option<String>,
    pub(crate) family: Option<HeaderFamily>,
    pub(crate) tenant: Option<Arc<str>>,
    pub(crate) job: Option<JobFacts>,
}

/// Direct mode's identity: job id + status, and what the claim does with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JobFacts {
    pub(crate) job_id: String,
    pub(crate) status: String,
    pub(crate) status_key: String,
    pub(crate) known_job: bool,
    pub(crate) forget_job: bool,
    pub(crate) redact_field: Option<Arc<str>>,
}

impl Verified {
    /// An authentic delivery whose dedupe identity is `id` (a message or
    /// delivery id the sender keeps across retries). An empty id is refused
    /// by the receiver: it would deduplicate every delivery against the others.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            timestamp: None,
            event_type: None,
            family: None,
            tenant: None,
            job: None,
        }
    }

    /// The timestamp the scheme authenticated (Unix seconds).
    pub fn timestamp(mut self, unix: i64) -> Self {
        self.timestamp = Some(unix);
        self
    }

    /// The event's name (GitHub's `X-GitHub-Event`, Stripe's `type`).
    pub fn event_type(mut self, name: impl Into<String>) -> Self {
        self.event_type = Some(name.into());
        self
    }

    /// The dedupe identity.
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// A scheme's answer: now, or once a future resolves.
pub enum Verdict {
    /// Decided from the request alone.
    Ready(Result<Verified, Rejection>),
    /// Decided later; the future owns what it needs (it may not borrow the
    /// request).
    Pending(Pin<Box<dyn Future<Output = Result<Verified, Rejection>> + Send>>),
}

impl std::fmt::Debug for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Ready(r) => f.debug_tuple("Ready").field(r).finish(),
            Self::Pending(_) => f.write_str("Pending(..)"),
        }
    }
}

impl From<Result<Verified, Rejection>> for Verdict {
    fn from(result: Result<Verified, Rejection>) -> Self {
        Self::Ready(result)
    }
}

/// An authentication scheme.
///
/// ```
/// use hookgate::verify::{Request, Verdict, Verified, Verifier};
/// use hookgate::Rejection;
///
/// /// Accepts a delivery whose `x-token` header is right; `x-id` dedupes.
/// struct TokenHeader(&'static [u8]);
///
/// impl Verifier for TokenHeader {
///     fn scheme(&self) -> &'static str {
///         "token-header"
///     }
///     fn verify(&self, request: &Request<'_>) -> Verdict {
///         let token = request.headers.first("x-token");
///         let id = request.headers.first("x-id").and_then(|v| std::str::from_utf8(v).ok());
///         match (token, id) {
///             (Some(t), Some(id)) if t == self.0 => Verdict::Ready(Ok(Verified::new(id))),
///             _ => Verdict::Ready(Err(Rejection::HeaderAuth)),
///         }
///     }
/// }
///
/// let receiver = hookgate::Receiver::builder()
///     .verifier(TokenHeader(b"a-long-random-token"))
///     .build()
///     .unwrap();
/// assert_eq!(receiver.scheme(), "token-header");
/// ```
pub trait Verifier: Send + Sync + 'static {
    /// The scheme's name, shown as [`Delivery::scheme`] and in dedupe keys
    /// (`<prefix>s:<scheme>:<id>`). Built-in names: `standard-webhooks`,
    /// `direct`, `github`, `stripe`.
    fn scheme(&self) -> &'static str;

    /// Authenticates and identifies one delivery, or refuses it.
    fn verify(&self, request: &Request<'_>) -> Verdict;
}

/// A header id usable as a dedupe identity: 1 to 256 bytes of visible ASCII
/// (the rule Standard Webhooks message ids follow).
#[cfg_attr(not(feature = "github"), allow(dead_code))]
pub(crate) fn valid_id(value: &[u8]) -> Option<&str> {
    let ok = !value.is_empty() && value.len() <= 256 && value.iter().all(|b| b.is_ascii_graphic());
    ok.then(|| std::str::from_utf8(value).ok()).flatten()
}

/// Decodes a signature written as lowercase hex (as GitHub and Stripe write
/// and compare them: an uppercase digit is another string, so it is refused).
#[cfg(any(feature = "github", feature = "stripe"))]
pub(crate) fn lower_hex(digits: &[u8], out: &mut [u8]) -> bool {
    digits
        .iter()
        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        && hex::decode_to_slice(digits, out).is_ok()
}

/// The scheme name of the built-in Standard Webhooks / Svix scheme.
pub(crate) const STANDARD: &str = "standard-webhooks";
/// The scheme name of direct mode.
pub(crate) const DIRECT: &str = "direct";

/// Turns what a scheme established into what admission needs: the delivery
/// and its dedupe key.
pub(crate) fn checked(
    scheme: &'static str,
    verified: Verified,
    body: Bytes,
    client: Option<IpAddr>,
    key_prefix: &str,
) -> Result<Checked, Rejection> {
    let Verified {
        id,
        timestamp,
        event_type,
        family,
        tenant,
        job,
    } = verified;
    if let Some(job) = job {
        let key = crate::key::job_key(key_prefix, &job.job_id, &job.status_key);
        return Ok(Checked {
            delivery: Delivery::new(Facts {
                body,
                mode: Mode::Direct,
                other: (scheme != DIRECT).then(|| {
                    Box::new(OtherScheme {
                        scheme: Cow::Borrowed(scheme),
                        event_type: None,
                    })
                }),
                family: None,
                message_id: None,
                timestamp: None,
                job_id: Some(job.job_id),
                status: Some(job.status),
                client_addr: client,
                redact_field: job.redact_field,
            }),
            key,
            known_job: job.known_job,
            forget_job: job.forget_job,
        });
    }
    if id.is_empty() {
        return Err(Rejection::MissingField("delivery id"));
    }
    let key = match (scheme, tenant.as_deref()) {
        (STANDARD, None) => message_key(key_prefix, &id),
        (scheme, tenant) => scheme_key(key_prefix, scheme, tenant, &id),
    };
    Ok(Checked {
        delivery: Delivery::new(Facts::signed(
            body,
            (scheme != STANDARD || event_type.is_some()).then(|| {
                Box::new(OtherScheme {
                    scheme: Cow::Borrowed(scheme),
                    event_type,
                })
            }),
            family,
            id,
            timestamp,
            client,
        )),
        key,
        known_job: false,
        forget_job: false,
    })
}
