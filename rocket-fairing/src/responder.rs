//! How hookgate's [`Outcome`]s become Rocket responses. The default writes
//! the core's JSON body, `Content-Type: application/json` and `Retry-After`;
//! swap it with [`WebhookFairing::responder`](crate::WebhookFairing::responder).

use std::io::Cursor;

use hookgate::{Answer, Outcome};
use rocket::http::{ContentType, Status};
use rocket::request::Request;
use rocket::response::{self, Response};

/// Turns an [`Outcome`] hookgate answers itself (a refusal, a duplicate, a
/// queued delivery, a 503, …) into a response. The outcome keeps its typed
/// reason: tell a duplicate from a refusal by [`Outcome::code`], not by
/// status.
///
/// Implemented for closures:
///
/// ```
/// use std::io::Cursor;
/// use hookgate_rocket::{Outcome, Receiver, WebhookFairing};
/// use rocket::http::{ContentType, Status};
/// use rocket::Response;
///
/// let receiver = Receiver::builder().secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").build().unwrap();
/// // Plain-text answers with the same status.
/// let fairing = WebhookFairing::new(receiver).responder(|outcome: &Outcome| {
///     let text = format!("{}: {}", outcome.status(), outcome.code());
///     Response::build()
///         .status(Status::new(outcome.status().as_u16()))
///         .header(ContentType::Plain)
///         .sized_body(text.len(), Cursor::new(text))
///         .finalize()
/// });
/// # let _ = fairing;
/// ```
pub trait Responder: Send + Sync + 'static {
    /// Builds the response for `outcome`.
    fn respond(&self, outcome: &Outcome) -> Response<'static>;
}

/// The default [`Responder`]: the core's JSON answer as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonResponder;

impl Responder for JsonResponder {
    fn respond(&self, outcome: &Outcome) -> Response<'static> {
        let mut response = Response::new();
        write(&mut response, &outcome.to_answer());
        response
    }
}

impl<F> Responder for F
where
    F: Fn(&Outcome) -> Response<'static> + Send + Sync + 'static,
{
    fn respond(&self, outcome: &Outcome) -> Response<'static> {
        self(outcome)
    }
}

/// The Rocket status of an outcome.
pub(crate) fn status_of(outcome: &Outcome) -> Status {
    Status::new(outcome.status().as_u16())
}

/// Replaces `response` with what `responder` makes of `outcome`.
pub(crate) fn replace(response: &mut Response<'_>, responder: &dyn Responder, outcome: &Outcome) {
    // The catcher's content headers must not survive: the answer sets its own.
    response.remove_header("Content-Type");
    response.remove_header("Retry-After");
    response.merge(responder.respond(outcome));
}

/// Replaces `response`'s status, body and content headers with `answer`.
pub(crate) fn write(response: &mut Response<'_>, answer: &Answer) {
    response.set_status(Status::new(answer.status().as_u16()));
    response.set_header(ContentType::JSON);
    response.remove_header("Retry-After");
    if let Some(secs) = answer.retry_after() {
        response.set_raw_header("Retry-After", secs.to_string());
    }
    let body = answer.body().clone();
    response.set_sized_body(body.len(), Cursor::new(body));
}

/// Sends a hookgate [`Answer`] from a route: its status, JSON body,
/// `Content-Type: application/json` and `Retry-After` where set.
///
/// ```
/// use hookgate_rocket::{AnswerResponder, Outcome};
/// # use rocket::get;
///
/// #[get("/seen")]
/// fn seen() -> AnswerResponder {
///     AnswerResponder(Outcome::Duplicate.to_answer())
/// }
/// ```
#[derive(Debug, Clone)]
pub struct AnswerResponder(pub Answer);

impl From<Answer> for AnswerResponder {
    fn from(answer: Answer) -> Self {
        Self(answer)
    }
}

impl<'r> rocket::response::Responder<'r, 'static> for AnswerResponder {
    fn respond_to(self, _request: &'r Request<'_>) -> response::Result<'static> {
        let mut response = Response::new();
        write(&mut response, &self.0);
        Ok(response)
    }
}
