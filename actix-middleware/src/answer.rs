//! hookgate's [`Answer`]s as actix-web responses: the status, `Retry-After`
//! where set, and the JSON body, with `Content-Type: application/json`.

use actix_web::http::header::{HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use hookgate::{Answer, JSON_CONTENT_TYPE};

/// Builds the actix-web response for a hookgate answer.
///
/// ```
/// let res = hookgate_actix::answer_response(&hookgate::Answer::duplicate());
/// assert_eq!(res.status(), 200);
/// assert_eq!(res.headers().get("content-type").unwrap(), "application/json");
/// ```
pub fn answer_response(answer: &Answer) -> HttpResponse {
    let mut res = HttpResponse::build(status(answer.status().as_u16()));
    res.insert_header((CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE)));
    if let Some(secs) = answer.retry_after() {
        res.insert_header((RETRY_AFTER, HeaderValue::from(secs)));
    }
    res.body(answer.body().clone())
}

/// The core speaks `http` 1.x; actix-web 4 has its own status type.
pub(crate) fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// An answer hookgate gives in place of the handler's, carried as an actix-web
/// error because the request is gone: the handler ran past the receiver's
/// deadline, was cancelled, and its claim released (`503` + `Retry-After`).
///
/// actix-web turns it into the JSON answer; outer middleware sees an `Err`
/// and can downcast to this type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("hookgate answered {} in place of the handler", .0.status())]
pub struct AnswerError(Answer);

impl AnswerError {
    /// The answer sent.
    pub fn answer(&self) -> &Answer {
        &self.0
    }
}

impl From<Answer> for AnswerError {
    fn from(answer: Answer) -> Self {
        Self(answer)
    }
}

impl ResponseError for AnswerError {
    fn status_code(&self) -> StatusCode {
        status(self.0.status().as_u16())
    }

    fn error_response(&self) -> HttpResponse {
        answer_response(&self.0)
    }
}
