//! Grouped configuration loaded with serde: every group reaches the
//! receiver, durations read as text, unknown fields and bad values are
//! refused, and nothing secret is shown.

use std::time::Duration;

use hookgate::{BuildError, Mode, Receiver, ReceiverConfig};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn parse(json: &str) -> ReceiverConfig {
    serde_json::from_str(json).expect("a valid configuration")
}

#[test]
fn every_group_reaches_the_receiver() {
    let config = parse(&format!(
        r#"{{
            "secrets": ["{SECRET}"],
            "limits": {{ "max_body_bytes": 4096 }},
            "timeouts": {{
                "tolerance_past": "10m", "tolerance_future": "30s",
                "in_flight_ttl": "40s", "done_ttl": "30h", "store_deadline": "250ms",
                "handler_deadline": "12s", "retry_after": "9s"
            }},
            "networks": {{ "trusted_proxies": ["10.0.0.0/8", "192.0.2.1"], "allowed_sources": ["203.0.113.0/24"] }},
            "key_prefix": "app1:",
            "fail_open": true
        }}"#
    ));
    assert_eq!(
        config.timeouts.handler_deadline,
        Some(Duration::from_secs(12))
    );
    assert_eq!(
        config.timeouts.store_deadline,
        Some(Duration::from_millis(250))
    );
    let receiver = Receiver::builder().config(config).build().unwrap();
    assert_eq!(receiver.max_body_bytes(), 4096);
    assert_eq!(receiver.handler_deadline(), Duration::from_secs(12));
    assert_eq!(receiver.mode(), Mode::Signed);
}

#[test]
fn left_out_settings_keep_the_builders() {
    let receiver = Receiver::builder()
        .max_body_bytes(1000)
        .config(parse(&format!(r#"{{ "secrets": ["{SECRET}"] }}"#)))
        .build()
        .unwrap();
    assert_eq!(receiver.max_body_bytes(), 1000);
    assert_eq!(receiver.handler_deadline(), Duration::from_secs(25));
}

#[test]
fn direct_mode_from_configuration() {
    let config = parse(
        r#"{ "direct": { "token": "a-long-random-value", "known_jobs": true, "job_ttl": "2h" } }"#,
    );
    let receiver = Receiver::builder().config(config).build().unwrap();
    assert_eq!(receiver.mode(), Mode::Direct);
}

#[test]
fn unknown_fields_and_bad_durations_are_refused_when_loading() {
    for bad in [
        r#"{ "secret": ["x"] }"#,
        r#"{ "timeouts": { "handler_deadline": "soon" } }"#,
        r#"{ "timeouts": { "handler_deadlin": "5s" } }"#,
        r#"{ "limits": { "max_body_bytes": -1 } }"#,
    ] {
        assert!(
            serde_json::from_str::<ReceiverConfig>(bad).is_err(),
            "{bad} was accepted"
        );
    }
}

#[test]
fn build_still_reports_every_mistake() {
    let config = parse(&format!(
        r#"{{ "secrets": ["{SECRET}"], "networks": {{ "trusted_proxies": ["10.0.0.0/33"] }} }}"#
    ));
    let err = Receiver::builder().config(config).build().unwrap_err();
    assert!(
        matches!(
            err,
            BuildError::Network {
                list: "trusted proxies",
                ..
            }
        ),
        "{err:?}"
    );
    let config = parse(&format!(
        r#"{{ "secrets": ["{SECRET}"], "timeouts": {{ "handler_deadline": "40s" }} }}"#
    ));
    assert!(Receiver::builder().config(config).build().is_err());
    let config = parse(r#"{ "secrets": ["whsec_abcde"] }"#);
    assert!(matches!(
        Receiver::builder().config(config).build(),
        Err(BuildError::Secret(_))
    ));
}

#[test]
fn debug_shows_no_secret_and_no_token() {
    let config = parse(&format!(
        r#"{{ "secrets": ["{SECRET}"], "direct": {{ "token": "tok-12345" }} }}"#
    ));
    let shown = format!("{config:?}");
    assert!(!shown.contains(&SECRET[6..]), "{shown}");
    assert!(!shown.contains("tok-12345"), "{shown}");
}
