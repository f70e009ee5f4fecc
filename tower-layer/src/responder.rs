//! How hookgate's [`Answer`]s become HTTP responses. The default writes the
//! core's JSON body, `Content-Type: application/json` and `Retry-After`; swap it
//! with [`WebhookLayer::responder`](crate::WebhookLayer::responder).

use bytes::Bytes;
use http_body_util::Full;

use hookgate::Answer;

/// The response body of every answer hookgate writes itself.
pub type AnswerBody = Full<Bytes>;

/// Turns an [`Answer`] (a refusal, a duplicate, a 503, …) into a response.
///
/// Implemented for closures, so a custom shape is one line:
///
/// ```
/// use bytes::Bytes;
/// use http_body_util::Full;
/// use hookgate_tower::{Answer, Receiver, WebhookLayer};
///
/// let receiver = Receiver::builder().secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").build().unwrap();
/// // Plain-text answers with the same status and Retry-After.
/// let layer = WebhookLayer::new(receiver).responder(|answer: Answer| {
///     let mut res = answer.clone().into_response::<Full<Bytes>>();
///     *res.body_mut() = Full::new(Bytes::from(format!("refused: {}", answer.status())));
///     res.headers_mut().insert(http::header::CONTENT_TYPE, "text/plain".parse().unwrap());
///     res
/// });
/// # let _ = layer;
/// ```
pub trait Responder: Send + Sync + 'static {
    /// Builds the response for `answer`.
    fn respond(&self, answer: Answer) -> http::Response<AnswerBody>;
}

/// The default [`Responder`]: the core's JSON answer as it is
/// ([`Answer::into_response`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonResponder;

impl Responder for JsonResponder {
    fn respond(&self, answer: Answer) -> http::Response<AnswerBody> {
        answer.into_response()
    }
}

impl<F> Responder for F
where
    F: Fn(Answer) -> http::Response<AnswerBody> + Send + Sync + 'static,
{
    fn respond(&self, answer: Answer) -> http::Response<AnswerBody> {
        self(answer)
    }
}
