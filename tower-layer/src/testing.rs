//! Deliveries as ready requests for an app's own tests (feature `testing`):
//! build one with [`TestDelivery`] — signed like the sender signs, or direct —
//! and send it through the app with `tower::ServiceExt::oneshot`.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use axum::{http::StatusCode, routing::post, Router};
//! use hookgate_tower::testing::{request, TestDelivery};
//! use hookgate_tower::{JobEvent, Receiver, Webhook, WebhookLayer};
//! use tower::ServiceExt as _;
//!
//! const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
//! async fn on_job(_event: Webhook<JobEvent>) -> StatusCode { StatusCode::OK }
//! let receiver = Receiver::builder().secret(SECRET).build().unwrap();
//! let app = Router::new().route("/webhook/reducto", post(on_job).layer(WebhookLayer::new(receiver)));
//!
//! let delivery = TestDelivery::signed(SECRET).event("job_1", "Completed").build();
//! let first = app.clone().oneshot(request("/webhook/reducto", &delivery)).await.unwrap();
//! assert_eq!(first.status(), StatusCode::OK);
//! // The sender's retry of the same delivery: answered by hookgate, not the handler.
//! let again = app.clone().oneshot(request("/webhook/reducto", &delivery)).await.unwrap();
//! assert_eq!(again.status(), StatusCode::OK);
//! // Signed with another secret: refused.
//! let forged = TestDelivery::signed("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").build();
//! let refused = app.oneshot(request("/webhook/reducto", &forged)).await.unwrap();
//! assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
//! # });
//! ```
//!
//! Build a delivery once and send it twice to play the sender's retry: each
//! [`TestDelivery::build`] without a fixed [`id`](TestDelivery::id) makes a
//! fresh message id.

use bytes::Bytes;
use http::Request;
use http_body_util::Full;

pub use hookgate::testing::{BuiltDelivery, SenderKey, TestDelivery};

/// A `POST uri` with `delivery`'s headers and body, for an axum [`Router`]
/// (`app.oneshot(request(…))`).
///
/// The request carries no peer address: for allowed source networks, insert
/// a [`PeerAddr`](crate::PeerAddr) (or axum's `ConnectInfo<SocketAddr>`) into
/// its extensions.
///
/// [`Router`]: axum::Router
///
/// # Panics
///
/// When `uri` is not a valid request target (a test fixture mistake).
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub fn request(uri: &str, delivery: &BuiltDelivery) -> Request<axum::body::Body> {
    build(uri, delivery, axum::body::Body::from(delivery.body.clone()))
}

/// Like [`request`], with the [`Full`] body a bare tower stack takes
/// ([`WebhookLayer`](crate::WebhookLayer) around a
/// `Service<Request<Full<Bytes>>>`).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use bytes::Bytes;
/// use http::{Request, Response};
/// use http_body_util::Full;
/// use hookgate_tower::testing::{full_request, TestDelivery};
/// use hookgate_tower::{Receiver, WebhookLayer};
/// use tower::{Layer as _, ServiceExt as _};
///
/// let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// let receiver = Receiver::builder().secret(secret).build().unwrap();
/// let inner = tower::service_fn(|_req: Request<Full<Bytes>>| async {
///     Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::from_static(b"done"))))
/// });
/// let service = WebhookLayer::new(receiver).layer(inner);
/// let delivery = TestDelivery::signed(secret).build();
/// let response = service.oneshot(full_request("/hook", &delivery)).await.unwrap();
/// assert_eq!(response.status(), 200);
/// # });
/// ```
///
/// # Panics
///
/// When `uri` is not a valid request target.
pub fn full_request(uri: &str, delivery: &BuiltDelivery) -> Request<Full<Bytes>> {
    build(uri, delivery, Full::new(delivery.body.clone()))
}

fn build<B>(uri: &str, delivery: &BuiltDelivery, body: B) -> Request<B> {
    let mut builder = Request::post(uri);
    for (name, value) in &delivery.headers {
        builder = builder.header(*name, value);
    }
    builder
        .body(body)
        .unwrap_or_else(|e| panic!("the test request for {uri:?} cannot be built: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carries_the_headers_and_the_bytes_signed() {
        let d = TestDelivery::signed("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .id("msg_1")
            .at(5)
            .body(&b"{}"[..])
            .build();
        let req = full_request("/hook", &d);
        assert_eq!(req.method(), http::Method::POST);
        assert_eq!(req.uri(), "/hook");
        for (name, value) in &d.headers {
            assert_eq!(req.headers()[*name], value.as_str(), "{name}");
        }
        assert_eq!(req.headers().len(), d.headers.len());
        let direct = TestDelivery::direct().token("tok").build();
        let req = request("/hook", &direct);
        assert_eq!(req.headers().len(), 1, "content-type only");
    }
}
