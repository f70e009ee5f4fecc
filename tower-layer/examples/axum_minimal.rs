//! The smallest axum receiver: one protected route, in-memory dedupe.
//!
//! ```sh
//! WEBHOOK_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw \
//!   cargo run -p hookgate-tower --example axum_minimal
//! ```

use std::net::SocketAddr;

use axum::{http::StatusCode, routing::post, Router};
use hookgate_tower::{JobEvent, Receiver, Webhook, WebhookLayer};

/// Runs only for an authenticated, fresh delivery.
async fn on_job(event: Webhook<JobEvent>) -> StatusCode {
    println!("job {} is {}", event.job_id, event.status);
    StatusCode::OK // 2xx: marked done; anything else: released, the sender retries
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let receiver = Receiver::builder()
        .secret_from_env("WEBHOOK_SECRET") // unset or malformed: build() says why
        .build()?;
    // The layer guards the webhook route only: other routes answer as usual.
    let app = Router::new().route(
        "/webhook/reducto",
        post(on_job).layer(WebhookLayer::new(receiver)),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:5000").await?;
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await?;
    Ok(())
}
