//! [`Webhook<E>`]: the axum extractor giving the handler the typed event and
//! the facts hookgate established.

use std::ops::{Deref, DerefMut};

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use hookgate::{Delivery, JobEvent};
use http::request::Parts;
use serde::de::DeserializeOwned;

use crate::rejection::WebhookRejection;

/// An admitted delivery: the typed event `E` (default: Reducto's
/// [`JobEvent`]) and the [`Delivery`] facts (message id, timestamp, mode,
/// client address, the raw body).
///
/// Only on routes behind [`WebhookLayer`](crate::WebhookLayer); elsewhere it
/// rejects with `500` ([`WebhookRejection::MissingLayer`]). A payload that does
/// not fit `E` rejects with `400` ([`WebhookRejection::Payload`]) and the claim
/// is released. `Option<Webhook<E>>` is `None` on unguarded routes.
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
#[derive(Debug, Clone)]
pub struct Webhook<E = JobEvent> {
    /// The typed event.
    pub event: E,
    /// What hookgate established about the delivery.
    pub delivery: Delivery,
}

impl<E> Webhook<E> {
    /// The event and the delivery.
    pub fn into_parts(self) -> (E, Delivery) {
        (self.event, self.delivery)
    }

    /// The event.
    pub fn into_event(self) -> E {
        self.event
    }
}

impl<E> Deref for Webhook<E> {
    type Target = E;

    fn deref(&self) -> &E {
        &self.event
    }
}

impl<E> DerefMut for Webhook<E> {
    fn deref_mut(&mut self) -> &mut E {
        &mut self.event
    }
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
            .ok_or(WebhookRejection::MissingLayer)
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
        let event = delivery.event::<E>().map_err(WebhookRejection::from)?;
        Ok(Some(Self { event, delivery }))
    }
}
