//! `hookgate verify`: each diagnosis, with the input that causes it. Exit 0
//! for a valid delivery, 1 for an invalid one.

mod support;

use hookgate::testing::TestDelivery;
use hookgate::Secret;
use support::{hookgate, temp_file, OTHER_SECRET, SECRET};

const NOW: i64 = 1_700_000_000;
const BODY: &str = r#"{"status":"Completed","job_id":"j1"}"#;

/// `hookgate verify --json` with `secret`, `headers`, `body` at [`NOW`]:
/// exit code and finding codes.
fn verify(secret: &str, headers: &[(&str, &str)], body: &str) -> (i32, Vec<String>, String) {
    let now = NOW.to_string();
    let mut args = vec![
        "verify", "--json", "--secret", secret, "--now", &now, "--body", body,
    ];
    let lines: Vec<String> = headers.iter().map(|(n, v)| format!("{n}: {v}")).collect();
    for line in &lines {
        args.extend(["--header", line]);
    }
    let run = hookgate(&args);
    let v: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", run.stdout, run.stderr));
    let codes = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect();
    (run.code.unwrap(), codes, run.stdout)
}

fn signed_at(ts: i64, body: &str) -> Vec<(&'static str, String)> {
    TestDelivery::signed(SECRET)
        .id("msg_1")
        .at(ts)
        .body(body.to_owned())
        .build()
        .headers
        .into_iter()
        .filter(|(n, _)| n.starts_with("svix-"))
        .collect()
}

fn refs<'a>(h: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    h.iter().map(|(n, v)| (*n, v.as_str())).collect()
}

#[test]
fn valid() {
    let h = signed_at(NOW, BODY);
    let (code, findings, _) = verify(SECRET, &refs(&h), BODY);
    assert_eq!((code, findings), (0, vec!["valid".to_owned()]));
}

#[test]
fn wrong_secret() {
    let h = signed_at(NOW, BODY);
    let (code, findings, out) = verify(OTHER_SECRET, &refs(&h), BODY);
    assert_eq!(
        (code, findings),
        (1, vec!["wrong_secret".to_owned()]),
        "{out}"
    );
    assert!(!out.contains(OTHER_SECRET), "the secret is never echoed");
}

#[test]
fn secret_with_stray_whitespace() {
    let h = signed_at(NOW, BODY);
    let (code, findings, _) = verify(&format!("{SECRET}\n"), &refs(&h), BODY);
    // Still valid (the key is trimmed), but the paste mistake is named.
    assert_eq!(code, 0);
    assert_eq!(findings, ["valid", "secret_whitespace"]);
}

#[test]
fn secret_without_whsec_prefix() {
    let h = signed_at(NOW, BODY);
    let bare = SECRET.strip_prefix("whsec_").unwrap();
    let (code, findings, _) = verify(bare, &refs(&h), BODY);
    assert_eq!(
        (code, findings),
        (
            0,
            vec!["valid".to_owned(), "secret_without_prefix".to_owned()]
        )
    );
}

#[test]
fn sender_used_the_secret_text_as_key() {
    let text_key = Secret::from_bytes(SECRET.as_bytes()).unwrap();
    let sig = text_key.sign("msg_1", NOW, BODY.as_bytes());
    let now = NOW.to_string();
    let h = [
        ("svix-id", "msg_1"),
        ("svix-timestamp", now.as_str()),
        ("svix-signature", sig.as_str()),
    ];
    let (code, findings, _) = verify(SECRET, &h, BODY);
    assert_eq!(
        (code, findings),
        (1, vec!["secret_used_as_text".to_owned()])
    );
}

#[test]
fn timestamp_outside_the_window_by_how_much() {
    let old = signed_at(NOW - 3600, BODY);
    let (code, findings, out) = verify(SECRET, &refs(&old), BODY);
    assert_eq!(code, 1);
    assert_eq!(findings, ["valid", "timestamp_too_old"]);
    assert!(
        out.contains("3600 s old, 3300 s outside the 300 s window"),
        "{out}"
    );

    let ahead = signed_at(NOW + 400, BODY);
    let (code, findings, out) = verify(SECRET, &refs(&ahead), BODY);
    assert_eq!(
        (code, findings),
        (1, vec!["valid".to_owned(), "timestamp_too_new".to_owned()])
    );
    assert!(out.contains("400 s in the future, 100 s outside"), "{out}");
}

