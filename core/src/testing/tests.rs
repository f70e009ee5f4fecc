//! Unit tests of `testing`.

use super::*;
use crate::secret::KeyRing;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SK: &str =
    "whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==";
const PK: &str = "whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=";

fn verifies(ring: &str, d: &BuiltDelivery, family: HeaderFamily) -> bool {
    let [i, t, s] = family.names();
    KeyRing::parse(ring).unwrap().verify_signature(
        d.header(i).unwrap(),
        d.header(t).unwrap(),
        &d.body,
        d.header(s).unwrap().as_bytes(),
    )
}

#[test]
fn matches_the_published_svix_vector() {
    let d = TestDelivery::signed(SECRET)
        .id("msg_p5jXN8AQM9LWM0D4loKWxJek")
        .at(1614265330)
        .body(&br#"{"test": 2432232314}"#[..])
        .build();
    assert_eq!(
        d.header("svix-signature"),
        Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    );
    assert_eq!(d.header("svix-timestamp"), Some("1614265330"));
}

#[test]
fn v1a_and_rotation_and_standard_names() {
    let other = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    let d = TestDelivery::signed(SK)
        .also_signed_with(other)
        .family(HeaderFamily::StandardWebhooks)
        .build();
    let sig = d.header("webhook-signature").unwrap();
    assert!(sig.starts_with("v1a,") && sig.contains(" v1,"), "{sig}");
    assert!(verifies(PK, &d, HeaderFamily::StandardWebhooks));
    assert!(verifies(other, &d, HeaderFamily::StandardWebhooks));
    assert!(!verifies(SECRET, &d, HeaderFamily::StandardWebhooks));
    assert!(d.header("svix-id").is_none());
}

#[test]
fn direct_carries_the_token_and_no_signature() {
    let d = TestDelivery::direct()
        .event("job_9", "failed")
        .metadata("user", "u1")
        .token("tok")
        .build();
    let v: serde_json::Value = serde_json::from_slice(&d.body).unwrap();
    assert_eq!(v["metadata"]["webhook_secret"], "tok");
    assert_eq!(v["metadata"]["user"], "u1");
    assert_eq!(v["status"], "failed");
    assert_eq!(d.headers.len(), 1);
    assert_eq!(d.message_id, None);
}

#[test]
fn ids_are_unique_unless_chosen() {
    let a = TestDelivery::signed(SECRET).build();
    let b = TestDelivery::signed(SECRET).build();
    assert_ne!(a.message_id, b.message_id);
    let fixed = TestDelivery::signed(SECRET).id("m").at(5).build();
    assert_eq!(fixed, TestDelivery::signed(SECRET).id("m").at(5).build());
}

#[test]
#[should_panic(expected = "malformed")]
fn a_malformed_fixture_key_says_so() {
    let _ = TestDelivery::signed("whsec_");
}
