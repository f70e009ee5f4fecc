//! Queue mode: the webhook route answers `202` once the delivery is queued;
//! workers run the handler in the background, retrying failures with back-off.
//! The in-memory queue loses what it holds when the process stops, so it needs
//! an explicit opt-in (development only); production uses Redis (docs/queue.md).
//!
//! ```sh
//! WEBHOOK_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw \
//!   cargo run -p hookgate-tower --example queue_mode
//! ```

use std::{net::SocketAddr, time::Duration};

use axum::Router;
use hookgate_tower::hookgate::queue::{MemoryQueue, QueueConfig, Queued};
use hookgate_tower::{queue_route, start_workers, JobEvent, Receiver};

/// Runs in a worker: `Ok` marks the delivery done; `Err` or a panic retries it.
async fn on_job(job: Queued<JobEvent>) -> Result<(), String> {
    let event = &job.event;
    println!(
        "job {} is {} (attempt {})",
        event.job_id, event.status, job.attempt
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let queue = QueueConfig::new(MemoryQueue::new()).allow_volatile(true); // the opt-in
    let receiver = Receiver::builder()
        .secret_from_env("WEBHOOK_SECRET") // unset or malformed: build() says why
        .queue(queue)
        .build()?;
    let workers = start_workers(&receiver, on_job)?;
    // A receiver not in queue mode is refused here (QueueError::NotQueueMode).
    let app = Router::new().route("/webhook/reducto", queue_route(receiver.queue_receiver()?));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:5000").await?;
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    let ctrl_c = async { tokio::signal::ctrl_c().await.unwrap_or_default() };
    axum::serve(listener, app)
        .with_graceful_shutdown(ctrl_c)
        .await?;
    workers.shutdown(Duration::from_secs(10)).await; // running handlers may finish
    Ok(())
}