#[test]
fn body_re_serialized() {
    let sent = r#"{"a": 1, "b": [true, null]}"#;
    let h = signed_at(NOW, sent);
    let (code, findings, out) = verify(SECRET, &refs(&h), r#"{"a":1,"b":[true,null]}"#);
    assert_eq!(
        (code, findings),
        (1, vec!["body_reserialized".to_owned()]),
        "{out}"
    );

    let pretty = serde_json::to_string_pretty(&serde_json::json!({"a": 1})).unwrap();
    let h = signed_at(NOW, r#"{"a":1}"#);
    let (_, findings, _) = verify(SECRET, &refs(&h), &pretty);
    assert_eq!(findings, ["body_reserialized"]);

    let h = signed_at(NOW, BODY);
    let (_, findings, out) = verify(SECRET, &refs(&h), &format!("{BODY}\n"));
    assert_eq!(findings, ["body_reserialized"]);
    assert!(out.contains("without its trailing newline"), "{out}");
}

#[test]
fn mixed_header_families() {
    let h = signed_at(NOW, BODY);
    let mut h = refs(&h);
    h[1].0 = "webhook-timestamp";
    let (code, findings, out) = verify(SECRET, &h, BODY);
    assert_eq!(
        (code, findings),
        (1, vec!["mixed_header_families".to_owned()])
    );
    assert!(out.contains("webhook-timestamp"), "{out}");
}

#[test]
fn malformed_and_unknown_entries() {
    let h = signed_at(NOW, BODY);
    let good = h[2].1.clone();
    let header = format!("v1 v1,%%% v1,AAAA v2,abc {good}");
    let mut h = refs(&h);
    h[2].1 = &header;
    let (code, findings, out) = verify(SECRET, &h, BODY);
    assert_eq!(code, 0, "the good entry still verifies: {out}");
    assert_eq!(
        findings,
        [
            "valid",
            "malformed_entry",
            "malformed_entry",
            "malformed_entry",
            "unknown_version"
        ]
    );
    assert!(out.contains("no `,` between"), "{out}");
    assert!(out.contains("not base64"), "{out}");
    assert!(out.contains("decodes to 3 bytes, 32 expected"), "{out}");

    let now = NOW.to_string();
    let only_bad = [
        ("svix-id", "msg_1"),
        ("svix-timestamp", now.as_str()),
        ("svix-signature", "v1,AAAA"),
    ];
    let (code, findings, _) = verify(SECRET, &only_bad, BODY);
    assert_eq!(
        (code, findings),
        (
            1,
            vec!["no_entry_for_keys".to_owned(), "malformed_entry".to_owned()]
        )
    );
}

#[test]
fn missing_and_invalid_headers() {
    let now = NOW.to_string();
    let (code, findings, _) = verify(SECRET, &[("svix-id", "m"), ("svix-timestamp", &now)], BODY);
    assert_eq!((code, findings), (1, vec!["missing_header".to_owned()]));
    let (_, findings, _) = verify(SECRET, &[], BODY);
    assert_eq!(findings, ["no_signature_headers"]);
    let (_, findings, _) = verify(
        SECRET,
        &[
            ("svix-id", "m"),
            ("svix-timestamp", "yesterday"),
            ("svix-signature", "v1,x"),
        ],
        BODY,
    );
    assert_eq!(findings, ["invalid_timestamp"]);
}

#[test]
fn v1a_entries_for_an_hmac_secret() {
    let sk = "whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==";
    let d = TestDelivery::signed(sk).id("m").at(NOW).body(BODY).build();
    let h: Vec<(&str, &str)> = d
        .headers
        .iter()
        .skip(1)
        .map(|(n, v)| (*n, v.as_str()))
        .collect();
    let (code, findings, _) = verify(SECRET, &h, BODY);
    assert_eq!((code, findings), (1, vec!["no_entry_for_keys".to_owned()]));
    let (code, _, _) = verify(
        "whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=",
        &h,
        BODY,
    );
    assert_eq!(code, 0);
}

#[test]
fn a_raw_http_request_file() {
    let h = signed_at(NOW, BODY);
    let mut raw = String::from("POST /webhook/reducto HTTP/1.1\r\nHost: x\r\n");
    for (n, v) in &h {
        raw.push_str(&format!("{n}: {v}\r\n"));
    }
    raw.push_str(&format!("Content-Length: {}\r\n\r\n{BODY}", BODY.len()));
    let file = temp_file("request.http");
    std::fs::write(&file, raw).unwrap();
    let now = NOW.to_string();
    let run = hookgate(&[
        "verify",
        "--secret",
        SECRET,
        "--now",
        &now,
        "--request",
        file.to_str().unwrap(),
    ]);
    assert!(run.expect(0).starts_with("valid\n"), "{}", run.stdout);
}

#[test]
fn invalid_message_id() {
    let now = NOW.to_string();
    let secret = Secret::parse(SECRET).unwrap();
    // A space is not visible ASCII; 257 bytes is one over the limit.
    for id in ["msg 1".to_owned(), "m".repeat(257)] {
        let sig = secret.sign(&id, NOW, BODY.as_bytes());
        let h = [
            ("svix-id", id.as_str()),
            ("svix-timestamp", now.as_str()),
            ("svix-signature", sig.as_str()),
        ];
        let (code, findings, out) = verify(SECRET, &h, BODY);
        assert_eq!(
            (code, findings),
            (1, vec!["invalid_message_id".to_owned()]),
            "{out}"
        );
        assert!(
            out.contains("longer than 256 bytes, or not visible ASCII"),
            "{out}"
        );
    }
}

#[test]
fn too_many_entries() {
    let h = signed_at(NOW, BODY);
    let good = h[2].1.clone();
    let junk = "v1,AAAA ".repeat(16);

    // The good entry is the 17th: past the 16 a receiver reads.
    let last = format!("{junk}{good}");
    let mut h = refs(&h);
    h[2].1 = &last;
    let (code, findings, out) = verify(SECRET, &h, BODY);
    let mut expected = vec![
        "no_entry_for_keys".to_owned(),
        "too_many_entries".to_owned(),
    ];
    expected.extend(std::iter::repeat_n("malformed_entry".to_owned(), 16));
    assert_eq!((code, findings), (1, expected), "{out}");
    assert!(
        out.contains("17 signature entries; only the first 16 are read"),
        "{out}"
    );

    // First, it is read and verifies; the surplus is still named.
    let first = format!("{good} {junk}");
    h[2].1 = &first;
    let (code, findings, out) = verify(SECRET, &h, BODY);
    assert_eq!(code, 0, "{out}");
    assert_eq!(findings[..2], ["valid", "too_many_entries"], "{out}");
}

/// `sign --scheme X` then `verify --scheme X`: valid with the secret, and
/// refused (exit 1, the refusal's code) with another or without a header.
#[test]
fn github_and_stripe_deliveries_verify_and_say_why_not() {
    let body = r#"{"id":"evt_1","type":"invoice.paid"}"#;
    for (scheme, secret) in [("github", "gh-secret"), ("stripe", "whsec_endpoint")] {
        let signed = hookgate(&[
            "sign", "--scheme", scheme, "--secret", secret, "--body", body,
        ]);
        let mut headers: Vec<String> = Vec::new();
        for line in signed.expect(0).lines() {
            headers.extend(["-H".to_owned(), line.to_owned()]);
        }
        let verify = |secret: &str, skip: Option<&str>| {
            let mut args = vec![
                "verify", "--scheme", scheme, "--secret", secret, "--body", body, "--json",
            ];
            for pair in headers.chunks(2) {
                if skip.is_some_and(|s| pair[1].to_ascii_lowercase().starts_with(s)) {
                    continue;
                }
                args.extend([pair[0].as_str(), pair[1].as_str()]);
            }
            hookgate(&args)
        };
        let ok = verify(secret, None);
        let v: serde_json::Value = serde_json::from_str(ok.expect(0)).unwrap();
        assert_eq!(v["valid"], true, "{scheme}");
        if scheme == "stripe" {
            assert_eq!(v["id"], "evt_1");
        }
        let wrong = verify("another-secret", None);
        let v: serde_json::Value = serde_json::from_str(wrong.expect(1)).unwrap();
        assert_eq!(v["findings"][0]["code"], "invalid_signature", "{scheme}");
        let signature = if scheme == "github" {
            "x-hub-signature-256"
        } else {
            "stripe-signature"
        };
        let missing = verify(secret, Some(signature));
        let v: serde_json::Value = serde_json::from_str(missing.expect(1)).unwrap();
        assert_eq!(v["findings"][0]["code"], "missing_signature", "{scheme}");
    }
}
