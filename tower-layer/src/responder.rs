//! How hookgate's [`Outcome`]s become HTTP responses. The default writes the
//! core's JSON body, `Content-Type: application/json` and `Retry-After`; swap
//! it with [`WebhookLayer::responder`](crate::WebhookLayer::responder).

use bytes::Bytes;

use hookgate::Outcome;

/// Turns an [`Outcome`] hookgate answers itself (a refusal, a duplicate, a
/// queued delivery, a 503, …) into a response. The outcome keeps its typed
/// reason: tell a duplicate from a refusal by [`Outcome::code`], not by
/// status.
///
/// Implemented for closures, so a custom shape is one line:
///
/// ```
/// use bytes::Bytes;
/// use hookgate_tower::{Outcome, Receiver, WebhookLayer};
///
/// let receiver = Receiver::builder().secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").build().unwrap();
/// // Plain-text answers with the same status and Retry-After.
/// let layer = WebhookLayer::new(receiver).responder(|outcome: &Outcome| {
///     let mut res = outcome.to_answer().into_response::<Bytes>();
///     *res.body_mut() = Bytes::from(format!("{}: {}", outcome.status(), outcome.code()));
///     res.headers_mut().insert(http::header::CONTENT_TYPE, "text/plain".parse().unwrap());
///     res
/// });
/// # let _ = layer;
/// ```
pub trait Responder: Send + Sync + 'static {
    /// Builds the response for `outcome`.
    fn respond(&self, outcome: &Outcome) -> http::Response<Bytes>;
}

/// An answer rendered by default inside the guarded service (an extractor's
/// rejection), marked in the response's extensions so that the layer renders
/// it again with its own responder.
#[derive(Clone)]
#[cfg_attr(
    not(feature = "axum"),
    allow(dead_code, reason = "only axum's extractor renders one")
)]
pub(crate) struct Rendered(pub(crate) std::sync::Arc<Outcome>);

/// The default [`Responder`]: the core's JSON answer as it is
/// ([`Answer::into_response`](hookgate::Answer::into_response)).
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonResponder;

impl Responder for JsonResponder {
    fn respond(&self, outcome: &Outcome) -> http::Response<Bytes> {
        outcome.to_answer().into_response()
    }
}

impl<F> Responder for F
where
    F: Fn(&Outcome) -> http::Response<Bytes> + Send + Sync + 'static,
{
    fn respond(&self, outcome: &Outcome) -> http::Response<Bytes> {
        self(outcome)
    }
}
