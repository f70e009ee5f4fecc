//! The verification trait's schemes end to end: GitHub's documented example
//! and Stripe headers made by the `stripe` npm package verify, every
//! single-byte change is refused, and each scheme deduplicates by its id.

use hookgate::adapter::{Admission, HeaderList, Inbound};
use hookgate::clock::FixedClock;
use hookgate::verify::{GitHub, Stripe};
use hookgate::{Mode, Outcome, Receiver};
use hookgate_vectors::{GitHubVector, StripeVectors};

/// Admits one delivery: `Ok(scheme, id, event type)` or the refusal's code.
async fn admit(
    receiver: &Receiver,
    headers: &HeaderList,
    body: &[u8],
) -> Result<(String, String, Option<String>), &'static str> {
    let inbound = Inbound {
        headers,
        body: body.to_vec().into(),
        peer: None,
    };
    match receiver.admit(inbound).await {
        Admission::Proceed(delivery, claim) => {
            assert_eq!(delivery.mode(), Mode::Signed);
            assert_eq!(&delivery.body()[..], body);
            claim.settle(true).await.unwrap();
            Ok((
                delivery.scheme().to_owned(),
                delivery.message_id().unwrap().to_owned(),
                delivery.event_type().map(str::to_owned),
            ))
        }
        Admission::Respond(outcome) => Err(outcome.code()),
    }
}

fn github_receiver(secret: &str) -> Receiver {
    Receiver::builder()
        .verifier(GitHub::new(secret))
        .build()
        .unwrap()
}

fn github_headers(signature: &[u8], delivery: &str) -> HeaderList {
    HeaderList::new()
        .with("X-Hub-Signature-256", signature)
        .with("X-GitHub-Delivery", delivery)
        .with("X-GitHub-Event", "push")
}

/// Every byte of `bytes` replaced by each of the 255 other values.
fn each_mutation(bytes: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    (0..bytes.len()).flat_map(move |i| {
        (0..=255u8).filter(move |&b| b != bytes[i]).map(move |b| {
            let mut m = bytes.to_vec();
            m[i] = b;
            m
        })
    })
}

#[tokio::test]
async fn github_documented_example_verifies_and_dedupes_by_delivery_id() {
    let v = GitHubVector::published().unwrap();
    let receiver = github_receiver(&v.secret);
    let headers = github_headers(v.signature.as_bytes(), "d-1");
    assert_eq!(
        admit(&receiver, &headers, v.payload.as_bytes()).await,
        Ok((
            "github".to_owned(),
            "d-1".to_owned(),
            Some("push".to_owned())
        ))
    );
    // A redelivery keeps its delivery id: answered as a duplicate.
    assert_eq!(
        admit(&receiver, &headers, v.payload.as_bytes()).await,
        Err(Outcome::Duplicate.code())
    );
    let other = github_headers(v.signature.as_bytes(), "d-2");
    assert!(admit(&receiver, &other, v.payload.as_bytes()).await.is_ok());
}

#[tokio::test]
async fn github_every_single_byte_mutation_is_refused() {
    let v = GitHubVector::published().unwrap();
    let receiver = github_receiver(&v.secret);
    let body = v.payload.as_bytes();
    let signature = v.signature.as_bytes();
    for (n, mutated) in each_mutation(body).enumerate() {
        let headers = github_headers(signature, &format!("b{n}"));
        assert_eq!(
            admit(&receiver, &headers, &mutated).await,
            Err("invalid_signature"),
            "{mutated:?}"
        );
    }
    for (n, mutated) in each_mutation(signature).enumerate() {
        let headers = github_headers(&mutated, &format!("s{n}"));
        assert_eq!(
            admit(&receiver, &headers, body).await,
            Err("invalid_signature"),
            "{:?}",
            String::from_utf8_lossy(&mutated)
        );
    }
    // And the secret: a receiver with any one byte of it changed refuses.
    for mutated in each_mutation(v.secret.as_bytes()).step_by(7) {
        let receiver = Receiver::builder()
            .verifier(GitHub::new(&mutated))
            .build()
            .unwrap();
        let headers = github_headers(signature, "d");
        assert_eq!(
            admit(&receiver, &headers, body).await,
            Err("invalid_signature")
        );
    }
}

#[tokio::test]
async fn github_missing_headers_are_named() {
    let v = GitHubVector::published().unwrap();
    let receiver = github_receiver(&v.secret);
    let body = v.payload.as_bytes();
    let no_id = HeaderList::new().with("x-hub-signature-256", &v.signature);
    assert_eq!(
        admit(&receiver, &no_id, body).await,
        Err("missing_signature")
    );
    let no_sig = HeaderList::new().with("x-github-delivery", "d");
    assert_eq!(
        admit(&receiver, &no_sig, body).await,
        Err("missing_signature")
    );
    let bad_id = github_headers(v.signature.as_bytes(), "d 1");
    assert_eq!(
        admit(&receiver, &bad_id, body).await,
        Err("invalid_message_id")
    );
    // Rotation: an old and a new secret.
    let rotated = Receiver::builder()
        .verifier(GitHub::new("new secret").secret(&v.secret))
        .build()
        .unwrap();
    let headers = github_headers(v.signature.as_bytes(), "d");
    assert!(admit(&rotated, &headers, body).await.is_ok());
}

