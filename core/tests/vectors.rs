//! The published Standard Webhooks / Svix signature vectors
//! (`vectors/signatures.json`, through `hookgate-vectors`), through the whole
//! receiver and through the key ring directly.

use std::sync::Arc;

use bytes::Bytes;
use hookgate::{Receiver, Secret};

use hookgate::adapter::{Admission, HeaderList, Inbound};

use hookgate::clock::FixedClock;

use hookgate::signing::{HeaderFamily, KeyRing, PublicKey, SecretError, SigningKey};
use hookgate_vectors::{SignedVector, Vectors};
use serde_json::Value;

fn vectors() -> Vectors {
    Vectors::published().expect("the shipped vectors parse")
}

fn headers(family: HeaderFamily, id: &str, ts: i64, sig: &str) -> HeaderList {
    let [i, t, s] = family.names();
    HeaderList::new()
        .with(i, id)
        .with(t, ts.to_string())
        .with(s, sig)
}

fn receiver_at(key: &str, now: i64) -> Receiver {
    Receiver::builder()
        .secret(key)
        .clock(FixedClock::new(now))
        .build()
        .unwrap()
}

async fn admit(receiver: &Receiver, h: &HeaderList, body: &str) -> Admission {
    receiver
        .admit(Inbound {
            headers: h,
            body: Bytes::copy_from_slice(body.as_bytes()),
            peer: None,
        })
        .await
}

#[tokio::test]
async fn every_signed_vector_verifies_through_the_receiver() {
    let v = vectors();
    assert!(v.signed.len() >= 3);
    for case in &v.signed {
        let (key, id, ts) = (&case.verify_key, case.id.as_str(), case.timestamp);
        let (body, sig) = (case.body.as_str(), case.signature.as_str());
        for family in [HeaderFamily::Svix, HeaderFamily::StandardWebhooks] {
            let receiver = receiver_at(key, ts);
            let h = headers(family, id, ts, sig);
            match admit(&receiver, &h, body).await {
                Admission::Proceed(delivery, claim) => {
                    assert_eq!(delivery.message_id(), Some(id));
                    assert_eq!(delivery.timestamp(), Some(ts));
                    assert_eq!(delivery.body(), body.as_bytes());
                    claim.settle(true).await.unwrap();
                }
                Admission::Respond(a) => panic!("{family:?} {id}: {a:?}"),
            }
        }
    }
}

#[test]
fn signing_reproduces_the_vectors() {
    let v = vectors();
    for case in &v.signed {
        let (secret, id, ts) = (case.secret.as_str(), case.id.as_str(), case.timestamp);
        let (body, sig) = (case.body.as_bytes(), case.signature.as_str());
        let produced = if secret.starts_with("whsk_") {
            let sk = SigningKey::parse(secret).unwrap();
            let pk = PublicKey::parse(case.public_key.as_deref().unwrap()).unwrap();
            assert!(sk.public_key() == pk);
            sk.sign(id, ts, body)
        } else {
            Secret::parse(secret).unwrap().sign(id, ts, body)
        };
        assert_eq!(produced, sig, "{id}");
    }
}

fn first_case() -> (String, String, i64, String, String) {
    let SignedVector {
        secret,
        id,
        timestamp,
        body,
        signature,
        ..
    } = vectors().signed.remove(0);
    (secret, id, timestamp, body, signature)
}

#[test]
fn several_signatures_must_pass_and_must_fail() {
    let v = vectors();
    let (secret, id, ts, body, valid) = first_case();
    let ring = KeyRing::parse(&secret).unwrap();
    let check = |header: &str| {
        let header = header.replace("<valid>", &valid);
        ring.verify_signature(&id, &ts.to_string(), body.as_bytes(), header.as_bytes())
    };
    for h in &v.several_must_pass {
        assert!(check(h), "{h}");
    }
    for h in &v.several_must_fail {
        assert!(!check(h), "{h}");
    }
}

#[tokio::test]
async fn rejected_signatures_are_refused_with_401() {
    let v = vectors();
    let (secret, id, ts, body, _) = first_case();
    let receiver = receiver_at(&secret, ts);
    for sig in &v.rejected_signatures {
        let h = headers(HeaderFamily::Svix, &id, ts, sig);
        match admit(&receiver, &h, &body).await {
            Admission::Respond(a) => {
                let a = a.to_answer();
                assert_eq!(a.status(), 401, "{sig}");
                let j: Value = serde_json::from_slice(a.body()).unwrap();
                assert_eq!(j["code"], "invalid_signature", "{sig}");
                assert!(!String::from_utf8_lossy(a.body()).contains(&secret[6..]));
            }
            Admission::Proceed(..) => panic!("accepted {sig}"),
        }
    }
}

#[test]
fn rejected_secrets_fail_at_build() {
    let v = vectors();
    for s in &v.rejected_secrets {
        let s = s.as_str();
        assert_eq!(Secret::parse(s).unwrap_err(), SecretError::Empty);
        let err = Receiver::builder().secret(s).build().unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("whsec_"),
            "error should show what a valid secret looks like: {text}"
        );
    }
}

#[tokio::test]
async fn rejected_timestamps() {
    let (secret, id, ts, body, sig) = first_case();
    let secret_key = Secret::parse(&secret).unwrap();
    let clock = Arc::new(FixedClock::new(ts));
    let receiver = Receiver::builder()
        .secret(&secret)
        .clock(clock.clone())
        .build()
        .unwrap();
    // The vector's own signature at now = ts ± 301 s.
    for (offset, code) in [(301, "timestamp_too_old"), (-301, "timestamp_too_new")] {
        clock.set(ts + offset);
        let h = headers(HeaderFamily::Svix, &id, ts, &sig);
        match admit(&receiver, &h, &body).await {
            Admission::Respond(a) => {
                let a = a.to_answer();
                assert_eq!(a.status(), 401);
                let j: Value = serde_json::from_slice(a.body()).unwrap();
                assert_eq!(j["code"], code);
            }
            Admission::Proceed(..) => panic!("accepted at offset {offset}"),
        }
    }
    // -1 and a non-integer, even when correctly signed over that text.
    clock.set(ts);
    for bad in ["-1", "1614265330.5", "1e9", "abc", ""] {
        let sig = secret_key.sign(&id, 0, body.as_bytes());
        let h = HeaderList::new()
            .with("svix-id", &id)
            .with("svix-timestamp", bad)
            .with("svix-signature", sig);
        match admit(&receiver, &h, &body).await {
            Admission::Respond(a) => {
                let a = a.to_answer();
                assert_eq!(a.status(), 401, "{bad}");
                let j: Value = serde_json::from_slice(a.body()).unwrap();
                assert_eq!(j["code"], "invalid_timestamp", "{bad}");
            }
            Admission::Proceed(..) => panic!("accepted timestamp {bad:?}"),
        }
    }
}
