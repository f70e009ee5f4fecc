//! Admission, step by step: the checks decided from the request alone
//! (`check`), then the claim and the known-job look-up (`claim`), driven by
//! [`AdmitFuture`].

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;

use crate::claim::{Claim, SettleConfig};
use crate::client_addr::client_addr;
use crate::delivery::{Delivery, Mode};
use crate::headers::HeaderLookup;
use crate::idempotency::{ClaimOutcome, ClaimToken, StoreError};
use crate::outcome::Outcome;
use crate::receiver::{Admission, Inbound, Receiver};
use crate::rejection::Rejection;
use crate::verify::{checked, Request, Scheme, Verdict};

/// The parts of a checked delivery the async half of admission needs.
pub(crate) struct Checked {
    pub(crate) delivery: Delivery,
    pub(crate) key: String,
    /// Direct mode with known jobs: look the delivery's job id up.
    pub(crate) known_job: bool,
    /// Whether settling should forget the job (known jobs + final status).
    pub(crate) forget_job: bool,
}

impl Checked {
    /// The job id to look up, when the known-jobs check applies.
    pub(crate) fn known_job(&self) -> Option<&str> {
        self.delivery.job_id().filter(|_| self.known_job)
    }

    /// The job id to forget once processed (cloned only then).
    pub(crate) fn job_to_forget(&self) -> Option<String> {
        self.delivery
            .job_id()
            .filter(|_| self.forget_job)
            .map(str::to_owned)
    }
}

