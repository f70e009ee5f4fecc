//! Deliveries as ready requests for an app's own tests (feature `testing`):
//! build one with [`TestDelivery`] — signed like the sender signs, or direct —
//! and send it through the app with actix-web's own test tools.
//!
//! ```
//! use actix_web::{test, web, App, HttpResponse};
//! use hookgate_actix::testing::{request, TestDelivery};
//! use hookgate_actix::{JobEvent, Receiver, Webhook, WebhookMiddleware};
//!
//! const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
//! async fn on_job(_event: Webhook<JobEvent>) -> HttpResponse { HttpResponse::Ok().finish() }
//!
//! # actix_web::rt::System::new().block_on(async {
//! let receiver = Receiver::builder().secret(SECRET).build().unwrap();
//! let app = test::init_service(App::new().service(
//!     web::resource("/webhook/reducto")
//!         .wrap(WebhookMiddleware::new(receiver))
//!         .route(web::post().to(on_job)),
//! ))
//! .await;
//!
//! let delivery = TestDelivery::signed(SECRET).event("job_1", "Completed").build();
//! let first = test::call_service(&app, request("/webhook/reducto", &delivery).to_request()).await;
//! assert_eq!(first.status(), 200);
//! // The sender's retry of the same delivery: answered by hookgate, not the handler.
//! let again = test::call_service(&app, request("/webhook/reducto", &delivery).to_request()).await;
//! assert_eq!(again.status(), 200);
//! // Signed with another secret: refused.
//! let forged = TestDelivery::signed("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").build();
//! let refused = test::call_service(&app, request("/webhook/reducto", &forged).to_request()).await;
//! assert_eq!(refused.status(), 401);
//! # });
//! ```
//!
//! Build a delivery once and send it twice to play the sender's retry: each
//! [`TestDelivery::build`] without a fixed [`id`](TestDelivery::id) makes a
//! fresh message id.

use actix_web::test::TestRequest;

pub use hookgate::testing::{BuiltDelivery, SenderKey, TestDelivery};

/// A `POST uri` [`TestRequest`] with `delivery`'s headers and body; add to it
/// (e.g. `.peer_addr(…)` for allowed source networks), then
/// `.to_request()` for `actix_web::test::call_service`.
pub fn request(uri: &str, delivery: &BuiltDelivery) -> TestRequest {
    let mut req = TestRequest::post().uri(uri);
    for (name, value) in &delivery.headers {
        req = req.insert_header((*name, value.as_str()));
    }
    req.set_payload(delivery.body.clone())
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
        let req = request("/hook", &d).to_http_request();
        assert_eq!(req.method(), actix_web::http::Method::POST);
        assert_eq!(req.path(), "/hook");
        for (name, value) in &d.headers {
            assert_eq!(req.headers().get(*name).unwrap(), value.as_str(), "{name}");
        }
        assert_eq!(req.headers().get("content-length").unwrap(), "2");
    }
}
