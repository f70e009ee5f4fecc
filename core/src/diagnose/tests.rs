//! Unit tests of `diagnose`.

use super::*;
use crate::headers::HeaderList;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn signed(body: &[u8], ts: i64) -> HeaderList {
    let sig = Secret::parse(SECRET).unwrap().sign("msg_1", ts, body);
    HeaderList::new()
        .with("svix-id", "msg_1")
        .with("svix-timestamp", ts.to_string())
        .with("svix-signature", sig)
}

fn run(keys: &str, headers: &HeaderList, body: &[u8], now: i64) -> Diagnosis {
    diagnose_text(keys, headers, body, now, Tolerance::default()).unwrap()
}

#[test]
fn valid_delivery() {
    let d = run(SECRET, &signed(b"{}", 100), b"{}", 100);
    assert!(d.is_valid(), "{d}");
    assert_eq!(
        d.to_string(),
        "valid\n  - a v1 signature (svix-* headers) matches key #1"
    );
}

#[test]
fn stale_but_signed_says_by_how_much() {
    let d = run(SECRET, &signed(b"{}", 100), b"{}", 100 + 3600);
    assert!(!d.is_valid());
    assert!(d.findings().contains(&Finding::TimestampTooOld {
        age_secs: 3600,
        tolerance_secs: 300
    }));
    assert!(
        d.to_string().contains("3300 s outside the 300 s window"),
        "{d}"
    );
}

// Issue 20 item 6: a millisecond timestamp is named as such; a timestamp
// merely ahead is not.
#[test]
fn a_millisecond_timestamp_gets_the_hint() {
    let now = 1_700_000_000;
    let d = run(SECRET, &signed(b"{}", now * 1000 + 123), b"{}", now);
    assert!(
        d.findings().iter().any(|f| matches!(
            f,
            Finding::TimestampTooNew {
                looks_like_milliseconds: true,
                ..
            }
        )),
        "{d}"
    );
    assert!(
        d.to_string()
            .contains("looks like milliseconds since 1970, but the timestamp header is in seconds"),
        "{d}"
    );
    let d = run(SECRET, &signed(b"{}", now + 3600), b"{}", now);
    assert!(d.findings().contains(&Finding::TimestampTooNew {
        ahead_secs: 3600,
        tolerance_secs: 300,
        looks_like_milliseconds: false,
    }));
    assert!(!d.to_string().contains("milliseconds"), "{d}");
    assert!(d.to_string().contains("clock is off"), "{d}");
}

#[test]
fn python_style_reserialization_is_recognised() {
    let sent = br#"{"a": 1, "b": [1, 2]}"#;
    let got = br#"{"a":1,"b":[1,2]}"#;
    let d = run(SECRET, &signed(sent, 5), got, 5);
    assert!(
        matches!(d.findings()[0], Finding::BodyReserialized { .. }),
        "{d}"
    );
}

#[test]
fn the_secret_text_as_key() {
    let text_key = Secret::from_bytes(SECRET.as_bytes()).unwrap();
    let h = HeaderList::new()
        .with("svix-id", "m")
        .with("svix-timestamp", "5")
        .with("svix-signature", text_key.sign("m", 5, b"{}"));
    let d = run(SECRET, &h, b"{}", 5);
    assert_eq!(d.findings(), &[Finding::SecretUsedAsText { key: 0 }]);
}

#[test]
fn whitespace_points_at_the_key() {
    assert_eq!(whitespace_key("a\n"), 0);
    assert_eq!(whitespace_key("a b\n"), 1);
    assert_eq!(whitespace_key("a\nb"), 0);
}
