//! The typed outcome of a delivery, kept to the response: what hookgate
//! answers in place of the handler ([`Outcome`]), and what a handler's end
//! means ([`HandlerEnd`] → [`Conclusion`]), decided here once for every
//! adapter.

use http::StatusCode;

use crate::rejection::{Answer, Rejection};

/// What hookgate answers a delivery with, itself, instead of the handler's
/// answer: a processed duplicate, a queued delivery, or a refusal (which
/// includes `409 in_flight`, `503 store_unavailable`, `503 handler_timeout`
/// and `503 claim_lost`).
///
/// Every adapter hands it to its responder as it is, so a custom answer, a
/// log line or a metric can tell a duplicate from a refusal by its
/// [`code`](Self::code), not by its status.
///
/// ```
/// use hookgate::{Outcome, Rejection};
///
/// let duplicate = Outcome::Duplicate;
/// assert_eq!((duplicate.status().as_u16(), duplicate.code()), (200, "duplicate"));
///
/// let busy = Outcome::from(Rejection::InFlight { retry_after: 5 });
/// assert_eq!((busy.status().as_u16(), busy.code(), busy.retry_after()), (409, "in_flight", Some(5)));
/// assert!(busy.rejection().is_some());
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// The delivery was processed before: `200 {"received": true,
    /// "duplicate": true}`; the handler is not called again.
    Duplicate,
    /// Queue mode: the delivery is in the queue, a worker will run the
    /// handler: `202 {"received": true, "queued": true}`.
    Queued,
    /// Refused, or not now: every [`Rejection`], with its status and code.
    Refused(Rejection),
}

impl Outcome {
    /// The stable snake_case code: `duplicate`, `queued`, or the refusal's
    /// code (`invalid_signature`, `in_flight`, `store_unavailable`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Duplicate => "duplicate",
            Self::Queued => "queued",
            Self::Refused(r) => r.code(),
        }
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Duplicate => StatusCode::OK,
            Self::Queued => StatusCode::ACCEPTED,
            Self::Refused(r) => r.status(),
        }
    }

    /// Seconds for a `Retry-After` header, where the sender should retry later.
    pub fn retry_after(&self) -> Option<u32> {
        match self {
            Self::Refused(r) => r.retry_after(),
            Self::Duplicate | Self::Queued => None,
        }
    }

    /// The refusal, when this is one.
    pub fn rejection(&self) -> Option<&Rejection> {
        match self {
            Self::Refused(r) => Some(r),
            Self::Duplicate | Self::Queued => None,
        }
    }

    /// The default answer: status, `Retry-After` and the JSON body.
    pub fn to_answer(&self) -> Answer {
        match self {
            Self::Duplicate => Answer::duplicate(),
            Self::Queued => Answer::queued(),
            Self::Refused(r) => r.to_answer(),
        }
    }
}

impl From<Rejection> for Outcome {
    fn from(rejection: Rejection) -> Self {
        Self::Refused(rejection)
    }
}

impl From<&Outcome> for Answer {
    fn from(outcome: &Outcome) -> Self {
        outcome.to_answer()
    }
}

/// How the app's handler ended, as an adapter saw it. The adapter reports
/// it; [`Claim::conclude`](crate::adapter::Claim::conclude) decides what it
/// means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandlerEnd {
    /// The handler answered with this HTTP status.
    Status(u16),
    /// The handler returned an error instead of a response (the framework's
    /// error type: tower's `Service::Error`, actix-web's `Error`).
    Error,
    /// The handler ran past the receiver's handler deadline and was
    /// cancelled.
    TimedOut,
}

/// What goes out once a handler has ended and its claim is settled.
#[derive(Debug)]
#[must_use = "the adapter must send what the conclusion says"]
pub enum Conclusion {
    /// The handler's own answer (or error) goes out as it is.
    Handler(Handled),
    /// hookgate's answer replaces the handler's: `503 handler_timeout`, or,
    /// for a 2xx that could not be recorded as done, `503 claim_lost` /
    /// `503 store_unavailable`. The sender retries; nothing is lost.
    Replace(Outcome),
}

impl Conclusion {
    /// The stable code of how the delivery ended: `processed`,
    /// `handler_failed`, `handler_error`, or the replacing outcome's code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Handler(handled) => handled.code(),
            Self::Replace(outcome) => outcome.code(),
        }
    }
}

/// A delivery whose handler's own answer goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// A 2xx, recorded as done: later duplicates are answered by hookgate.
    Processed,
    /// A non-2xx status: the claim was released, the sender's retry runs.
    Failed,
    /// The handler returned an error: the claim was released.
    Errored,
}

impl Handled {
    /// `processed`, `handler_failed` or `handler_error`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Processed => "processed",
            Self::Failed => "handler_failed",
            Self::Errored => "handler_error",
        }
    }
}

/// What [`Claim::run`](crate::adapter::Claim::run) returns: the handler's
/// response or error to pass on, or hookgate's answer in its place.
#[derive(Debug)]
pub enum HandlerOutcome<R, E> {
    /// The handler's response goes out.
    Response(R),
    /// The handler's error goes out (the claim was released).
    Error(E),
    /// hookgate's answer replaces the handler's (see [`Conclusion::Replace`]).
    Replace(Outcome),
}
