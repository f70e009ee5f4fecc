//! The recipe works: a signed delivery through the app, under the recipe's
//! subscriber with an in-memory exporter, exports one `hookgate.delivery`
//! span with hookgate's fields as attributes, and the handler's span as its
//! child.

use hookgate::testing::TestDelivery;
use hookgate_otlp_example::{app, subscriber, tracer_provider};
use hookgate_tower::Receiver;
use opentelemetry::Value;
use opentelemetry_sdk::trace::InMemorySpanExporter;
use tower::ServiceExt as _;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

#[tokio::test]
async fn the_delivery_span_is_exported_with_its_fields_and_the_handler_under_it() {
    let exporter = InMemorySpanExporter::default();
    let provider = tracer_provider(exporter.clone());
    let _default = tracing::subscriber::set_default(subscriber(&provider, "info"));

    let receiver = Receiver::builder().secret(SECRET).build().unwrap();
    let built = TestDelivery::signed(SECRET).id("msg_otlp_1").build();
    let mut request = axum::http::Request::post("/webhook/reducto");
    for (name, value) in &built.headers {
        request = request.header(*name, value);
    }
    let request = request.body(axum::body::Body::from(built.body)).unwrap();
    let response = app(receiver).oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);

    provider.force_flush().unwrap();
    let spans = exporter.get_finished_spans().unwrap();
    let delivery = spans
        .iter()
        .find(|s| s.name == "hookgate.delivery")
        .unwrap_or_else(|| {
            panic!(
                "no delivery span among {:?}",
                spans.iter().map(|s| &s.name).collect::<Vec<_>>()
            )
        });
    let attribute = |key: &str| {
        delivery
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.clone())
    };
    assert_eq!(attribute("message_id"), Some(Value::from("msg_otlp_1")));
    assert_eq!(attribute("mode"), Some(Value::from("signed")));
    assert_eq!(attribute("framework"), Some(Value::from("axum")));
    assert_eq!(attribute("outcome"), Some(Value::from("processed")));
    assert_eq!(attribute("status"), Some(Value::I64(200)));
    // (`store_ms` and `settle_ms` time an external store; this receiver
    // keeps its claims in the built-in in-memory one.)
    for duration in ["verify_ms", "handler_ms"] {
        assert!(
            matches!(attribute(duration), Some(Value::F64(ms)) if ms >= 0.0),
            "{duration}: {:?}",
            attribute(duration)
        );
    }
    let handler = spans
        .iter()
        .find(|s| s.name == "handle_job")
        .expect("the handler's span is exported");
    assert_eq!(handler.parent_span_id, delivery.span_context.span_id());
    assert_eq!(
        handler.span_context.trace_id(),
        delivery.span_context.trace_id()
    );
}
