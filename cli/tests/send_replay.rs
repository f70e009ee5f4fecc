//! `hookgate send` and `hookgate replay` against the example axum receiver
//! (and, for retries, a receiver that fails twice then succeeds).

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use serde_json::Value;
use support::{axum_receiver, hookgate_async, temp_file, OTHER_SECRET, SECRET};

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// `hookgate --json ARGS`: exit code and the JSON report.
async fn send_json(list: &[&str]) -> (i32, Value) {
    let mut all = vec!["--json"];
    all.extend_from_slice(list);
    let run = hookgate_async(args(&all)).await;
    let v = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", run.stdout, run.stderr));
    (run.code.unwrap(), v)
}

/// What the example receiver's handler recorded (`GET /events`).
async fn events(base_url: &str) -> Vec<Value> {
    let events: Value = reqwest::get(format!("{base_url}/events"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    events.as_array().cloned().unwrap_or_default()
}

/// The report's `(status, code, count)` rows.
fn answers(report: &Value) -> Vec<(String, String, u64)> {
    report["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["status"].as_str().unwrap().to_owned(),
                a["code"].as_str().unwrap().to_owned(),
                a["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn row(status: &str, code: &str, count: u64) -> (String, String, u64) {
    (status.to_owned(), code.to_owned(), count)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_send_then_duplicate_then_wrong_secret() {
    let receiver = axum_receiver(&[("WEBHOOK_SECRET", SECRET)]).await;
    let url = format!("{}/webhook/reducto", receiver.base_url());
    let id = hookgate_conformance::unique_id("cli");
    let send = [
        "send", &url, "--secret", SECRET, "--id", &id, "--job-id", "job_cli",
    ];

    let (code, first) = send_json(&send).await;
    assert_eq!(code, 0, "{first}");
    assert_eq!(answers(&first), [row("200", "received", 1)]);

    let (code, again) = send_json(&send).await;
    assert_eq!(code, 0, "{again}");
    assert_eq!(answers(&again), [row("200", "duplicate", 1)]);

    let events = events(&receiver.base_url()).await;
    assert_eq!(events.len(), 1, "the handler ran once: {events:?}");

    let wrong = [
        "send",
        &url,
        "--secret",
        OTHER_SECRET,
        "--metadata",
        "user=u1",
    ];
    let (code, refused) = send_json(&wrong).await;
    assert_eq!(code, 1, "{refused}");
    assert_eq!(answers(&refused), [row("401", "invalid_signature", 1)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_output_shows_the_table() {
    let receiver = axum_receiver(&[("WEBHOOK_SECRET", SECRET)]).await;
    let url = format!("{}/webhook/reducto", receiver.base_url());
    let run = hookgate_async(args(&[
        "send",
        &url,
        "--secret",
        SECRET,
        "--duplicates",
        "1",
    ]))
    .await;
    let out = run.expect(0);
    assert!(out.contains("attempt 1  200 received"), "{out}");
    assert!(
        out.contains("(duplicate 1)  attempt 1  200 duplicate"),
        "{out}"
    );
    assert!(out.contains("deliveries 1, requests 2, failed 0"), "{out}");
    assert!(out.contains("latency p50 "), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_with_duplicates_is_deduplicated() {
    let receiver = axum_receiver(&[("WEBHOOK_SECRET", SECRET)]).await;
    let url = format!("{}/webhook/reducto", receiver.base_url());
    let send = [
        "send",
        &url,
        "--secret",
        SECRET,
        "--count",
        "6",
        "--concurrency",
        "3",
        "--duplicates",
        "2",
    ];
    let (code, report) = send_json(&send).await;
    assert_eq!(code, 0, "{report}");
    assert_eq!(
        answers(&report),
        [row("200", "duplicate", 12), row("200", "received", 6)]
    );
    assert_eq!(report["requests"], 18);
    assert!(
        report["latency_ms"]["p99"].as_f64().unwrap()
            >= report["latency_ms"]["p50"].as_f64().unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_from_a_file_with_standard_webhooks_headers() {
    let receiver = axum_receiver(&[("WEBHOOK_SECRET", SECRET)]).await;
    let url = format!("{}/webhook/reducto", receiver.base_url());
    let body = r#"{"status":"Failed","job_id":"job_from_file","metadata":{"source":"file"}}"#;
    let body_file = temp_file("send-body.json");
    std::fs::write(&body_file, body).unwrap();
    let at = format!("@{}", body_file.display());
    let saved = temp_file("send-webhook.jsonl");
    let (code, report) = send_json(&[
        "send",
        &url,
        "--secret",
        SECRET,
        "--body",
        &at,
        "--headers",
        "webhook",
        "--save",
        saved.to_str().unwrap(),
    ])
    .await;
    assert_eq!(code, 0, "{report}");
    assert_eq!(answers(&report), [row("200", "received", 1)]);

    // What went out: the file's bytes, signed under the webhook-* names.
    let line = std::fs::read_to_string(&saved).unwrap();
    let captured: Value = serde_json::from_str(line.trim()).unwrap();
    let headers: Vec<(String, String)> =
        serde_json::from_value(captured["headers"].clone()).unwrap();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {name} in {headers:?}"))
    };
    assert!(
        headers.iter().all(|(n, _)| !n.starts_with("svix-")),
        "{headers:?}"
    );
    let id = header("webhook-id");
    let ts: i64 = header("webhook-timestamp").parse().unwrap();
    assert!(hookgate::signing::KeyRing::parse(SECRET)
        .unwrap()
        .verify_signature(
            &id,
            &ts.to_string(),
            body.as_bytes(),
            header("webhook-signature").as_bytes(),
        ));

    // What the handler got: the file's event, under that message id.
    let events: Value = reqwest::get(format!("{}/events", receiver.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        events,
        serde_json::json!([{"id": id, "job_id": "job_from_file", "status": "Failed", "metadata": {"source": "file"}}])
    );

    let missing = hookgate_async(args(&[
        "send",
        &url,
        "--secret",
        SECRET,
        "--body",
        "@/no/such/file",
    ]))
    .await;
    missing.expect(2);
    assert!(
        missing.stderr.contains("/no/such/file"),
        "{}",
        missing.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_send_with_a_token() {
    let receiver = axum_receiver(&[("WEBHOOK_MODE", "direct"), ("DIRECT_TOKEN", "tok-123")]).await;
    let url = format!("{}/webhook/reducto", receiver.base_url());
    let (code, ok) = send_json(&["send", &url, "--token", "tok-123", "--status", "failed"]).await;
    assert_eq!(code, 0, "{ok}");
    assert_eq!(answers(&ok), [row("200", "received", 1)]);
    let (code, refused) = send_json(&["send", &url, "--token", "wrong"]).await;
    assert_eq!(code, 1, "{refused}");
    assert_eq!(refused["answers"][0]["status"], "401");
}

/// A receiver that answers 500 twice, then 200.
async fn flaky() -> (String, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let app = Router::new().route(
        "/hook",
        post(move || {
            let seen = seen.clone();
            async move {
                if seen.fetch_add(1, Ordering::SeqCst) < 2 {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook"), calls)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_retries_sped_up_make_three_attempts() {
    let (url, calls) = flaky().await;
    let run = hookgate_async(args(&[
        "send",
        &url,
        "--secret",
        SECRET,
        "--retries",
        "direct",
        "--speed",
        "1000",
    ]))
    .await;
    let out = run.expect(0);
    assert!(out.contains("attempt 1  500 -"), "{out}");
    assert!(out.contains("attempt 2  500 -"), "{out}");
    assert!(out.contains("attempt 3  200 received"), "{out}");
    assert!(out.contains("deliveries 1, requests 3, failed 0"), "{out}");
    assert_eq!(calls.load(Ordering::SeqCst), 3);

    let (url, _) = flaky().await;
    let (code, report) = send_json(&["send", &url, "--retries", "none"]).await;
    assert_eq!(code, 1, "no retry: the 500 stands");
    assert_eq!(answers(&report), [row("500", "-", 1)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_deliveries_replay_byte_for_byte_or_re_signed() {
    let receiver = axum_receiver(&[("WEBHOOK_SECRET", SECRET)]).await;
    let url = format!("{}/webhook/reducto", receiver.base_url());
    let file = temp_file("saved.jsonl");
    let path = file.to_str().unwrap();
    let (code, _) = send_json(&[
        "send", &url, "--secret", SECRET, "--count", "2", "--save", path,
    ])
    .await;
    assert_eq!(code, 0);
    assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 2);

    let (code, exact) = send_json(&["replay", "--from", path]).await;
    assert_eq!(code, 0, "{exact}");
    assert_eq!(answers(&exact), [row("200", "duplicate", 2)]);

    let (code, resigned) =
        send_json(&["replay", "--from", path, "--resign", "--secret", SECRET]).await;
    assert_eq!(code, 0, "{resigned}");
    assert_eq!(answers(&resigned), [row("200", "duplicate", 2)]);

    let resign_wrong = [
        "replay",
        "--from",
        path,
        "--resign",
        "--secret",
        OTHER_SECRET,
    ];
    let (code, refused) = send_json(&resign_wrong).await;
    assert_eq!(code, 1);
    assert_eq!(answers(&refused), [row("401", "invalid_signature", 2)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_receiver_is_a_negative_result() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    drop(listener);
    let (code, report) = send_json(&["send", &url, "--secret", SECRET]).await;
    assert_eq!(code, 1);
    assert_eq!(answers(&report), [row("-", "connect", 1)]);
}

/// `send --scheme github|stripe` against the example receiver under the same
/// `WEBHOOK_SCHEME`: processed, then a duplicate (GitHub's delivery id,
/// Stripe's body `id`), then refused with another secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_and_stripe_senders_are_processed_once() {
    for (scheme, secret) in [("github", "gh-secret"), ("stripe", "whsec_stripe_endpoint")] {
        let receiver =
            axum_receiver(&[("WEBHOOK_SCHEME", scheme), ("WEBHOOK_SECRET", secret)]).await;
        let url = format!("{}/webhook/reducto", receiver.base_url());
        let id = hookgate_conformance::unique_id(scheme);
        let send = [
            "send", &url, "--scheme", scheme, "--secret", secret, "--id", &id, "--job-id", "job_p",
        ];
        let (code, first) = send_json(&send).await;
        assert_eq!(code, 0, "{scheme}: {first}");
        assert_eq!(answers(&first), [row("200", "received", 1)], "{scheme}");
        let (code, again) = send_json(&send).await;
        assert_eq!(code, 0, "{scheme}: {again}");
        assert_eq!(answers(&again), [row("200", "duplicate", 1)], "{scheme}");
        let events = events(&receiver.base_url()).await;
        assert_eq!(
            events.len(),
            1,
            "{scheme}: the handler ran once: {events:?}"
        );
        assert_eq!(events[0]["id"], id.as_str(), "{scheme}: the dedupe key");
        let wrong = [
            "send",
            &url,
            "--scheme",
            scheme,
            "--secret",
            "another-secret",
        ];
        let (code, refused) = send_json(&wrong).await;
        assert_eq!(code, 1, "{scheme}: {refused}");
        assert_eq!(
            answers(&refused),
            [row("401", "invalid_signature", 1)],
            "{scheme}"
        );
        // Saved, then re-signed with the same secret (verified, so a
        // duplicate) or another (refused).
        let file = temp_file(&format!("{scheme}.jsonl"));
        let path = file.to_str().unwrap();
        let save = [
            "send", &url, "--scheme", scheme, "--secret", secret, "--id", &id, "--save", path,
        ];
        assert_eq!(send_json(&save).await.0, 0, "{scheme}");
        let (code, resigned) =
            send_json(&["replay", "--from", path, "--resign", "--secret", secret]).await;
        assert_eq!(code, 0, "{scheme}: {resigned}");
        assert_eq!(answers(&resigned), [row("200", "duplicate", 1)], "{scheme}");
        let (code, refused) = send_json(&[
            "replay",
            "--from",
            path,
            "--resign",
            "--secret",
            "another-secret",
        ])
        .await;
        assert_eq!(code, 1, "{scheme}: {refused}");
        assert_eq!(
            answers(&refused),
            [row("401", "invalid_signature", 1)],
            "{scheme}"
        );
    }
}

#[tokio::test]
async fn a_scheme_refuses_what_it_does_not_sign() {
    for (extra, says) in [
        (
            &["--scheme", "github", "--headers", "webhook"][..],
            "--headers",
        ),
        (&["--scheme", "stripe", "--event", "push"][..], "--event"),
        (&["--event", "push"][..], "--event"),
    ] {
        let mut all = vec!["send", "http://127.0.0.1:9/", "--secret", SECRET];
        all.extend_from_slice(extra);
        let out = hookgate_async(args(&all)).await;
        out.expect(2);
        assert!(out.stderr.contains(says), "{extra:?}: {}", out.stderr);
    }
    // A scheme signs: without a secret it is not a direct delivery.
    let out = hookgate_async(args(&["send", "http://127.0.0.1:9/", "--scheme", "github"])).await;
    out.expect(2);
    assert!(out.stderr.contains("--secret"), "{}", out.stderr);
}
