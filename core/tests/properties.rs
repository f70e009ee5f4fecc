//! Property tests: sign → verify round-trips; any flipped byte of id, timestamp
//! or body is refused; no input, however malformed, panics the receiver.

mod common;

use bytes::Bytes;
use hookgate::{DirectPolicy, Receiver, Secret};

use hookgate::adapter::{Admission, HeaderList, Inbound};

use hookgate::clock::FixedClock;

use hookgate::signing::KeyRing;
use proptest::prelude::*;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn sign_verify_round_trip_and_flips_refused(
        key in proptest::collection::vec(any::<u8>(), 1..64),
        id in "[a-zA-Z0-9_]{1,40}",
        ts in 0i64..4_000_000_000,
        body in proptest::collection::vec(any::<u8>(), 0..2048),
        flip_at in any::<proptest::sample::Index>(),
        flip_bits in 1u8..=255,
    ) {
        let secret = Secret::from_bytes(&key).unwrap();
        let sig = secret.sign(&id, ts, &body);
        let ring = KeyRing::from(secret);
        let ts_text = ts.to_string();
        prop_assert!(ring.verify_signature(&id, &ts_text, &body, sig.as_bytes()));

        // Flip one byte in the id, the timestamp text or the body.
        let mut id_b = id.clone().into_bytes();
        let i = flip_at.index(id_b.len());
        id_b[i] ^= flip_bits;
        let id_f = String::from_utf8_lossy(&id_b).into_owned();
        if id_f != id {
            prop_assert!(!ring.verify_signature(&id_f, &ts_text, &body, sig.as_bytes()));
        }
        let mut ts_b = ts_text.clone().into_bytes();
        let i = flip_at.index(ts_b.len());
        ts_b[i] ^= flip_bits;
        let ts_f = String::from_utf8_lossy(&ts_b).into_owned();
        prop_assert!(!ring.verify_signature(&id, &ts_f, &body, sig.as_bytes()));
        if !body.is_empty() {
            let mut body_f = body.clone();
            let i = flip_at.index(body_f.len());
            body_f[i] ^= flip_bits;
            prop_assert!(!ring.verify_signature(&id, &ts_text, &body_f, sig.as_bytes()));
        }
        // And a flipped byte in the signature itself.
        let mut sig_b = sig.clone().into_bytes();
        let i = 3 + flip_at.index(sig_b.len() - 3);
        sig_b[i] ^= flip_bits;
        prop_assert!(!ring.verify_signature(&id, &ts_text, &body, &sig_b));
    }

    #[test]
    fn arbitrary_requests_never_panic(
        headers in proptest::collection::vec(
            (prop_oneof![
                Just("svix-id"), Just("svix-timestamp"), Just("svix-signature"),
                Just("webhook-id"), Just("webhook-timestamp"), Just("webhook-signature"),
                Just("x-forwarded-for"), Just("authorization"),
            ], proptest::collection::vec(any::<u8>(), 0..200)),
            0..8,
        ),
        body in proptest::collection::vec(any::<u8>(), 0..512),
        json_body in "\\{(\"(status|job_id|metadata|webhook_secret|result)\":(\"[a-zA-Z]{0,8}\"|null|1|\\{\\}|\\[\\]|\\{\"webhook_secret\":\"x\"\\}),?){0,5}\\}",
        peer in proptest::option::of(any::<[u8; 4]>()),
    ) {
        let rt = runtime();
        let signed = Receiver::builder()
            .secret(common::SECRET)
            .clock(FixedClock::new(common::NOW))
            .trusted_proxies("0.0.0.0/0")
            .allowed_sources("10.0.0.0/8")
            .build()
            .unwrap();
        let direct = Receiver::builder()
            .direct(DirectPolicy::new().token("x").known_jobs(true))
            .trusted_proxies("0.0.0.0/0")
            .build()
            .unwrap();
        let mut h = HeaderList::new();
        for (name, value) in &headers {
            h = h.with(name, value);
        }
        let peer = peer.map(std::net::IpAddr::from);
        rt.block_on(async {
            for r in [&signed, &direct] {
                for b in [&body[..], json_body.as_bytes()] {
                    let a = r.admit(Inbound { headers: &h, body: Bytes::copy_from_slice(b), peer }).await;
                    match a {
                        Admission::Respond(a) => {
                            let v: serde_json::Value = serde_json::from_slice(a.to_answer().body()).unwrap();
                            assert!(v.get("code").is_some() || v.get("duplicate").is_some());
                        }
                        Admission::Proceed(d, c) => {
                            let _ = d.event::<hookgate::JobEvent>();
                            c.settle(true).await.ok();
                        }
                    }
                }
            }
        });
    }
}
