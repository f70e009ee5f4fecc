//! What a handler's end means, decided once for every adapter:
//! [`Claim::conclude`] (the adapter reports how the handler ended) and
//! [`Claim::run`] (the core runs it under the deadline), with the named
//! futures they return.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::claim::Claim;
use crate::deadline::{with_handler_deadline, Deadline};
use crate::observe::Ended;
use crate::outcome::{Conclusion, Handled, HandlerEnd, HandlerOutcome, Outcome};
use crate::rejection::Rejection;

impl Claim {
    /// Runs the handler under the receiver's handler deadline, then
    /// [concludes](Self::conclude) the claim from how it ended: `status`
    /// reads the HTTP status of the handler's response.
    ///
    /// A panic in the handler unwinds through this future and drops the
    /// claim, which releases itself; so does dropping this future.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use hookgate::adapter::{Admission, HandlerOutcome, HeaderList, Inbound};
    /// use hookgate::{Receiver, Secret};
    ///
    /// # let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    /// let receiver = Receiver::builder().secret(secret).build().unwrap();
    /// # let body = br#"{"status":"Completed","job_id":"job_1","metadata":{}}"#;
    /// # let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    /// # let headers = HeaderList::new().with("svix-id", "msg_1").with("svix-timestamp", now.to_string())
    /// #     .with("svix-signature", Secret::parse(secret).unwrap().sign("msg_1", now, body));
    /// # let inbound = Inbound { headers: &headers, body: body.to_vec().into(), peer: None };
    /// let Admission::Proceed(_delivery, claim) = receiver.admit(inbound).await else {
    ///     unreachable!()
    /// };
    /// // The handler: any future of a result; here a response that is just a status.
    /// let outcome = claim.run(async { Ok::<u16, ()>(204) }, |status| *status).await;
    /// assert!(matches!(outcome, HandlerOutcome::Response(204)));
    /// # });
    /// ```
    pub fn run<F, R, E, S>(
        self,
        handler: F,
        status: S,
    ) -> impl Future<Output = HandlerOutcome<R, E>>
    where
        F: Future<Output = Result<R, E>>,
        S: FnOnce(&R) -> u16,
    {
        // A named state machine rather than an `async fn`, which would hold
        // the handler's future twice (the argument and the awaited copy).
        Run::Running {
            handler: with_handler_deadline(self.config.handler_deadline, handler),
            then: Some((self, status, Claim::conclude, Claim::timed_out)),
        }
    }

    /// Records how the handler ended and says what goes out; the one place
    /// that decides it, for every adapter:
    ///
    /// | handler end | claim | what goes out |
    /// | --- | --- | --- |
    /// | a 2xx status, done marker written | done | the handler's answer (`processed`) |
    /// | a 2xx status, claim expired meanwhile | — | `503 claim_lost` |
    /// | a 2xx status, store unreachable | left to expire | `503 store_unavailable` |
    /// | any other status | released | the handler's answer (`handler_failed`) |
    /// | an error | released | the handler's error (`handler_error`) |
    /// | past the deadline (cancelled) | released | `503 handler_timeout` |
    ///
    /// Dropped before it finishes, the claim releases itself as an unsettled
    /// one does (only an in-flight claim this token still owns is released: a
    /// done marker already written stays).
    pub fn conclude(
        mut self,
        end: HandlerEnd,
    ) -> impl Future<Output = Conclusion> + Send + 'static {
        // Decided before the future: it then holds only the store call (the
        // claim moves into it), not a second copy of the claim beside it.
        // Every adapter's per-request future holds this one.
        let handled = match end {
            HandlerEnd::Status(status) if handler_succeeded(status) => Handled::Processed,
            HandlerEnd::Status(_) => Handled::Failed,
            HandlerEnd::Error => Handled::Errored,
            HandlerEnd::TimedOut => {
                return Concluding::TimedOut {
                    timing_out: self.timed_out(),
                }
            }
        };
        // observe: the handler ended now; counted once the claim is settled.
        let ended = self.observed.ended();
        let record = self.record(handled == Handled::Processed);
        Concluding::Handled {
            record,
            handled,
            end,
            ended,
        }
    }

    /// The handler was cancelled past its deadline: releases the claim and
    /// returns the `503 handler_timeout` outcome that replaces its answer
    /// (what [`conclude`](Self::conclude) does for [`HandlerEnd::TimedOut`],
    /// for an adapter that needs the outcome itself).
    pub fn timed_out(mut self) -> impl Future<Output = Outcome> + Send + 'static {
        let ended = self.observed.ended();
        tracing::warn!(
            deadline = ?self.config.handler_deadline,
            "hookgate: handler ran past its deadline; claim released"
        );
        TimingOut {
            retry_after: self.config.retry_after,
            ended,
            release: self.record(false),
        }
    }

    /// [`conclude`](Self::conclude) for a handler that is not an HTTP one (a
    /// consumer of another kind): `processed` is a 2xx, anything else a
    /// failure. `Err` carries the outcome that replaces the handler's answer
    /// (`503 claim_lost` or `store_unavailable`: the sender must retry).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use hookgate::adapter::{Admission, HeaderList, Inbound};
    /// use hookgate::{Receiver, Secret};
    ///
    /// # let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    /// let receiver = Receiver::builder().secret(secret).build().unwrap();
    /// # let body = br#"{"status":"Completed","job_id":"job_1","metadata":{}}"#;
    /// # let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    /// # let headers = HeaderList::new().with("svix-id", "msg_1").with("svix-timestamp", now.to_string())
    /// #     .with("svix-signature", Secret::parse(secret).unwrap().sign("msg_1", now, body));
    /// # let inbound = Inbound { headers: &headers, body: body.to_vec().into(), peer: None };
    /// let Admission::Proceed(_delivery, claim) = receiver.admit(inbound).await else {
    ///     unreachable!()
    /// };
    /// claim.settle(true).await.unwrap(); // done: the same delivery again is a duplicate
    /// # });
    /// ```
    pub async fn settle(self, processed: bool) -> Result<(), Outcome> {
        let end = HandlerEnd::Status(if processed { 200 } else { 500 });
        match self.conclude(end).await {
            Conclusion::Handler(_) => Ok(()),
            Conclusion::Replace(outcome) => Err(outcome),
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`Claim::conclude`]: the store call and what to answer
    /// after it.
    #[project = ConcludingProj]
    enum Concluding<R, T> {
        Handled {
            #[pin]
            record: R,
            handled: Handled,
            end: HandlerEnd,
            ended: Option<Ended>,
        },
        TimedOut { #[pin] timing_out: T },
    }
}

impl<R, T> Future for Concluding<R, T>
where
    R: Future<Output = Result<(), Rejection>>,
    T: Future<Output = Outcome>,
{
    type Output = Conclusion;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Conclusion> {
        Poll::Ready(match self.project() {
            ConcludingProj::Handled {
                record,
                handled,
                end,
                ended,
            } => {
                let conclusion = match ready!(record.poll(cx)) {
                    Ok(()) => Conclusion::Handler(*handled),
                    // Only marking done can fail: the 2xx cannot go out.
                    Err(rejection) => Conclusion::Replace(Outcome::Refused(rejection)),
                };
                if let Some(ended) = ended.take() {
                    ended.concluded(&conclusion, *end);
                }
                conclusion
            }
            ConcludingProj::TimedOut { timing_out } => {
                Conclusion::Replace(ready!(timing_out.poll(cx)))
            }
        })
    }
}

pin_project_lite::pin_project! {
    /// The future of [`Claim::timed_out`]: the release, then the 503.
    struct TimingOut<R> {
        #[pin]
        release: R,
        retry_after: u32,
        ended: Option<Ended>,
    }
}

impl<R> Future for TimingOut<R>
where
    R: Future<Output = Result<(), Rejection>>,
{
    type Output = Outcome;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        let this = self.project();
        // A failed release is logged; the in-flight TTL frees the key.
        let _released = ready!(this.release.poll(cx));
        let outcome = Outcome::Refused(Rejection::HandlerTimeout {
            retry_after: *this.retry_after,
        });
        if let Some(ended) = this.ended.take() {
            ended.timed_out(&outcome);
        }
        Poll::Ready(outcome)
    }
}

