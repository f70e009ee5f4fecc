//! [`WebhookLayer`]: the tower [`Layer`](tower_layer::Layer) that guards a
//! service with a hookgate [`Receiver`].

use std::sync::Arc;

use hookgate::Receiver;

use crate::responder::{JsonResponder, Responder};
use crate::service::WebhookService;

/// Guards the wrapped service (an axum route or router, or any tower service)
/// with a [`Receiver`]: every request is read once (bounded), verified,
/// checked and deduplicated before the service sees it; the service's answer
/// settles the claim.
///
/// ```
/// use axum::{routing::post, Router};
/// use hookgate_tower::{JobEvent, Receiver, Webhook, WebhookLayer};
///
/// async fn on_job(event: Webhook<JobEvent>) -> &'static str {
///     println!("job {} is {}", event.job_id, event.status);
///     "ok"
/// }
///
/// let receiver = Receiver::builder()
///     .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
///     .build()
///     .unwrap();
/// let app: Router = Router::new()
///     .route("/webhook/reducto", post(on_job))
///     .layer(WebhookLayer::new(receiver));
/// ```
#[derive(Clone)]
pub struct WebhookLayer {
    receiver: Receiver,
    responder: Arc<dyn Responder>,
}

impl std::fmt::Debug for WebhookLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookLayer")
            .field("receiver", &self.receiver)
            .finish_non_exhaustive()
    }
}

impl WebhookLayer {
    /// A layer guarding with `receiver`, answering with the core's JSON.
    pub fn new(receiver: Receiver) -> Self {
        Self {
            receiver,
            responder: Arc::new(JsonResponder),
        }
    }

    /// Answers with `responder` instead of the core's JSON (refusals,
    /// duplicates, 503s, and the [`Webhook`](crate::Webhook) extractor's
    /// rejections on guarded routes).
    pub fn responder(mut self, responder: impl Responder) -> Self {
        self.responder = Arc::new(responder);
        self
    }

    /// The receiver.
    pub fn receiver(&self) -> &Receiver {
        &self.receiver
    }
}

impl<S> tower_layer::Layer<S> for WebhookLayer {
    type Service = WebhookService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        WebhookService::new(inner, self.receiver.clone(), self.responder.clone())
    }
}
