//! [`WebhookRejection`]: why the [`Webhook`](crate::Webhook) extractor failed.

use axum::response::{IntoResponse, Response};
use hookgate::{Answer, Rejection};

/// Why [`Webhook<E>`](crate::Webhook) could not be extracted. Answers with the
/// core's JSON (`{"error", "code"}`); on a guarded route the layer renders it
/// with its [`Responder`](crate::Responder).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookRejection {
    /// The route is not behind a [`WebhookLayer`](crate::WebhookLayer) (a
    /// programming mistake): `500 {"code": "receiver_not_installed"}`.
    #[error("hookgate is not installed on this route: add `.layer(WebhookLayer::new(receiver))` (or `route_layer`) to the router")]
    MissingLayer,
    /// The verified payload does not fit the event type:
    /// `400 {"code": "malformed_payload"}`. The claim is released, so a
    /// corrected redelivery is processed.
    #[error(transparent)]
    Payload(Rejection),
}

impl WebhookRejection {
    /// The core's rejection this stands for.
    pub fn rejection(&self) -> Option<&Rejection> {
        match self {
            Self::MissingLayer => None,
            Self::Payload(r) => Some(r),
        }
    }

    /// The HTTP status (500 or 400).
    pub fn status(&self) -> http::StatusCode {
        self.to_answer().status()
    }

    /// The answer: status and JSON body.
    pub fn to_answer(&self) -> Answer {
        match self {
            Self::MissingLayer => Rejection::NotInstalled.to_answer(),
            Self::Payload(r) => r.to_answer(),
        }
    }
}

impl From<Rejection> for WebhookRejection {
    fn from(r: Rejection) -> Self {
        match r {
            Rejection::NotInstalled => Self::MissingLayer,
            r => Self::Payload(r),
        }
    }
}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        if matches!(self, Self::MissingLayer) {
            tracing::error!(
                "hookgate: a `Webhook` extractor ran on a route without `WebhookLayer`"
            );
        }
        let answer = self.to_answer();
        let mut res: Response = answer.clone().into_response();
        // Lets the layer re-render it with a custom responder.
        res.extensions_mut().insert(answer);
        res
    }
}