fn stripe_receiver(secret: &str, now: i64) -> Receiver {
    Receiver::builder()
        .verifier(Stripe::new(secret))
        .clock(FixedClock::new(now))
        .build()
        .unwrap()
}

fn stripe_headers(value: &[u8]) -> HeaderList {
    HeaderList::new().with("Stripe-Signature", value)
}

#[tokio::test]
async fn stripe_package_vectors_get_the_packages_verdict() {
    let vectors = StripeVectors::published().unwrap();
    assert!(
        vectors.generator.contains("23.2.0"),
        "{}",
        vectors.generator
    );
    for case in &vectors.cases {
        let receiver = stripe_receiver(&case.secret, case.timestamp);
        let got = admit(
            &receiver,
            &stripe_headers(case.header.as_bytes()),
            case.payload.as_bytes(),
        )
        .await;
        let event: serde_json::Value = serde_json::from_str(&case.payload).unwrap();
        if case.valid {
            assert_eq!(
                got,
                Ok((
                    "stripe".to_owned(),
                    event["id"].as_str().unwrap().to_owned(),
                    Some(event["type"].as_str().unwrap().to_owned())
                )),
                "{}",
                case.name
            );
            // A retry of the same event is a duplicate.
            assert_eq!(
                admit(
                    &receiver,
                    &stripe_headers(case.header.as_bytes()),
                    case.payload.as_bytes()
                )
                .await,
                Err("duplicate"),
                "{}",
                case.name
            );
        } else {
            assert_eq!(got, Err("invalid_signature"), "{}", case.name);
        }
    }
}

#[tokio::test]
async fn stripe_every_single_byte_mutation_is_refused() {
    let vectors = StripeVectors::published().unwrap();
    let mut headers_mutated = 0;
    for case in vectors.cases.iter().filter(|c| c.valid) {
        let receiver = stripe_receiver(&case.secret, case.timestamp);
        let header = case.header.as_bytes();
        for mutated in each_mutation(case.payload.as_bytes()) {
            assert_eq!(
                admit(&receiver, &stripe_headers(header), &mutated).await,
                Err("invalid_signature"),
                "{}: {:?}",
                case.name,
                String::from_utf8_lossy(&mutated)
            );
        }
        // A header with one signature: any change to it is refused (with
        // several, a change to one that was not the match leaves the match).
        if case.header.matches("v1=").count() + case.header.matches("v0=").count() == 1 {
            headers_mutated += 1;
            for mutated in each_mutation(header) {
                let got = admit(
                    &receiver,
                    &stripe_headers(&mutated),
                    case.payload.as_bytes(),
                )
                .await;
                assert!(
                    matches!(
                        got,
                        Err("invalid_signature"
                            | "invalid_timestamp"
                            | "timestamp_too_old"
                            | "timestamp_too_new")
                    ),
                    "{}: {:?} gave {got:?}",
                    case.name,
                    String::from_utf8_lossy(&mutated)
                );
            }
        }
    }
    assert!(headers_mutated >= 2);
}

#[tokio::test]
async fn stripe_tolerance_and_body_id() {
    let vectors = StripeVectors::published().unwrap();
    let case = vectors.cases.iter().find(|c| c.name == "one v1").unwrap();
    let headers = stripe_headers(case.header.as_bytes());
    let body = case.payload.as_bytes();
    let late = stripe_receiver(&case.secret, case.timestamp + 301);
    assert_eq!(admit(&late, &headers, body).await, Err("timestamp_too_old"));
    let early = stripe_receiver(&case.secret, case.timestamp - 301);
    assert_eq!(
        admit(&early, &headers, body).await,
        Err("timestamp_too_new")
    );
    let edge = stripe_receiver(&case.secret, case.timestamp + 300);
    assert!(admit(&edge, &headers, body).await.is_ok());
    let none = stripe_receiver(&case.secret, case.timestamp);
    assert_eq!(
        admit(&none, &HeaderList::new(), body).await,
        Err("missing_signature")
    );
}

#[test]
fn an_empty_github_or_stripe_secret_is_refused_by_build() {
    use hookgate::BuildError;
    let refused = [
        Receiver::builder().verifier(GitHub::new("")).build(),
        Receiver::builder()
            .verifier(GitHub::new("It's a Secret to Everybody").secret(""))
            .build(),
        Receiver::builder().verifier(Stripe::new("")).build(),
        Receiver::builder()
            .verifier(Stripe::new("whsec_test").secret(""))
            .build(),
    ];
    for (i, result) in refused.into_iter().enumerate() {
        let scheme = if i < 2 { "github" } else { "stripe" };
        match result {
            Err(BuildError::EmptySecret { scheme: s }) => assert_eq!(s, scheme),
            other => panic!("case {i}: expected EmptySecret, got {other:?}"),
        }
    }
    assert!(Receiver::builder()
        .verifier(GitHub::new("It's a Secret to Everybody"))
        .build()
        .is_ok());
}
