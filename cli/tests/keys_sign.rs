//! `hookgate keys new` and `hookgate sign`: what they print verifies with the
//! core and reproduces the published vectors.

mod support;

use hookgate::{Secret, Tolerance};

use hookgate::adapter::HeaderList;

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
