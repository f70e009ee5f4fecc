//! Queue mode with axum: a ready route for the webhook path (no handler of
//! its own: every delivery is answered by the core — `202` queued, `200`
//! duplicate, a refusal, or `503`) and the one call that starts the workers
//! with the app's handler.

#[cfg(feature = "axum")]
use axum::routing::MethodRouter;
use hookgate::queue::{QueueError, QueueHandler, Workers};
use hookgate::Receiver;
#[cfg(feature = "axum")]
use hookgate::Rejection;
use serde::de::DeserializeOwned;

#[cfg(feature = "axum")]
use crate::layer::WebhookLayer;

/// The route for the webhook path of a receiver built in queue mode
/// ([`ReceiverBuilder::queue`](hookgate::ReceiverBuilder::queue)): `POST`,
/// guarded by a [`WebhookLayer`]. Start the handler's workers with
/// [`start_workers`].
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use hookgate_tower::hookgate::queue::{MemoryQueue, QueueConfig, Queued};
/// use hookgate_tower::{queue_route, start_workers, JobEvent, Receiver};
///
/// let receiver = Receiver::builder()
///     .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
///     .queue(QueueConfig::new(MemoryQueue::new()).allow_volatile(true))
///     .build()
///     .unwrap();
/// let app: axum::Router = axum::Router::new().route("/webhook", queue_route(receiver.clone()));
/// let workers = start_workers(&receiver, |job: Queued<JobEvent>| async move {
///     println!("job {} is {}", job.event.job_id, job.event.status);
///     Ok::<(), std::convert::Infallible>(())
/// })
/// .unwrap();
/// # let _ = app;
/// # workers.shutdown(std::time::Duration::from_secs(1)).await;
/// # });
/// ```
#[cfg(feature = "axum")]
pub fn queue_route<S>(receiver: Receiver) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    if !receiver.queue_mode() {
        tracing::error!("hookgate: queue_route on a receiver not built in queue mode; its deliveries are answered 500");
    }
    axum::routing::post(not_queued).layer(WebhookLayer::new(receiver))
}

/// Reached only when the receiver is not in queue mode (queue mode answers
/// every delivery itself).
#[cfg(feature = "axum")]
async fn not_queued() -> axum::response::Response {
    Rejection::NotInstalled
        .to_answer()
        .into_response::<axum::body::Body>()
}

/// Starts the queue's workers in this process with the app's handler (see
/// [`Receiver::start_workers`]). Keep the returned [`Workers`] and shut them
/// down with the server.
pub fn start_workers<E, H>(receiver: &Receiver, handler: H) -> Result<Workers, QueueError>
where
    E: DeserializeOwned + Send + 'static,
    H: QueueHandler<E>,
{
    receiver.start_workers(handler)
}
