//! The harness itself: expectations reject what they should, the vectors load,
//! signing matches the published vectors, a process that refuses to start is
//! reported.

use bytes::Bytes;
use hookgate_conformance::{contract_cases, fault_cases, Expect, Reply, Vectors};

fn reply(status: u16, retry_after: Option<&str>, body: &str) -> Reply {
    Reply {
        status,
        retry_after: retry_after.map(str::to_owned),
        content_type: Some("application/json".to_owned()),
        body: Bytes::from(body.to_owned()),
    }
}

#[test]
fn expectations_catch_differences() {
    let ok = reply(200, None, r#"{"received":true}"#);
    assert!(Expect::processed().check(&ok).is_ok());
    assert!(Expect::duplicate().check(&ok).is_err());
    let dup = reply(200, None, r#"{"received":true,"duplicate":true}"#);
    assert!(Expect::processed().check(&dup).is_err());
    assert!(Expect::duplicate().check(&dup).is_ok());

    let conflict = reply(409, Some("5"), r#"{"error":"busy","code":"in_flight"}"#);
    assert!(Expect::refused(409, "in_flight").check(&conflict).is_ok());
    let no_retry = reply(409, None, r#"{"error":"busy","code":"in_flight"}"#);
    assert!(Expect::refused(409, "in_flight").check(&no_retry).is_err());
    let zero_retry = reply(
        503,
        Some("0"),
        r#"{"error":"down","code":"store_unavailable"}"#,
    );
    assert!(Expect::refused(503, "store_unavailable")
        .check(&zero_retry)
        .is_err());

    let no_message = reply(401, None, r#"{"code":"invalid_signature"}"#);
    assert!(Expect::refused(401, "invalid_signature")
        .check(&no_message)
        .is_err());
    let bad_code = reply(401, None, r#"{"error":"x","code":"Invalid-Signature"}"#);
    assert!(Expect::status(401).check(&bad_code).is_err());
    let mut text = reply(200, None, r#"{"received":true}"#);
    text.content_type = Some("text/plain".to_owned());
    assert!(Expect::processed().check(&text).is_err());
    assert!(Expect::status(200).any_body().check(&text).is_ok());
}

#[test]
fn vectors_load_and_signing_matches_them() {
    let v = Vectors::published().unwrap();
    assert!(v.signed.len() >= 2);
    let first = &v.signed[0];
    let secret = hookgate::Secret::parse(&first.verify_key).unwrap();
    assert_eq!(
        secret.sign(&first.id, first.timestamp, first.body.as_bytes()),
        first.signature
    );
    assert!(!v.rejected_signatures.is_empty());
}

#[test]
fn tables_have_unique_names_and_cover_each_area() {
    let cases = contract_cases().unwrap();
    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "duplicate case names");
    for needle in [
        "svix_valid_then_duplicate",
        "standard_webhooks_headers",
        "rotation_two_secrets_spaces",
        "replay_window_default",
        "concurrent_duplicates",
        "oversized_signed",
        "malformed_payload_signed",
        "missing_secret_exits_2",
        "direct_token",
        "direct_known_jobs",
        "trusted_proxy_forwarded_for",
        "untrusted_forwarded_for_ignored",
        "events_limit",
        "healthz",
        "two_replicas_share_redis",
        "redis_down_fails_closed",
    ] {
        assert!(names.contains(&needle), "missing case {needle}");
    }
    assert!(fault_cases().len() >= 10);
}

#[tokio::test]
async fn a_binary_that_does_not_listen_is_reported() {
    // `true` exits at once without printing `listening on`.
    let err = hookgate_conformance::ReceiverProcess::start(std::path::Path::new("true"), &[])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("exited"), "{err}");
}
