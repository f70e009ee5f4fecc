//! [`WebhookRejection`]: why the [`Webhook`](crate::Webhook) extractor failed,
//! answered the way the core words it.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::responder::{answer_response, status};

hookgate::__adapter_rejection! {
    /// The [`Webhook`](crate::Webhook) extractor could not produce an event:
    ///
    /// * the route is not guarded by [`WebhookMiddleware`](crate::WebhookMiddleware)
    ///   (`500`, code `receiver_not_installed`: a wiring mistake), or
    /// * the payload does not fit the event type (`400`, code `malformed_payload`).
    ///
    /// As an actix-web [`ResponseError`], it answers the core's JSON body
    /// `{"error": …, "code": …}`; the handler is not called, so the claim is
    /// released and the sender's retry is processed.
}

impl ResponseError for WebhookRejection {
    fn status_code(&self) -> StatusCode {
        status(self.status().as_u16())
    }

    fn error_response(&self) -> HttpResponse {
        answer_response(&self.rejection().to_answer())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody as _;

    #[test]
    fn not_installed_is_a_500_json() {
        let r = WebhookRejection::not_installed();
        assert_eq!(r.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        let res = r.error_response();
        assert_eq!(
            res.headers().get("content-type").unwrap(),
            "application/json"
        );
        let body = res.into_body().try_into_bytes().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["code"], "receiver_not_installed");
    }
}
