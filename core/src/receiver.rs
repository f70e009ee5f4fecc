//! The configured core at run time: [`Receiver`], what an adapter hands it
//! ([`Inbound`]) and what it decides ([`Admission`]). Configuring lives in
//! `builder.rs`, the admission steps in `admit.rs`.

use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use crate::admit::{AdmitFuture, Checking};
use crate::builder::ReceiverBuilder;
use crate::claim::{Claim, SettleConfig};
use crate::client_addr::Networks;
use crate::clock::Clock;
use crate::delivery::{Delivery, Mode};
use crate::direct::DirectPolicy;
use crate::header_auth::RequiredHeader;
use crate::headers::HeaderLookup;
use crate::idempotency::StoreError;
use crate::outcome::Outcome;
use crate::queue::QueueConfig;
use crate::rejection::Rejection;
use crate::verify::Scheme;

/// One inbound request as an adapter hands it to the core.
pub struct Inbound<'a> {
    /// The request headers, and its path where a scheme reads one
    /// ([`HeaderLookup::path`]: a path template, a custom verifier). An
    /// adapter lends the request (e.g. `http::request::Parts`) rather than
    /// copying the path out for every delivery.
    pub headers: &'a dyn HeaderLookup,
    /// The whole raw body, read once (bounded by [`Receiver::max_body_bytes`]).
    pub body: Bytes,
    /// The TCP peer address, from the connection (never from a header).
    pub peer: Option<IpAddr>,
}

/// The core's decision on one delivery.
#[derive(Debug)]
pub enum Admission {
    /// Call the handler with the delivery, then conclude the claim
    /// ([`Claim::run`] or [`Claim::conclude`]).
    Proceed(Delivery, Claim),
    /// Answer at once with the outcome (a refusal, a duplicate, queued, …);
    /// the handler is not called.
    Respond(Outcome),
}

pub(crate) struct Inner {
    /// How deliveries are authenticated.
    pub(crate) scheme: Scheme,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) settle: Arc<SettleConfig>,
    pub(crate) key_prefix: String,
    pub(crate) fail_open: bool,
    pub(crate) max_body: usize,
    pub(crate) trusted_proxies: Networks,
    pub(crate) allowed_sources: Option<Networks>,
    pub(crate) required_headers: Vec<RequiredHeader>,
    /// Queue mode, when configured.
    pub(crate) queue: Option<Arc<QueueConfig>>,
}