impl Receiver {
    /// The asynchronous half of admission: claim, then the known-job check.
    #[allow(
        clippy::manual_async_fn,
        reason = "an async fn would copy `checked` into a local and hold both"
    )]
    pub(crate) fn claim(
        &self,
        checked: Checked,
    ) -> impl Future<Output = Result<Admission, Rejection>> + Send + '_ {
        // `async move` over `checked` (not an `async fn`, which would copy it).
        async move {
            let s = &self.inner.settle;
            // Claim before the known-job check: a retry of a final event whose
            // job was forgotten once processed must still find its done marker
            // and be answered as a duplicate, not as an unknown job.
            //
            // Dropped before the store answers (the store may have written
            // the claim already), `pending` releases the key at once instead
            // of leaving it in flight for the whole in-flight TTL. It holds
            // the claim's token: no second copy lives in this future.
            let pending = PendingClaim {
                config: s,
                key: &checked.key,
                token: ClaimToken::random(),
            };
            let outcome = s
                .store
                .claim(s.deadline, pending.key, pending.token, s.in_flight_ttl)
                .await;
            let token = pending.answered();
            let claim = match outcome {
                Ok(ClaimOutcome::Fresh) => {
                    // Cloned only for a final status with known jobs on.
                    let forget = checked.job_to_forget();
                    Claim::owned(s.clone(), checked.key, token, forget)
                }
                // Logged and counted once, by the admit future (`observe`).
                Ok(ClaimOutcome::Done) => return Ok(Admission::Respond(Outcome::Duplicate)),
                Ok(ClaimOutcome::InFlight) => {
                    return Err(Rejection::InFlight {
                        retry_after: s.retry_after,
                    })
                }
                Err(source) => {
                    self.store_failed(source)?;
                    Claim::unclaimed(s.clone())
                }
            };
            // Fields, not `known_job()`: the key has moved into the claim.
            if let Some(job) = checked.delivery.job_id().filter(|_| checked.known_job) {
                let refused = match s.within(s.jobs().is_known(job)).await {
                    Ok(true) => None,
                    Ok(false) => Some(Rejection::UnknownJob),
                    Err(source) => self.store_failed(source).err(),
                };
                if let Some(rejection) = refused {
                    // Released at once, so a redelivery after registering is
                    // processed. Boxed: this rare path would otherwise size
                    // every delivery's future.
                    Box::pin(claim.record(false)).await.ok();
                    return Err(rejection);
                }
            }
            Ok(Admission::Proceed(checked.delivery, claim))
        }
    }

    /// Fail closed (503), unless fail-open was chosen: then log and go on.
    /// A full in-memory store is not an unreachable one: it fails closed even
    /// under fail-open, or anyone holding enough slow claims would get
    /// duplicates through.
    pub(crate) fn store_failed(&self, source: StoreError) -> Result<(), Rejection> {
        if self.inner.fail_open && !matches!(source, StoreError::Full) {
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
    #[inline(always)]
    pub(crate) fn check<'s>(&'s self, inbound: &Inbound<'_>, tenant: Option<&str>) -> Checking<'s> {
        let inner = &*self.inner;
        let headers: &dyn HeaderLookup = inbound.headers;
        let client = match self.check_request(inbound) {
            Ok(client) => client,
            Err(rejection) => return Checking::Now(Err(rejection)),
        };
        // --- verification (issue 19): the scheme decides, now or later ---
        let now = inner.clock.now_unix();
        let scheme = match &inner.scheme {
            // The default scheme builds its delivery directly, from the parts
            // it reads: no `Request` (the tenant and path are not its).
            Scheme::Standard(standard) => {
                return Checking::Now(standard.checked(
                    headers,
                    &inbound.body,
                    now,
                    client,
                    &inner.key_prefix,
                ))
            }
            other => other,
        };
        let request = Request {
            headers,
            body: &inbound.body,
            client,
            now,
            tenant,
            path: headers.path().unwrap_or(""),
        };
        let name = scheme.name();
        match scheme.verify(&request) {
            Verdict::Ready(verified) => {
                Checking::Now(verified.and_then(|v| {
                    checked(name, v, inbound.body.clone(), client, &inner.key_prefix)
                }))
            }
            Verdict::Pending(later) => {
                let body = inbound.body.clone();
                Checking::Later(Box::pin(async move {
                    checked(name, later.await?, body, client, &inner.key_prefix)
                }))
            }
        }
        // --- end verification ---
    }

    /// Size, required headers and source networks; the client address.
    #[inline(always)]
    fn check_request(&self, inbound: &Inbound<'_>) -> Result<Option<IpAddr>, Rejection> {
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
        crate::observe::client(client);
        if let Some(allowed) = &inner.allowed_sources {
            match client {
                Some(addr) if allowed.contains(addr) => {}
                _ => return Err(Rejection::SourceNotAllowed),
            }
        }
        Ok(client)
    }
}

/// What the request alone decided: the checked delivery or its refusal, or
/// (a scheme that must wait) the future that decides.
pub(crate) enum Checking<'a> {
    Now(Result<Checked, Rejection>),
    Later(Pin<Box<dyn Future<Output = Result<Checked, Rejection>> + Send + 'a>>),
}

pin_project_lite::pin_project! {
    /// The future [`Receiver::admit`] returns: claiming, enqueuing, verifying
    /// later, or refused already; reports the decision
    /// ([`observe`](crate::observe)) in the mode it was made.
    ///
    /// The mode is in each state rather than beside the enum: there it sits
    /// next to the enum's tag, where a field of its own would add a word to
    /// every delivery's future.
    #[project = AdmitProj]
    pub(crate) enum AdmitFuture<'a, C, Q> {
        Claiming { mode: Mode, #[pin] claim: C },
        Enqueuing { mode: Mode, #[pin] enqueue: Q },
        // A scheme that waits (issue 19): boxed, so it does not size the rest.
        Later { mode: Mode, later: Pin<Box<dyn Future<Output = Result<Admission, Rejection>> + Send + 'a>> },
        Refused { mode: Mode, rejection: Option<Rejection> },
    }
}

impl<C, Q> Future for AdmitFuture<'_, C, Q>
where
    C: Future<Output = Result<Admission, Rejection>>,
    Q: Future<Output = Result<Admission, Rejection>>,
{
    type Output = Admission;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Admission> {
        let (mode, outcome) = match self.project() {
            AdmitProj::Claiming { mode, claim } => (*mode, std::task::ready!(claim.poll(cx))),
            AdmitProj::Enqueuing { mode, enqueue } => (*mode, std::task::ready!(enqueue.poll(cx))),
            AdmitProj::Later { mode, later } => (*mode, std::task::ready!(later.as_mut().poll(cx))),
            AdmitProj::Refused { mode, rejection } => (
                *mode,
                Err(rejection
                    .take()
                    .expect("AdmitFuture polled after it completed")),
            ),
        };
        let mut admission = outcome.unwrap_or_else(|r| Admission::Respond(Outcome::Refused(r)));
        // Counted and logged once, whichever step decided.
        crate::observe::admitted(mode, &mut admission);
        std::task::Poll::Ready(admission)
    }
}

/// A claim the store is writing, not yet answered. Its drop (the admit future
/// dropped mid-call) releases the key; once the store answers it is forgotten,
/// so the hot path pays nothing but a few words of future.
struct PendingClaim<'a> {
    config: &'a Arc<SettleConfig>,
    /// `&String`, not `&str`: one word less in every admit future.
    key: &'a String,
    token: ClaimToken,
}

impl PendingClaim<'_> {
    /// The store answered: nothing to release; the token goes on.
    fn answered(self) -> ClaimToken {
        let token = self.token;
        std::mem::forget(self);
        token
    }
}

impl Drop for PendingClaim<'_> {
    fn drop(&mut self) {
        // Only an in-flight claim this token owns is removed: if the store
        // never wrote it, the release finds nothing.
        drop(Claim::owned(
            self.config.clone(),
            self.key.clone(),
            self.token,
            None,
        ));
    }
}
