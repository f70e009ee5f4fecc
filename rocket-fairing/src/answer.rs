//! Writing a hookgate [`Answer`] as a Rocket response: the status, the JSON
//! body, `Content-Type: application/json` and `Retry-After` where the core set
//! one.

use std::io::Cursor;

use hookgate::Answer;
use rocket::http::{ContentType, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};

/// The Rocket status of an answer.
pub(crate) fn status_of(answer: &Answer) -> Status {
    Status::new(answer.status().as_u16())
}

/// Replaces `response`'s status, body and content headers with `answer`.
pub(crate) fn write(response: &mut Response<'_>, answer: &Answer) {
    response.set_status(status_of(answer));
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
/// use hookgate_rocket::{AnswerResponder, Answer};
/// # use rocket::get;
///
/// #[get("/busy")]
/// fn busy() -> AnswerResponder {
///     AnswerResponder(Answer::duplicate())
/// }
/// ```
#[derive(Debug, Clone)]
pub struct AnswerResponder(pub Answer);

impl From<Answer> for AnswerResponder {
    fn from(answer: Answer) -> Self {
        Self(answer)
    }
}

impl<'r> Responder<'r, 'static> for AnswerResponder {
    fn respond_to(self, _request: &'r Request<'_>) -> response::Result<'static> {
        let mut response = Response::new();
        write(&mut response, &self.0);
        Ok(response)
    }
}
