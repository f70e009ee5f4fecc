//! [`WebhookMiddleware`]: the actix-web `Transform` that guards a route, and
//! [`WebhookService`], the `Service` it builds around the route.

use std::future::{ready, Ready};
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::EitherBody;
use actix_web::dev::{forward_ready, Payload, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::{Error, HttpMessage as _};
use futures_util::future::LocalBoxFuture;
use hookgate::adapter::{with_handler_deadline, Admission, Conclusion, HandlerEnd, Inbound};
use hookgate::{Outcome, Receiver};
use tracing::Instrument as _;

use crate::body::{read_bounded, BodyError};
use crate::headers::ActixHeaders;
use crate::responder::{JsonResponder, Responder};

/// Guards a route with a hookgate [`Receiver`]: every request is read once
/// (bounded), authenticated, checked and deduplicated before the handler runs.
///
/// * Refused, duplicate or in-flight deliveries are answered at once (JSON,
///   `Retry-After` where due); the handler is not called.
/// * An admitted delivery reaches the handler with its [`hookgate::Delivery`]
///   in the request extensions (take it with the [`Webhook`](crate::Webhook)
///   extractor) and the same body bytes put back, so `web::Bytes` or
///   `web::Json` still work.
/// * The handler runs under the receiver's handler deadline; how it ends
///   concludes the claim by the core's one rule
///   ([`Claim::run`](hookgate::adapter::Claim::run)): a 2xx marks it done;
///   another status, an error, a panic or a cancelled request releases it so
///   the sender's retry is processed; past the deadline the handler is
///   cancelled and the answer is `503 handler_timeout`.
/// * Everything hookgate answers itself goes through the
///   [`Responder`] (default: the core's JSON) with its typed [`Outcome`].
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
#[derive(Clone)]
pub struct WebhookMiddleware {
    shared: Arc<Shared>,
}

/// What every request needs besides the route's service.
struct Shared {
    receiver: Receiver,
    responder: Box<dyn Responder>,
}

impl std::fmt::Debug for WebhookMiddleware {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookMiddleware")
            .field("receiver", &self.shared.receiver)
            .finish_non_exhaustive()
    }
}

impl WebhookMiddleware {
    /// Guards with `receiver` (cheap to clone; share one per app), answering
    /// with the core's JSON.
    pub fn new(receiver: Receiver) -> Self {
        Self {
            shared: Arc::new(Shared {
                receiver,
                responder: Box::new(JsonResponder),
            }),
        }
    }

    /// Answers with `responder` instead of the core's JSON (refusals,
    /// duplicates, queued deliveries, 503s).
    pub fn responder(self, responder: impl Responder) -> Self {
        Self {
            shared: Arc::new(Shared {
                receiver: self.shared.receiver.clone(),
                responder: Box::new(responder),
            }),
        }
    }

    /// The receiver in use.
    pub fn receiver(&self) -> &Receiver {
        &self.shared.receiver
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
            shared: Arc::clone(&self.shared),
        }))
    }
}

/// The service [`WebhookMiddleware`] wraps around a route; see there.
pub struct WebhookService<S> {
    service: Rc<S>,
    shared: Arc<Shared>,
}

impl<S> std::fmt::Debug for WebhookService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookService")
            .field("receiver", &self.shared.receiver)
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
        // observe: the whole request runs in its `hookgate.delivery` span,
        // when a subscriber wants it.
        let span = hookgate::observe::delivery_span(hookgate::observe::FRAMEWORK_ACTIX);
        let guarded = guard(req, Rc::clone(&self.service), Arc::clone(&self.shared));
        if span.is_disabled() {
            Box::pin(guarded)
        } else {
            Box::pin(guarded.instrument(span))
        }
    }
}

/// One request through hookgate: read, admit, run the handler, conclude.
async fn guard<S, B>(
    mut req: ServiceRequest,
    service: Rc<S>,
    shared: Arc<Shared>,
) -> Result<ServiceResponse<EitherBody<B>>, Error>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    let Shared {
        receiver,
        responder,
    } = &*shared;
    let respond = |req: ServiceRequest, outcome: &Outcome| {
        req.into_response(responder.respond(outcome))
            .map_into_right_body()
    };
    let declared = hookgate::adapter::declared_length(&ActixHeaders::new(req.headers()));
    if let Err(outcome) = receiver.check_content_length(declared) {
        return Ok(respond(req, &outcome));
    }
    let body = match read_bounded(req.take_payload(), receiver.max_body_bytes(), declared).await {
        Ok(body) => body,
        Err(BodyError::TooLarge { .. }) => return Ok(respond(req, &receiver.too_large())),
        Err(BodyError::Unreadable(e)) => {
            tracing::info!(error = %e, "hookgate: request body could not be read");
            return Ok(respond(req, &receiver.body_unreadable()));
        }
    };

    let admission = {
        let headers = ActixHeaders::of_request(req.head());
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
        Admission::Respond(outcome) => return Ok(respond(req, &outcome)),
    };

    // The handler may still extract the body: give it the same bytes back,
    // as a one-chunk stream (one small box; `Payload::from(Bytes)` builds an
    // HTTP/1 payload channel: two allocations and its bookkeeping, ≈ 200
    // instructions a delivery more, `loadbench/count.sh`).
    req.set_payload(Payload::Stream {
        payload: Box::pin(futures_util::stream::once(std::future::ready(Ok(body)))),
    });
    // A statement, so the `RefMut` is released before any `.await`.
    req.extensions_mut().insert(delivery);
    // Kept for an answer in place of the handler's (the handler owns `req`).
    let http_req = req.request().clone();

    // Past the deadline the handler's future is dropped (cancelled); if this
    // whole future is dropped or the handler panics, `claim` is dropped
    // unsettled and releases itself.
    // The handler's end, reported to the core's one rule (`Claim::conclude`):
    // written out rather than through `Claim::run`, so the actix response is
    // not moved through its state machine.
    let outcome = match with_handler_deadline(claim.handler_deadline(), service.call(req)).await {
        Err(_elapsed) => claim.timed_out().await,
        Ok(Err(error)) => {
            let _released = claim.conclude(HandlerEnd::Error).await;
            return Err(error);
        }
        Ok(Ok(res)) => match claim
            .conclude(HandlerEnd::Status(res.status().as_u16()))
            .await
        {
            Conclusion::Handler(_) => return Ok(res.map_into_left_body()),
            Conclusion::Replace(outcome) => outcome,
        },
    };
    Ok(ServiceResponse::new(http_req, responder.respond(&outcome)).map_into_right_body())
}
