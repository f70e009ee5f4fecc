//! Unit tests of `entry`.

use super::*;
use crate::signature::HeaderFamily;

fn signed() -> Delivery {
    signed_as("msg_1", 1_700_000_000, "10.0.0.7")
}

fn signed_as(id: &str, timestamp: i64, client: &str) -> Delivery {
    Delivery::new(Facts {
        body: Bytes::from_static(b"{\"status\":\"Completed\",\n\"job_id\":\"j\"}"),
        mode: Mode::Signed,
        other: None,
        family: Some(HeaderFamily::StandardWebhooks),
        message_id: Some(id.to_owned()),
        timestamp: Some(timestamp),
        job_id: None,
        status: None,
        client_addr: Some(client.parse().unwrap()),
        redact_field: None,
    })
}

#[test]
fn byte_form_round_trips_every_fact() {
    let entry = QueueEntry::new("hookgate:msg:msg_1", signed())
        .with_failure(2, "boom \"quoted\"\n")
        .forgetting_job(Some("job_9".to_owned()));
    let back = QueueEntry::from_bytes(entry.to_bytes().into()).unwrap();
    assert_eq!(back.key(), "hookgate:msg:msg_1");
    assert_eq!(back.attempts(), 2);
    assert_eq!(back.last_error(), Some("boom \"quoted\"\n"));
    assert_eq!(back.forget_job(), Some("job_9"));
    assert_eq!(back.received_at(), entry.received_at());
    let d = back.delivery();
    assert_eq!(d.body(), signed().body());
    assert_eq!(d.mode(), Mode::Signed);
    assert_eq!(d.header_family(), Some(HeaderFamily::StandardWebhooks));
    assert_eq!(d.message_id(), Some("msg_1"));
    assert_eq!(d.timestamp(), Some(1_700_000_000));
    assert_eq!(d.client_addr(), Some("10.0.0.7".parse().unwrap()));
    let requeued = QueueEntry::from_bytes(back.requeued().to_bytes().into()).unwrap();
    assert_eq!(requeued.attempts(), 2);
    assert_eq!(requeued.attempts_before_requeue(), 2);
    assert!(back.requeued().last_error().is_some());
}

#[test]
fn direct_entries_keep_the_field_to_redact() {
    let d = Delivery::new(Facts {
        body: Bytes::from_static(
            br#"{"status":"Failed","job_id":"j1","metadata":{"webhook_secret":"t0k"}}"#,
        ),
        mode: Mode::Direct,
        other: None,
        family: None,
        message_id: None,
        timestamp: None,
        job_id: Some("j1".to_owned()),
        status: Some("Failed".to_owned()),
        client_addr: None,
        redact_field: Some("webhook_secret".into()),
    });
    let back = QueueEntry::from_bytes(QueueEntry::new("k", d).to_bytes().into()).unwrap();
    let event: serde_json::Value = back.delivery().event().unwrap();
    assert_eq!(event["metadata"], serde_json::json!({}));
    assert_eq!(back.delivery().status(), Some("Failed"));
}

#[test]
fn foreign_bytes_are_refused_with_a_reason() {
    let good = QueueEntry::new("hookgate:msg:msg_1", signed())
        .with_failure(1, "e")
        .to_bytes();
    // Every cut inside the header is refused (a cut in the body is just a
    // shorter body, which the checksum-free format cannot tell).
    let header_len = good.len() - signed().body().len();
    for cut in 0..header_len {
        let err = QueueEntry::from_bytes(Bytes::copy_from_slice(&good[..cut]));
        assert!(err.is_err(), "cut at {cut}");
    }
    for (bad, why) in [
        (&b"no newline"[..], "format tag"),
        (b"{\"k\":\"a\",\"m\":\"s\",\"r\":1}\nx", "format tag"),
        (b"\xB1\x00\xE0", "unknown flags"),
        (b"\xB1\x06\x00", "header family"),
        (b"\xB1\x10\x00\x01\x00\x00\x01k", "message id flag"),
        (b"\xB1\x18\x00\x01\x00\x00\x01k\x05", "longer than its key"),
        (b"\xB1\x00\x00\x01\x00\x00\x02\xff\xfe", "not UTF-8"),
        (
            b"\xB1\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
            "64 bits",
        ),
    ] {
        let err = QueueEntry::from_bytes(Bytes::copy_from_slice(bad)).unwrap_err();
        assert!(err.to_string().contains(why), "{err} (wanted {why:?})");
    }
}

#[test]
fn a_signed_entry_costs_about_sixty_bytes_over_its_body() {
    let id = "msg_2aa7c0d1e5f4a9b8c7d6e5f4a3b"; // a Svix-length id (31)
    let key = format!("hookgate:msg:{id}");
    let entry = QueueEntry::new(key.as_str(), signed_as(id, 1_700_000_000, "10.0.0.7"));
    let overhead = entry.to_bytes().len() - entry.delivery().body().len();
    // Tag and flags 3, received-at 6, attempts 2, key 1 + 44, id length 1,
    // timestamp 5, client address 4.
    assert!(overhead <= 66, "{overhead} bytes of header");
    let back = QueueEntry::from_bytes(entry.to_bytes().into()).unwrap();
    assert_eq!(back.delivery().message_id(), Some(id));
}

#[test]
fn a_message_id_that_is_not_the_keys_end_is_stored_whole() {
    for (key, id) in [("p:msg:a%3Ab", "a:b"), ("k", "k"), ("é", "\u{301}")] {
        let d = signed_as(id, -5, "2001:db8::1");
        let back = QueueEntry::from_bytes(QueueEntry::new(key, d).to_bytes().into()).unwrap();
        assert_eq!(back.key(), key);
        assert_eq!(back.delivery().message_id(), Some(id));
        assert_eq!(back.delivery().timestamp(), Some(-5));
        assert_eq!(
            back.delivery().client_addr(),
            Some("2001:db8::1".parse().unwrap())
        );
    }
}
