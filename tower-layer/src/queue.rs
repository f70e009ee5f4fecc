//! Queue mode with axum: a ready route for the webhook path (no handler of
//! its own: every delivery is answered by the core — `202` queued, `200`
//! duplicate, a refusal, or `503`) and the one call that starts the workers
//! with the app's handler.

#[cfg(feature = "axum")]
use axum::routing::MethodRouter;
#[cfg(feature = "axum")]
use hookgate::queue::QueueReceiver;
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
/// It takes a [`QueueReceiver`] ([`Receiver::queue_receiver`]), so a
/// receiver not in queue mode is refused where the app is put together, not
/// answered 500 per delivery.
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
/// let app: axum::Router = axum::Router::new().route("/webhook", queue_route(receiver.queue_receiver()?));
/// let workers = start_workers(&receiver, |job: Queued<JobEvent>| async move {
///     println!("job {} is {}", job.event.job_id, job.event.status);
///     Ok::<(), std::convert::Infallible>(())
/// })
/// .unwrap();
/// # let _ = app;
/// # workers.shutdown(std::time::Duration::from_secs(1)).await;
/// # Ok::<(), hookgate_tower::hookgate::queue::QueueError>(())
/// # }).unwrap();
/// ```
///
/// A plain [`Receiver`] is not accepted (this does not compile):
///
/// ```compile_fail
/// let receiver = hookgate_tower::Receiver::builder()
///     .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
///     .build()
///     .unwrap();
/// let route: axum::routing::MethodRouter = hookgate_tower::queue_route(receiver);
/// ```
#[cfg(feature = "axum")]
pub fn queue_route<S>(receiver: QueueReceiver) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    axum::routing::post(not_queued).layer(WebhookLayer::new(receiver.into_receiver()))
}

/// The route's handler, never reached: a receiver in queue mode answers
/// every delivery itself. Answers 500 should that ever change.
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
