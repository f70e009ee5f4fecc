//! `hookgate keys new` and `hookgate sign`: what they print verifies with the
//! core and reproduces the published vectors.

mod support;

use hookgate::{Secret, Tolerance};

use hookgate::adapter::{HeaderList, HeaderLookup as _};

use hookgate::signing::{KeyRing, PublicKey, SigningKey};
use hookgate_vectors::Vectors;
use support::{hookgate, temp_file, SECRET};

/// The `name: value` lines of `hookgate sign` as a header list.
fn headers_of(stdout: &str) -> HeaderList {
    stdout.lines().fold(HeaderList::new(), |list, line| {
        let (name, value) = line.split_once(": ").expect("a `name: value` line");
        list.with(name, value)
    })
}

#[test]
fn keys_new_makes_usable_secrets_and_pairs() {
    let secret = hookgate(&["keys", "new"]).expect(0).trim().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    Secret::parse(&secret).unwrap();

    let out = hookgate(&["keys", "new", "--ed25519", "--json"]);
    let v: serde_json::Value = serde_json::from_str(out.expect(0)).unwrap();
    let signing = SigningKey::parse(v["signing_key"].as_str().unwrap()).unwrap();
    let public = PublicKey::parse(v["public_key"].as_str().unwrap()).unwrap();
    assert!(signing.public_key() == public);
}

#[test]
fn sign_output_verifies_with_the_core() {
    let body_file = temp_file("sign-body.json");
    std::fs::write(&body_file, br#"{"status":"Completed","job_id":"j1"}"#).unwrap();
    let at = format!("@{}", body_file.display());
    for family in ["svix", "webhook"] {
        let out = hookgate(&[
            "sign",
            "--secret",
            SECRET,
            "--id",
            "msg_1",
            "--timestamp",
            "1700000000",
            "--body",
            &at,
            "--headers",
            family,
        ]);
        let headers = headers_of(out.expect(0));
        let signed = KeyRing::parse(SECRET)
            .unwrap()
            .verify(
                &headers,
                br#"{"status":"Completed","job_id":"j1"}"#,
                1_700_000_000,
                Tolerance::default(),
            )
            .unwrap_or_else(|e| panic!("{family}: {e}\n{}", out.stdout));
        assert_eq!(signed.id, "msg_1");
    }
}

#[test]
fn sign_reproduces_every_published_vector() {
    let vectors = Vectors::published().expect("the signature vectors load");
    let mut checked = 0;
    for v in &vectors.signed {
        // Signed with the vector's own secret: `whsec_` (v1) or `whsk_` (v1a).
        let key = v.secret.as_str();
        let ts = v.timestamp.to_string();
        let out = hookgate(&[
            "sign",
            "--secret",
            key,
            "--id",
            &v.id,
            "--timestamp",
            &ts,
            "--body",
            &v.body,
        ]);
        let headers = headers_of(out.expect(0));
        let sig = hookgate::adapter::HeaderLookup::first(&headers, "svix-signature").unwrap();
        let sig = std::str::from_utf8(sig).unwrap();
        // ed25519 signatures are deterministic: byte-equal to the vector's.
        assert!(
            v.signature.split(' ').any(|entry| entry == sig),
            "{}: {sig} is not in {}",
            v.source,
            v.signature
        );
        checked += 1;
    }
    assert!(checked >= 2, "the vectors hold v1 and v1a cases");
}

#[test]
fn sign_prints_a_curl_line_and_reads_the_secret_from_env() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hookgate"))
        .args([
            "sign",
            "--id",
            "m",
            "--timestamp",
            "5",
            "--body",
            "{}",
            "--curl",
            "http://127.0.0.1:1/h",
        ])
        .env("HOOKGATE_SECRET", SECRET)
        .output()
        .unwrap();
    assert!(out.status.success());
    let line = String::from_utf8(out.stdout).unwrap();
    let expected = Secret::parse(SECRET).unwrap().sign("m", 5, b"{}");
    assert!(line.starts_with("curl "), "{line}");
    assert!(
        line.contains(&format!("'svix-signature: {expected}'")),
        "{line}"
    );
    assert!(line.contains("--data-binary '{}'"), "{line}");
    assert!(!line.contains(SECRET), "the secret is never printed");
}

#[test]
fn bad_usage_exits_2_without_echoing_the_secret() {
    let out = hookgate(&["sign", "--secret", "whsec_not*base64!!", "--body", "{}"]);
    out.expect(2);
    assert!(!out.stderr.contains("not*base64"), "{}", out.stderr);
    hookgate(&["sign", "--body", "{}"]).expect(2);
    hookgate(&["sign", "--no-such-flag"]).expect(2);
}

/// GitHub's documented example (`vectors/github.json`): the same header.
#[tokio::test]
async fn sign_as_github_gives_the_documented_signature_and_verifies() {
    let out = hookgate(&[
        "sign",
        "--scheme",
        "github",
        "--secret",
        "It's a Secret to Everybody",
        "--id",
        "d1",
        "--event",
        "push",
        "--body",
        "Hello, World!",
    ]);
    let headers = headers_of(out.expect(0));
    assert_eq!(
        headers.first("x-hub-signature-256"),
        Some(&b"sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"[..])
    );
    let receiver = hookgate::Receiver::builder()
        .verifier(hookgate::verify::GitHub::new("It's a Secret to Everybody"))
        .build()
        .unwrap();
    let inbound = hookgate::adapter::Inbound {
        headers: &headers,
        body: bytes::Bytes::from_static(b"Hello, World!"),
        peer: None,
    };
    match receiver.admit(inbound).await {
        hookgate::adapter::Admission::Proceed(delivery, _claim) => {
            assert_eq!(delivery.message_id(), Some("d1"));
            assert_eq!(delivery.event_type(), Some("push"));
        }
        hookgate::adapter::Admission::Respond(outcome) => panic!("refused: {outcome:?}"),
    }
}

#[test]
fn sign_as_stripe_verifies_at_its_timestamp() {
    let body = br#"{"id":"evt_1","type":"invoice.paid"}"#;
    let out = hookgate(&[
        "sign",
        "--scheme",
        "stripe",
        "--secret",
        "whsec_endpoint_secret",
        "--timestamp",
        "1700000000",
        "--body",
        std::str::from_utf8(body).unwrap(),
    ]);
    let headers = headers_of(out.expect(0));
    let header = headers
        .first("stripe-signature")
        .expect("a Stripe-Signature line");
    let stripe = hookgate::verify::Stripe::new("whsec_endpoint_secret");
    assert_eq!(
        stripe.verify_header(header, body, 1_700_000_010),
        Ok(1_700_000_000)
    );
}

/// An option the scheme has no use for is refused, not ignored.
#[test]
fn sign_refuses_what_a_scheme_does_not_sign() {
    for (args, says) in [
        (
            &["--scheme", "github", "--timestamp", "1"][..],
            "--timestamp",
        ),
        (
            &["--scheme", "github", "--headers", "webhook"][..],
            "--headers",
        ),
        (&["--scheme", "stripe", "--id", "evt_1"][..], "--id"),
        (&["--scheme", "stripe", "--event", "x"][..], "--event"),
        (&["--event", "push"][..], "--event"),
    ] {
        let mut all = vec![
            "sign",
            "--secret",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "--body",
            "{}",
        ];
        all.extend_from_slice(args);
        let out = hookgate(&all);
        out.expect(2);
        assert!(out.stderr.contains(says), "{args:?}: {}", out.stderr);
    }
}