/// The configured core. Cheap to clone (one reference count); share one per app.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use hookgate::{JobEvent, Receiver, Secret};
/// use hookgate::adapter::{Admission, HeaderList, Inbound};
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
///         claim.settle(ok).await.unwrap();
///     }
///     Admission::Respond(answer) => panic!("refused: {answer:?}"),
/// }
/// # });
/// ```
#[derive(Clone)]
pub struct Receiver {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("mode", &self.mode())
            .field("scheme", &self.scheme())
            .field("max_body", &self.inner.max_body)
            .finish_non_exhaustive()
    }
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
        self.inner.settle.handler_deadline
    }

    /// How a delivery is authenticated.
    pub fn mode(&self) -> Mode {
        self.inner.scheme.mode()
    }

    /// The name of the scheme that authenticates deliveries
    /// (`standard-webhooks`, `direct`, `github`, `stripe`, or a custom
    /// [`Verifier`](crate::verify::Verifier)'s).
    pub fn scheme(&self) -> &'static str {
        self.inner.scheme.name()
    }

    /// Refuses early when a declared `Content-Length` exceeds the limit.
    pub fn check_content_length(&self, declared: Option<u64>) -> Result<(), Outcome> {
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
    /// assert!(std::str::from_utf8(refused.to_answer().body()).unwrap().contains("1000"));
    /// ```
    pub fn check_content_length_at(
        &self,
        declared: Option<u64>,
        limit: usize,
    ) -> Result<(), Outcome> {
        let limit = limit.min(self.inner.max_body);
        match declared {
            // `too_large_at` counts the delivery.
            Some(len) if len > limit as u64 => Err(self.too_large_at(limit)),
            _ => Ok(()),
        }
    }

    /// The 413 outcome for a body over the limit.
    pub fn too_large(&self) -> Outcome {
        self.too_large_at(self.inner.max_body)
    }

    /// The 413 outcome for a body over `limit` bytes, a route's own limit
    /// (lowered to [`max_body_bytes`](Self::max_body_bytes) if larger).
    ///
    /// An adapter answers it at once: the delivery is counted as
    /// `payload_too_large` ([`observe`](crate::observe)).
    pub fn too_large_at(&self, limit: usize) -> Outcome {
        let outcome = Outcome::Refused(Rejection::PayloadTooLarge {
            limit: limit.min(self.inner.max_body),
        });
        crate::observe::answered(self.mode(), &outcome);
        outcome
    }

    /// The 400 outcome for a request body that could not be read (the
    /// connection failed mid-body). An adapter answers it at once: the
    /// delivery is counted as `body_unreadable` ([`observe`](crate::observe)).
    pub fn body_unreadable(&self) -> Outcome {
        let outcome = Outcome::Refused(Rejection::BodyUnreadable);
        crate::observe::answered(self.mode(), &outcome);
        outcome
    }

    /// The 503 outcome (with this receiver's `Retry-After`) for a store failure
    /// outside admission, e.g. when [`register_job`](Self::register_job) fails.
    /// Logs the cause; the answer never contains it.
    pub fn store_unavailable(&self, source: StoreError) -> Outcome {
        tracing::warn!(error = %source, "hookgate: store unavailable; answering 503");
        Outcome::Refused(Rejection::StoreUnavailable {
            retry_after: self.inner.settle.retry_after,
            source,
        })
    }

    /// Registers a job id as known (direct mode, known-jobs check), for the
    /// direct policy's job TTL. Call it when submitting the job.
    pub async fn register_job(&self, job_id: &str) -> Result<(), StoreError> {
        let ttl = match &self.inner.scheme {
            Scheme::Direct(p) => p.job_ttl,
            _ => DirectPolicy::default().job_ttl,
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
        let observed = crate::observe::checking();
        let checking = self.check(&inbound, None);
        drop(inbound);
        self.admit_checked(observed, checking)
    }

    /// Like [`admit`](Self::admit), for a delivery the app has already
    /// attributed to `tenant` (an app that routes itself; the adapters read
    /// a path segment with [`TenantFrom::Path`](crate::verify::TenantFrom::Path)
    /// instead): a [`Tenants`](crate::verify::Tenants) scheme configured
    /// with [`TenantFrom::Given`](crate::verify::TenantFrom::Given) looks
    /// its keys up by it. Other schemes see it in
    /// [`Request::tenant`](crate::verify::Request::tenant).
    pub fn admit_for(
        &self,
        tenant: &str,
        inbound: Inbound<'_>,
    ) -> impl Future<Output = Admission> + Send + '_ {
        let observed = crate::observe::checking();
        let checking = self.check(&inbound, Some(tenant));
        drop(inbound);
        self.admit_checked(observed, checking)
    }

    #[inline(always)]
    fn admit_checked<'s>(
        &'s self,
        observed: crate::observe::Checking,
        checking: Checking<'s>,
    ) -> impl Future<Output = Admission> + Send + 's {
        let mode = self.mode();
        let message_id = match &checking {
            Checking::Now(Ok(checked)) => checked.delivery.message_id(),
            _ => None,
        };
        observed.done(mode, message_id);
        // Not an `async` block: one would keep `checked` in its own slot
        // beside the claim future it moves into. Every adapter boxes this
        // future inside its own per request, so its size is paid each time.
        let checked = match checking {
            Checking::Now(checked) => checked,
            Checking::Later(later) => {
                return AdmitFuture::Later {
                    mode,
                    later: Box::pin(async move {
                        let checked = later.await?;
                        if self.inner.queue.is_some() {
                            self.validate_queued(&checked)?;
                            self.enqueue(checked).await
                        } else {
                            self.claim(checked).await
                        }
                    }),
                };
            }
        };
        match checked {
            Ok(checked) if self.inner.queue.is_some() => match self.validate_queued(&checked) {
                Ok(()) => AdmitFuture::Enqueuing {
                    mode,
                    enqueue: self.enqueue(checked),
                },
                Err(rejection) => AdmitFuture::Refused {
                    mode,
                    rejection: Some(rejection),
                },
            },
            Ok(checked) => AdmitFuture::Claiming {
                mode,
                claim: self.claim(checked),
            },
            Err(rejection) => AdmitFuture::Refused {
                mode,
                rejection: Some(rejection),
            },
        }
    }
}
