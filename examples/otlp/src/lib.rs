//! hookgate's `hookgate.delivery` span exported over OpenTelemetry: a
//! `tracing` subscriber with a `tracing-opentelemetry` layer, and an axum
//! receiver behind `hookgate-tower`. The library itself has no OpenTelemetry
//! dependency; this crate is where the recipe compiles (see
//! `docs/observability.md`).

use axum::routing::post;
use axum::{Json, Router};
use hookgate_tower::{JobEvent, Receiver, Webhook, WebhookLayer};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanExporter};
use opentelemetry_sdk::Resource;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::Registry;

/// The service name the spans are exported under.
pub const SERVICE_NAME: &str = "hookgate-otlp-example";

/// A tracer provider exporting through `exporter` (OTLP in `main`, in memory
/// in the tests) in batches, from a thread of its own.
pub fn tracer_provider<E: SpanExporter + 'static>(exporter: E) -> SdkTracerProvider {
    SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(Resource::builder().with_service_name(SERVICE_NAME).build())
        .build()
}

/// The subscriber: `RUST_LOG`-style filter (default `info`, which lets the
/// `INFO` delivery span through), readable logs on stderr, and every span
/// to OpenTelemetry through `provider`.
pub fn subscriber(
    provider: &SdkTracerProvider,
    filter: &str,
) -> impl tracing::Subscriber + Send + Sync {
    Registry::default()
        .with(tracing_subscriber::EnvFilter::new(filter))
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("hookgate")))
}

/// `POST /webhook/reducto`: its span is a child of `hookgate.delivery`, so it
/// is exported under the delivery with its message id.
#[tracing::instrument(name = "handle_job", skip_all, fields(job = %event.job_id))]
async fn on_event(event: Webhook<JobEvent>) -> Json<serde_json::Value> {
    tracing::info!(status = %event.status, "job event");
    Json(serde_json::json!({ "received": true }))
}

/// The app: one protected route.
pub fn app(receiver: Receiver) -> Router {
    Router::new()
        .route("/webhook/reducto", post(on_event))
        .layer(WebhookLayer::new(receiver))
}
