//! Queue mode with actix-web: a ready resource for the webhook path (no
//! handler of its own: every delivery is answered by the core — `202`
//! queued, `200` duplicate, a refusal, or `503`) and the one call that starts
//! the workers with the app's handler.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{web, HttpResponse, Resource};
use hookgate::queue::{QueueError, QueueHandler, QueueReceiver, Workers};
use hookgate::{Receiver, Rejection};
use serde::de::DeserializeOwned;

use crate::middleware::WebhookMiddleware;
use crate::responder::answer_response;

/// The resource at `path` for a receiver built in queue mode
/// ([`ReceiverBuilder::queue`](hookgate::ReceiverBuilder::queue)): `POST`,
/// wrapped in a [`WebhookMiddleware`]. Start the handler's workers with
/// [`start_workers`].
///
/// It takes a [`QueueReceiver`] ([`Receiver::queue_receiver`], checked once
/// before `HttpServer::new`, cloned into each worker's app), so a receiver
/// not in queue mode is refused where the app is put together, not answered
/// 500 per delivery.
///
/// ```
/// use actix_web::App;
/// use hookgate_actix::hookgate::queue::{MemoryQueue, QueueConfig};
/// use hookgate_actix::{queue_route, Receiver};
///
/// let receiver = Receiver::builder()
///     .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
///     .queue(QueueConfig::new(MemoryQueue::new()).allow_volatile(true))
///     .build()
///     .unwrap();
/// let queue = receiver.queue_receiver().unwrap();
/// let app = App::new().service(queue_route("/webhook", queue.clone()));
/// # let _ = app;
/// ```
pub fn queue_route(
    path: &str,
    receiver: QueueReceiver,
) -> Resource<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::resource(path)
        .wrap(WebhookMiddleware::new(receiver.into_receiver()))
        .route(web::post().to(not_queued))
}

/// The resource's handler, never reached: a receiver in queue mode answers
/// every delivery itself. Answers 500 should that ever change.
async fn not_queued() -> HttpResponse {
    answer_response(&Rejection::NotInstalled.to_answer())
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
