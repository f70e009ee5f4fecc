//! How hookgate's [`Outcome`]s become actix-web responses. The default writes
//! the core's JSON body, `Content-Type: application/json` and `Retry-After`;
//! swap it with [`WebhookMiddleware::responder`](crate::WebhookMiddleware::responder).

use actix_web::http::header::{HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use hookgate::adapter::JSON_CONTENT_TYPE;
use hookgate::{Answer, Outcome};

/// Turns an [`Outcome`] hookgate answers itself (a refusal, a duplicate, a
/// queued delivery, a 503, …) into a response. The outcome keeps its typed
/// reason: tell a duplicate from a refusal by [`Outcome::code`], not by
/// status.
///
/// Implemented for closures:
///
/// ```
/// use actix_web::HttpResponse;
/// use hookgate_actix::{Outcome, Receiver, WebhookMiddleware};
///
/// let receiver = Receiver::builder().secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").build().unwrap();
/// // Plain-text answers with the same status.
/// let middleware = WebhookMiddleware::new(receiver).responder(|outcome: &Outcome| {
///     HttpResponse::build(actix_web::http::StatusCode::from_u16(outcome.status().as_u16()).unwrap())
///         .content_type("text/plain")
///         .body(format!("{}: {}", outcome.status(), outcome.code()))
/// });
/// # let _ = middleware;
/// ```
pub trait Responder: Send + Sync + 'static {
    /// Builds the response for `outcome`.
    fn respond(&self, outcome: &Outcome) -> HttpResponse;
}

/// The default [`Responder`]: the core's JSON answer as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonResponder;

impl Responder for JsonResponder {
    fn respond(&self, outcome: &Outcome) -> HttpResponse {
        answer_response(&outcome.to_answer())
    }
}

impl<F> Responder for F
where
    F: Fn(&Outcome) -> HttpResponse + Send + Sync + 'static,
{
    fn respond(&self, outcome: &Outcome) -> HttpResponse {
        self(outcome)
    }
}

/// Builds the actix-web response for a hookgate answer: its status,
/// `Retry-After` where set, and the JSON body.
///
/// ```
/// let res = hookgate_actix::answer_response(&hookgate::Outcome::Duplicate.to_answer());
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
