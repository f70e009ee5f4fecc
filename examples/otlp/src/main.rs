//! An axum webhook receiver whose delivery spans go to an OpenTelemetry
//! collector over OTLP (HTTP/protobuf).
//!
//! ```sh
//! WEBHOOK_SECRET=whsec_… OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 \
//!   cargo run -p hookgate-otlp-example
//! ```
//!
//! `BIND` (default `127.0.0.1:5000`) is where it listens; `RUST_LOG` filters
//! (default `info`).

use std::net::SocketAddr;

use hookgate_otlp_example::{app, subscriber, tracer_provider};
use hookgate_tower::Receiver;
use tracing_subscriber::util::SubscriberInitExt as _;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // OTLP over HTTP/protobuf; the endpoint comes from
    // OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT), default
    // http://localhost:4318/v1/traces.
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()?;
    let provider = tracer_provider(exporter);
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned());
    subscriber(&provider, &filter).init();

    let receiver = Receiver::builder()
        .secret_from_env("WEBHOOK_SECRET")
        .build()?;
    let bind: SocketAddr = std::env::var("BIND")
        .unwrap_or_else(|_| "127.0.0.1:5000".to_owned())
        .parse()?;
    let listener = tokio::net::TcpListener::bind(bind).await?;
    println!("listening on {}", listener.local_addr()?);
    axum::serve(
        listener,
        app(receiver).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    // Flush the last batch.
    provider.shutdown()?;
    Ok(())
}
