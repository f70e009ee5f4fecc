//! [`Webhook`]: the extractor a guarded handler takes: the typed event and the
//! facts of its delivery.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest};
use hookgate::Delivery;
use serde::de::DeserializeOwned;

use crate::rejection::WebhookRejection;

hookgate::__adapter_webhook! {
    /// A delivery [`WebhookMiddleware`](crate::WebhookMiddleware) admitted, as the
    /// handler takes it: the event parsed into `E` (by default [`JobEvent`](hookgate::JobEvent)) and
    /// the [`Delivery`] facts (message id, raw body, client address, …).
    ///
    /// `Webhook<E>` derefs to `E`. Extraction fails with a [`WebhookRejection`]:
    /// `400` when the payload does not fit `E`, `500` on a route the middleware
    /// does not guard. In direct mode with a token check, the token is removed from
    /// `metadata` before `E` is parsed.
    ///
    /// ```
    /// use actix_web::HttpResponse;
    /// use hookgate_actix::{JobEvent, Webhook};
    ///
    /// async fn on_job(hook: Webhook<JobEvent>) -> HttpResponse {
    ///     let id = hook.delivery.message_id().unwrap_or("-").to_owned();
    ///     let (event, _delivery) = hook.into_parts();
    ///     tracing::info!(%id, job = %event.job_id, "job event");
    ///     HttpResponse::Ok().json(serde_json::json!({ "received": true }))
    /// }
    /// ```
}

impl<E: DeserializeOwned + 'static> FromRequest for Webhook<E> {
    type Error = WebhookRejection;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        // The borrow of the extensions ends with this statement.
        let delivery = req.extensions().get::<Delivery>().cloned();
        ready(match delivery {
            None => Err(WebhookRejection::not_installed()),
            Some(delivery) => Self::parse(delivery).map_err(WebhookRejection::from),
        })
    }
}
