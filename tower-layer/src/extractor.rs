//! [`Webhook<E>`]: the axum extractor giving the handler the typed event and
//! the facts hookgate established.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use hookgate::Delivery;
use http::request::Parts;
use serde::de::DeserializeOwned;

use crate::rejection::WebhookRejection;

hookgate::__adapter_webhook! {
    /// An admitted delivery: the typed event `E` (default: Reducto's
    /// [`JobEvent`](hookgate::JobEvent)) and the [`Delivery`] facts (message
    /// id, timestamp, mode, client address, the raw body).
    ///
    /// Only on routes behind [`WebhookLayer`](crate::WebhookLayer); elsewhere
    /// it rejects with `500 receiver_not_installed`. A payload that does not
    /// fit `E` rejects with `400 malformed_payload` and the claim is released.
    /// `Option<Webhook<E>>` is `None` on unguarded routes.
    ///
    /// ```
    /// use axum::http::StatusCode;
    /// use hookgate_tower::{JobEvent, Webhook};
    ///
    /// async fn on_job(webhook: Webhook<JobEvent>) -> StatusCode {
    ///     // Deref gives the event's fields; `delivery` the facts.
    ///     if webhook.status.is_completed() {
    ///         println!("{} done (message {:?})", webhook.job_id, webhook.delivery.message_id());
    ///     }
    ///     StatusCode::OK
    /// }
    /// ```
}

impl<S, E> FromRequestParts<S> for Webhook<E>
where
    S: Send + Sync,
    E: DeserializeOwned + Send,
{
    type Rejection = WebhookRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        <Self as OptionalFromRequestParts<S>>::from_request_parts(parts, state)
            .await?
            .ok_or_else(WebhookRejection::not_installed)
    }
}

impl<S, E> OptionalFromRequestParts<S> for Webhook<E>
where
    S: Send + Sync,
    E: DeserializeOwned + Send,
{
    type Rejection = WebhookRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let Some(delivery) = parts.extensions.get::<Delivery>().cloned() else {
            return Ok(None);
        };
        Ok(Some(Self::parse(delivery)?))
    }
}
