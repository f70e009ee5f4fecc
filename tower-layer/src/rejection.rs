//! [`WebhookRejection`]: why the [`Webhook`](crate::Webhook) extractor failed.

use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use hookgate::Outcome;

use crate::responder::Rendered;

hookgate::__adapter_rejection! {
    /// Why [`Webhook<E>`](crate::Webhook) could not be extracted: the route
    /// is not behind a [`WebhookLayer`](crate::WebhookLayer) (`500
    /// receiver_not_installed`, a wiring mistake), or the verified payload
    /// does not fit the event type (`400 malformed_payload`; the claim is
    /// released, so a corrected redelivery is processed).
    ///
    /// Answers with the core's JSON (`{"error", "code"}`); on a guarded route
    /// the layer renders it with its [`Responder`](crate::Responder).
}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        if matches!(self.rejection(), hookgate::Rejection::NotInstalled) {
            tracing::error!(
                "hookgate: a `Webhook` extractor ran on a route without `WebhookLayer`"
            );
        }
        let outcome = Outcome::from(self.into_rejection());
        let mut res: Response = outcome.to_answer().into_response();
        res.extensions_mut().insert(Rendered(Arc::new(outcome)));
        res
    }
}