pin_project_lite::pin_project! {
    /// The future of [`Claim::run`]: the handler under its deadline, then
    /// the conclusion, holding what the handler answered meanwhile.
    #[project = RunProj]
    enum Run<F, R, E, S, G, C, H, T> {
        Running {
            #[pin]
            handler: Deadline<F>,
            // `G` and `H` are `Claim::conclude` and `Claim::timed_out`, named
            // so that their futures `C` and `T` can be.
            then: Option<(Claim, S, G, H)>,
        },
        Concluding {
            #[pin]
            conclude: C,
            answered: Option<Result<R, E>>,
        },
        TimingOut {
            #[pin]
            timing_out: T,
        },
    }
}

impl<F, R, E, S, G, C, H, T> Future for Run<F, R, E, S, G, C, H, T>
where
    F: Future<Output = Result<R, E>>,
    S: FnOnce(&R) -> u16,
    G: FnOnce(Claim, HandlerEnd) -> C,
    C: Future<Output = Conclusion>,
    H: FnOnce(Claim) -> T,
    T: Future<Output = Outcome>,
{
    type Output = HandlerOutcome<R, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            match self.as_mut().project() {
                RunProj::Running { handler, then } => {
                    let result = ready!(handler.poll(cx));
                    let (claim, status, conclude, timed_out) =
                        then.take().expect("Claim::run polled after it completed");
                    let (end, answered) = match result {
                        Err(_elapsed) => {
                            self.set(Run::TimingOut {
                                timing_out: timed_out(claim),
                            });
                            continue;
                        }
                        Ok(Err(error)) => (HandlerEnd::Error, Err(error)),
                        Ok(Ok(response)) => (HandlerEnd::Status(status(&response)), Ok(response)),
                    };
                    self.set(Run::Concluding {
                        conclude: conclude(claim, end),
                        answered: Some(answered),
                    });
                }
                RunProj::Concluding { conclude, answered } => {
                    let conclusion = ready!(conclude.poll(cx));
                    let answered = answered
                        .take()
                        .expect("Claim::run polled after it completed");
                    return Poll::Ready(match (conclusion, answered) {
                        (Conclusion::Replace(outcome), _) => HandlerOutcome::Replace(outcome),
                        (Conclusion::Handler(_), Ok(response)) => {
                            HandlerOutcome::Response(response)
                        }
                        (Conclusion::Handler(_), Err(error)) => HandlerOutcome::Error(error),
                    });
                }
                RunProj::TimingOut { timing_out } => {
                    return Poll::Ready(HandlerOutcome::Replace(ready!(timing_out.poll(cx))));
                }
            }
        }
    }
}

/// Whether a handler's HTTP status means it processed the delivery: any 2xx.
/// Only then is the delivery marked done; any other status (and an error, a
/// panic or a time-out) releases the claim so the sender's retry is
/// processed. Every adapter settles by this rule, decided here once.
///
/// ```
/// use hookgate::adapter::handler_succeeded;
/// assert!(handler_succeeded(200) && handler_succeeded(204) && handler_succeeded(299));
/// assert!(!handler_succeeded(199) && !handler_succeeded(302) && !handler_succeeded(500));
/// ```
pub const fn handler_succeeded(status: u16) -> bool {
    matches!(status, 200..=299)
}
