//! Issue 16: each example receiver's `GET /metrics` (Prometheus text format)
//! counts a signed delivery, its duplicate and a forged one by outcome, and
//! `LOG_FORMAT=json` logs one JSON object per line carrying the delivery span.

use std::path::Path;

use hookgate_conformance::{client, unique_id, ReceiverProcess, Req, Sign};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const FORGER: &str = "whsec_dGhpcyBpcyBhbm90aGVyIHNlY3JldCBrZXkh";

/// The value of the `hookgate_deliveries_total` sample with these labels.
fn deliveries(text: &str, outcome: &str, mode: &str) -> Option<f64> {
    text.lines()
        .filter(|l| l.starts_with("hookgate_deliveries_total{"))
        .find(|l| {
            l.contains(&format!("outcome=\"{outcome}\"")) && l.contains(&format!("mode=\"{mode}\""))
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

async fn scrape_after_three_deliveries(bin: &Path) {
    let env = vec![
        ("WEBHOOK_SECRET".to_owned(), SECRET.to_owned()),
        ("LOG_FORMAT".to_owned(), "json".to_owned()),
        ("RUST_LOG".to_owned(), "info".to_owned()),
    ];
    let process = ReceiverProcess::start(bin, &env).await.unwrap();
    let base = process.base_url();
    let http = client();
    let id = unique_id("metrics");
    let event = || Req::job_event("job_metrics", "Completed", serde_json::json!({}));

    let first = event()
        .signed(Sign::svix(&id, SECRET))
        .send(&http, &base)
        .await
        .unwrap();
    assert_eq!(first.status, 200, "the signed delivery: {}", first.text());
    let again = event()
        .signed(Sign::svix(&id, SECRET))
        .send(&http, &base)
        .await
        .unwrap();
    assert_eq!(again.status, 200, "the duplicate: {}", again.text());
    assert!(again.text().contains("duplicate"), "{}", again.text());
    let forged = event()
        .signed(Sign::svix(unique_id("forged"), FORGER))
        .send(&http, &base)
        .await
        .unwrap();
    assert_eq!(forged.status, 401);

    let scraped = Req::get("/metrics").send(&http, &base).await.unwrap();
    assert_eq!(scraped.status, 200);
    assert!(
        scraped
            .content_type
            .as_deref()
            .is_some_and(|v| v.starts_with("text/plain")),
        "content type: {:?}",
        scraped.content_type
    );
    let text = scraped.text();
    for outcome in ["processed", "duplicate", "invalid_signature"] {
        assert_eq!(
            deliveries(&text, outcome, "signed"),
            Some(1.0),
            "{}: `{outcome}` once in GET /metrics:\n{text}",
            bin.display()
        );
    }
    assert!(
        text.contains("# HELP hookgate_deliveries_total"),
        "described:\n{text}"
    );
    assert!(
        text.contains("hookgate_verify_duration_seconds_bucket"),
        "buckets:\n{text}"
    );
    assert!(
        text.contains("hookgate_handler_duration_seconds_count 1"),
        "one handler run:\n{text}"
    );

    // LOG_FORMAT=json: the refusal's line is JSON and names its span; the
    // handler's own line carries the delivery span and its message id.
    let lines = |stderr: &str| -> Vec<serde_json::Value> {
        stderr
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    };
    let in_span_of = |v: &serde_json::Value| {
        v["spans"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s["message_id"] == id.as_str()))
    };
    let refused = |v: &serde_json::Value| v["fields"]["message"] == "hookgate: delivery refused";
    let mut stderr = process.stderr();
    for _ in 0..50 {
        let logged = lines(&stderr);
        if logged.iter().any(refused) && logged.iter().any(in_span_of) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        stderr = process.stderr();
    }
    let logged = lines(&stderr);
    let refusal = logged
        .iter()
        .find(|v| refused(v))
        .unwrap_or_else(|| panic!("no JSON refusal line in:\n{stderr}"));
    assert_eq!(refusal["fields"]["code"], "invalid_signature", "{refusal}");
    assert_eq!(refusal["span"]["name"], "hookgate.delivery", "{refusal}");
    let handled = logged
        .iter()
        .find(|v| in_span_of(v) && v["fields"]["message"] == "job event")
        .unwrap_or_else(|| panic!("no handler line inside the span of {id} in:\n{stderr}"));
    assert_eq!(
        handled["spans"][0]["name"], "hookgate.delivery",
        "{handled}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_receiver_serves_metrics_by_outcome() {
    scrape_after_three_deliveries(Path::new(env!("CARGO_BIN_EXE_axum-receiver"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actix_receiver_serves_metrics_by_outcome() {
    scrape_after_three_deliveries(Path::new(env!("CARGO_BIN_EXE_actix-receiver"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rocket_receiver_serves_metrics_by_outcome() {
    scrape_after_three_deliveries(Path::new(env!("CARGO_BIN_EXE_rocket-receiver"))).await;
}
