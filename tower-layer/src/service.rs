//! [`WebhookService`]: read the body once (bounded), admit, call the inner
//! service under the handler deadline, settle the claim from its status.

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use http_body_util::Full;
use tracing::Instrument as _;

use hookgate::adapter::{with_handler_deadline, Admission, Conclusion, HandlerEnd, Inbound};
use hookgate::{Outcome, Receiver};

use crate::body::{declared_len, read_body, BoxError};
use crate::future::ResponseFuture;
use crate::peer::peer_ip;
use crate::responder::{Rendered, Responder};
use crate::response_body::WebhookBody;

/// The service [`WebhookLayer`](crate::WebhookLayer) produces.
///
/// For each request it:
/// 1. refuses a declared `Content-Length` over the limit (413) before reading;
/// 2. reads the body once through `http_body_util::Limited` (413 over the
///    limit, 400 `body_unreadable` when the connection fails);
/// 3. calls [`Receiver::admit`] with the headers, the bytes and the TCP peer
///    (see [`peer_ip`](crate::peer_ip)); a refusal or duplicate is answered at
///    once, the inner service is not called;
/// 4. otherwise rebuilds the request around the same [`Bytes`] (a
///    [`Full`] body, so the handler may still extract the raw body), puts the
///    [`Delivery`](hookgate::Delivery) in its extensions and calls the inner
///    service under [`Receiver::handler_deadline`];
/// 5. concludes the claim from how the inner service ended
///    ([`Claim::run`](hookgate::adapter::Claim::run), the core's one rule for
///    every adapter): done on a 2xx (or, if that cannot be recorded, a 503
///    replaces the handler's answer), released otherwise. Past the deadline
///    the inner future is dropped, the claim released, and the answer is 503.
///    An inner error releases the claim and is passed on; a panic or a dropped
///    future drops the claim, which releases itself.
///
/// Everything hookgate answers itself goes through the layer's
/// [`Responder`] with its typed [`Outcome`].
pub struct WebhookService<S> {
    inner: S,
    shared: Arc<Shared>,
}

/// What every request needs besides the inner service: one reference count
/// per request instead of two.
struct Shared {
    receiver: Receiver,
    responder: Arc<dyn Responder>,
}

impl<S: Clone> Clone for WebhookService<S> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            shared: self.shared.clone(),
        }
    }
}

impl<S: std::fmt::Debug> std::fmt::Debug for WebhookService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookService")
            .field("inner", &self.inner)
            .field("receiver", &self.shared.receiver)
            .finish_non_exhaustive()
    }
}

impl<S> WebhookService<S> {
    pub(crate) fn new(inner: S, receiver: Receiver, responder: Arc<dyn Responder>) -> Self {
        Self {
            inner,
            shared: Arc::new(Shared {
                receiver,
                responder,
            }),
        }
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The receiver.
    pub fn receiver(&self) -> &Receiver {
        &self.shared.receiver
    }
}

fn answer<B>(responder: &dyn Responder, outcome: &Outcome) -> Response<WebhookBody<B>> {
    responder.respond(outcome).map(WebhookBody::answer)
}

impl<S, B, ResBody> tower_service::Service<Request<B>> for WebhookService<S>
where
    S: tower_service::Service<Request<Full<Bytes>>, Response = Response<ResBody>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
    ResBody: Send + 'static,
{
    type Response = Response<WebhookBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<ResBody, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        // The service that was polled ready goes into the future; a fresh
        // clone stays behind for the next poll_ready.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let shared = self.shared.clone();
        // Taken apart here, not inside the future: a future that captured the
        // request and then took it apart would hold both (it is boxed per
        // request, and past ~1 KiB the allocator leaves its fast path).
        let (parts, body) = req.into_parts();
        // observe: the whole request runs in its `hookgate.delivery` span,
        // when a subscriber wants it.
        let span = hookgate::observe::delivery_span(hookgate::observe::FRAMEWORK_AXUM);
        let declared = declared_len(&parts.headers, &body);
        let check = || shared.receiver.check_content_length(declared);
        let checked = if span.is_disabled() {
            check()
        } else {
            span.in_scope(check)
        };
        if let Err(outcome) = checked {
            let res = answer(&*shared.responder, &outcome);
            return ResponseFuture::new(std::future::ready(Ok(res)));
        }
        let guarded = guard(inner, shared, parts, body);
        if span.is_disabled() {
            ResponseFuture::new(guarded)
        } else {
            ResponseFuture::new(guarded.instrument(span))
        }
    }
}

/// One request past the `Content-Length` check: read, admit, call, settle.
///
/// An `async move` block rather than an `async fn`, which would copy its
/// arguments (the request head is 224 bytes) into locals and hold both.
#[allow(
    clippy::manual_async_fn,
    reason = "an async fn would hold its arguments twice in the boxed future"
)]
fn guard<S, B, ResBody>(
    mut inner: S,
    shared: Arc<Shared>,
    mut parts: http::request::Parts,
    body: B,
) -> impl Future<Output = Result<Response<WebhookBody<ResBody>>, S::Error>>
where
    S: tower_service::Service<Request<Full<Bytes>>, Response = Response<ResBody>>,
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    async move {
        let Shared {
            receiver,
            responder,
        } = &*shared;
        let bytes = match read_body(receiver, body).await {
            Ok(bytes) => bytes,
            Err(outcome) => return Ok(answer(&**responder, &outcome)),
        };
        let inbound = Inbound {
            // The request's head: its headers, and its path, read only by
            // a scheme that needs it (a tenant path template).
            headers: &parts,
            body: bytes.clone(),
            peer: peer_ip(&parts.extensions),
        };
        let (delivery, claim) = match receiver.admit(inbound).await {
            Admission::Respond(outcome) => return Ok(answer(&**responder, &outcome)),
            Admission::Proceed(delivery, claim) => (delivery, claim),
        };
        parts.extensions.insert(delivery);
        let req = Request::from_parts(parts, Full::new(bytes));
        // The handler's end, reported to the core's one rule
        // (`Claim::conclude`): written out rather than through `Claim::run`,
        // so the response is not moved through its state machine.
        let deadline = claim.handler_deadline();
        let outcome = match with_handler_deadline(deadline, inner.call(req)).await {
            Err(_elapsed) => claim.timed_out().await,
            Ok(Err(e)) => {
                let _released = claim.conclude(HandlerEnd::Error).await;
                return Err(e);
            }
            Ok(Ok(res)) => match claim
                .conclude(HandlerEnd::Status(res.status().as_u16()))
                .await
            {
                Conclusion::Handler(_) => match res.extensions().get::<Rendered>() {
                    // An extractor rejection rendered by default: render it
                    // again with this layer's responder.
                    Some(Rendered(outcome)) => return Ok(answer(&**responder, outcome)),
                    None => return Ok(res.map(WebhookBody::inner)),
                },
                Conclusion::Replace(outcome) => outcome,
            },
        };
        Ok(answer(&**responder, &outcome))
    }
}
