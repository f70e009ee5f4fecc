//! Interoperability with the official Python signers: every `whsec_` secret
//! `standardwebhooks` or `svix` accepts is accepted, decoded to the same key
//! (the same `v1` signature), and the ones they refuse are refused.
//! `vectors/python_secrets.json` was computed by the libraries themselves
//! (`vectors/python_secrets.py` regenerates it).

use hookgate::{KeyRing, Secret};
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("../../vectors/python_secrets.json")).unwrap()
}

#[test]
fn every_secret_the_python_signers_accept_signs_the_same() {
    let v = vectors();
    let (id, ts, body) = (
        v["msg_id"].as_str().unwrap(),
        v["timestamp"].as_i64().unwrap(),
        v["body"].as_str().unwrap().as_bytes(),
    );
    let libraries = v["libraries"].as_object().unwrap();
    assert!(
        libraries.len() >= 2,
        "both libraries' readings are recorded"
    );
    let mut checked = 0;
    for (library, secrets) in libraries {
        for (secret, reading) in secrets.as_object().unwrap() {
            let ours = Secret::parse(secret);
            let accepted = reading["accepted"].as_bool().unwrap();
            let empty_key = reading["key_hex"].as_str() == Some("");
            if accepted && !empty_key {
                let ours =
                    ours.unwrap_or_else(|e| panic!("{library} accepts {secret:?}, hookgate: {e}"));
                let expected = reading["signature"].as_str().unwrap();
                assert_eq!(ours.sign(id, ts, body), expected, "{library}: {secret:?}");
                assert!(KeyRing::from(ours).verify_signature(
                    id,
                    &ts.to_string(),
                    body,
                    expected.as_bytes()
                ));
                checked += 1;
            } else if !accepted {
                // Refused by this library: refused here too, unless the other
                // library reads it (then the assertion above covers it).
                let anyone = libraries.values().any(|l| {
                    l[secret]["accepted"].as_bool() == Some(true)
                        && l[secret]["key_hex"].as_str() != Some("")
                });
                if !anyone {
                    assert!(
                        ours.is_err(),
                        "{secret:?} is refused by every library, accepted here"
                    );
                }
            } else {
                // An empty key (svix 1.20 signs with `whsec_`): refused on
                // purpose, since anyone could sign with it.
                assert!(ours.is_err(), "{secret:?} decodes to an empty key");
            }
        }
    }
    assert!(checked > 20, "{checked}");
}

#[test]
fn the_libraries_never_disagree_on_a_key() {
    let v = vectors();
    let libraries: Vec<&Value> = v["libraries"].as_object().unwrap().values().collect();
    for (secret, reading) in libraries[0].as_object().unwrap() {
        for other in &libraries[1..] {
            if reading["accepted"] == true && other[secret]["accepted"] == true {
                assert_eq!(reading["key_hex"], other[secret]["key_hex"], "{secret:?}");
            }
        }
    }
}

#[test]
fn the_issue_17_secret_is_the_same_key_as_its_canonical_spelling() {
    let short = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS").unwrap();
    let v = vectors();
    let expected = v["libraries"]["standardwebhooks 1.3.0"]
        ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS"]["signature"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        short.sign(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#
        ),
        expected
    );
}
