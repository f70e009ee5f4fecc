//! [`WebhookMiddleware`]: the actix-web `Transform` that guards a route, and
//! [`WebhookService`], the `Service` it builds around the route.

use std::future::{ready, Ready};
use std::rc::Rc;

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::{forward_ready, Payload, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::{Error, HttpMessage as _};
use futures_util::future::LocalBoxFuture;
use hookgate::{Admission, Answer, Inbound, Receiver, Rejection};

use crate::answer::{answer_response, AnswerError};
use crate::body::{read_bounded, BodyError};
use crate::headers::ActixHeaders;

/// Guards a route with a hookgate [`Receiver`]: every request is read once
/// (bounded), authenticated, checked and deduplicated before the handler runs.
///
/// * Refused, duplicate or in-flight deliveries are answered at once (JSON,
///   `Retry-After` where due); the handler is not called.
/// * An admitted delivery reaches the handler with its [`hookgate::Delivery`]
///   in the request extensions (take it with the [`Webhook`](crate::Webhook)
///   extractor) and the same body bytes put back, so `web::Bytes` or
///   `web::Json` still work.
/// * The handler runs under the receiver's handler deadline; its response
///   status settles the claim (2xx: done; otherwise released so the sender's
///   retry is processed). An error, a panic or a cancelled request releases it.
///
/// ```
/// use actix_web::{web, App, HttpResponse};
/// use hookgate_actix::{JobEvent, Receiver, Webhook, WebhookMiddleware};
///
/// async fn on_job(event: Webhook<JobEvent>) -> HttpResponse {
///     println!("job {} is {}", event.job_id, event.status.as_str());
///     HttpResponse::Ok().json(serde_json::json!({ "received": true }))
/// }
///
/// let receiver = Receiver::builder()
///     .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
///     .build()
///     .unwrap();
/// let app = App::new().service(
///     web::resource("/webhook/reducto")
///         .wrap(WebhookMiddleware::new(receiver.clone()))
///         .route(web::post().to(on_job)),
/// );
/// # drop(app);
/// ```
#[derive(Debug, Clone)]
pub struct WebhookMiddleware {
    receiver: Receiver,
}

impl WebhookMiddleware {
    /// Guards with `receiver` (cheap to clone; share one per app).
    pub fn new(receiver: Receiver) -> Self {
        Self { receiver }
    }

    /// The receiver in use.
    pub fn receiver(&self) -> &Receiver {
        &self.receiver
    }
}

impl<S, B> Transform<S, ServiceRequest> for WebhookMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = WebhookService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(WebhookService {
            service: Rc::new(service),
            receiver: self.receiver.clone(),
        }))
    }
}

/// The service [`WebhookMiddleware`] wraps around a route; see there.
pub struct WebhookService<S> {
    service: Rc<S>,
    receiver: Receiver,
}

impl<S> std::fmt::Debug for WebhookService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookService")
            .field("receiver", &self.receiver)
            .finish_non_exhaustive()
    }
}

impl<S, B> Service<ServiceRequest> for WebhookService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        Box::pin(guard(req, Rc::clone(&self.service), self.receiver.clone()))
    }
}

/// One request through hookgate: read, admit, run the handler, settle.
async fn guard<S, B>(
    mut req: ServiceRequest,
    service: Rc<S>,
    receiver: Receiver,
) -> Result<ServiceResponse<EitherBody<B>>, Error>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    let declared = hookgate::declared_length(&ActixHeaders::new(req.headers()));
    if let Err(answer) = receiver.check_content_length(declared) {
        return Ok(respond(req, &answer));
    }
    let body = match read_bounded(req.take_payload(), receiver.max_body_bytes(), declared).await {
        Ok(body) => body,
        Err(BodyError::TooLarge { .. }) => return Ok(respond(req, &receiver.too_large())),
        Err(BodyError::Unreadable(e)) => {
            tracing::info!(error = %e, "hookgate: request body could not be read");
            return Ok(respond(req, &Rejection::BodyUnreadable.to_answer()));
        }
    };

    let admission = {
        let headers = ActixHeaders::new(req.headers());
        receiver
            .admit(Inbound {
                headers: &headers,
                body: body.clone(),
                // The TCP peer, never `realip_remote_addr` (which believes
                // `X-Forwarded-For` from anyone): the core decides whether a
                // forwarded address is trusted.
                peer: req.peer_addr().map(|a| a.ip()),
            })
            .await
    };
    let (delivery, claim) = match admission {
        Admission::Proceed(delivery, claim) => (delivery, claim),
        Admission::Respond(answer) => return Ok(respond(req, &answer)),
    };

    // The handler may still extract the body: give it the same bytes back.
    req.set_payload(Payload::from(body));
    // A statement, so the `RefMut` is released before any `.await`.
    req.extensions_mut().insert(delivery);

    // Past the deadline the handler's future is dropped (cancelled) here; if
    // this whole future is dropped or the handler panics, `claim` is dropped
    // unsettled and releases itself.
    match hookgate::with_handler_deadline(receiver.handler_deadline(), service.call(req)).await {
        Err(_elapsed) => {
            // Releasing always succeeds (a failure is logged; the in-flight
            // TTL frees the key anyway).
            let _released = claim.settle(false).await;
            Err(AnswerError::from(receiver.handler_timeout()).into())
        }
        Ok(Err(error)) => {
            let _released = claim.settle(false).await;
            Err(error)
        }
        Ok(Ok(res)) => match claim
            .settle(hookgate::handler_succeeded(res.status().as_u16()))
            .await
        {
            Ok(()) => Ok(res.map_into_left_body()),
            Err(answer) => {
                let (req, _discarded) = res.into_parts();
                Ok(ServiceResponse::new(req, answer_response(&answer)).map_into_right_body())
            }
        },
    }
}

/// Answers without calling the handler.
fn respond<B>(req: ServiceRequest, answer: &Answer) -> ServiceResponse<EitherBody<B, BoxBody>> {
    req.into_response(answer_response(answer))
        .map_into_right_body()
}
