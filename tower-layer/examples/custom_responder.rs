//! Your own shape for hookgate's answers: plain text instead of JSON. The
//! status and `Retry-After` stay hookgate's; only the body and type change.
//!
//! ```sh
//! WEBHOOK_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw \
//!   cargo run -p hookgate-tower --example custom_responder
//! ```

use std::net::SocketAddr;

use axum::{http::header::CONTENT_TYPE, http::StatusCode, routing::post, Router};
use bytes::Bytes;
use hookgate_tower::{JobEvent, Outcome, Receiver, Webhook, WebhookLayer};

/// A refusal, a duplicate or a 503, as one line of text: its typed reason.
fn plain_text(outcome: &Outcome) -> http::Response<Bytes> {
    let text = format!(
        "hookgate answered {} {}\n",
        outcome.status(),
        outcome.code()
    );
    let mut response = outcome.to_answer().into_response::<Bytes>();
    *response.body_mut() = Bytes::from(text);
    let plain = http::HeaderValue::from_static("text/plain; charset=utf-8");
    response.headers_mut().insert(CONTENT_TYPE, plain);
    response
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let receiver = Receiver::builder()
        .secret_from_env("WEBHOOK_SECRET") // unset or malformed: build() says why
        .build()?;
    let on_job = |_: Webhook<JobEvent>| async { StatusCode::OK };
    let layer = WebhookLayer::new(receiver).responder(plain_text);
    let app = Router::new().route("/webhook/reducto", post(on_job).layer(layer));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:5000").await?;
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await?;
    Ok(())
}
