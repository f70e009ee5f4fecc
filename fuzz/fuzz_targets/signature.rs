//! The signature headers, the timestamp parser and tolerance, and the
//! signature check itself.
//!
//! Properties:
//! - `SignedHeaders::read` accepts only what it documents (visible-ASCII id of
//!   1..=256 bytes, a timestamp of decimal digits whose value it reports), from
//!   one family only, and never panics;
//! - `Tolerance::check` accepts exactly `now - past <= ts <= now + future`;
//! - a delivery signed by the core (`v1` HMAC or `v1a` ed25519) always verifies;
//! - any single-byte change to the body, the id, the timestamp or the
//!   signature's bytes never verifies; a change to the signature header's text
//!   verifies only when that text still decodes to the very same signature.
#![no_main]

use arbitrary::Arbitrary;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use hookgate::{Secret, Tolerance};

use hookgate::adapter::HeaderList;

use hookgate::signing::{KeyRing, SignatureError, SignedHeaders, VerifyingKey};
use hookgate_fuzz::{family, key_ring, signed_headers, signing_key, visible_id, ByteChange};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Input {
    /// Arbitrary headers and body against a fixed key ring.
    Parse {
        headers: Vec<(String, Vec<u8>)>,
        body: Vec<u8>,
        now: i64,
        past: u64,
        future: u64,
    },
    /// A delivery the core signs, then perhaps one byte changed.
    RoundTrip {
        key: Key,
        id: Vec<u8>,
        timestamp: u64,
        body: Vec<u8>,
        svix: bool,
        change: Option<(Part, ByteChange)>,
    },
}

#[derive(Arbitrary, Debug)]
enum Key {
    Hmac(Vec<u8>),
    Ed25519([u8; 32]),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Part {
    Body,
    Id,
    Timestamp,
    /// One byte of the decoded signature, re-encoded.
    SignatureBytes,
    /// One byte of the signature header's text (`v1,<base64>`).
    SignatureText,
}

/// Decodes base64 as leniently as any peer library does (padding optional,
/// trailing bits ignored): the oracle for "still the same signature".
const ORACLE_B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

fuzz_target!(|input: Input| match input {
    Input::Parse {
        headers,
        body,
        now,
        past,
        future,
    } => parse(headers, &body, now, past, future),
    Input::RoundTrip {
        key,
        id,
        timestamp,
        body,
        svix,
        change,
    } => round_trip(key, &id, timestamp, body, svix, change),
});

fn parse(headers: Vec<(String, Vec<u8>)>, body: &[u8], now: i64, past: u64, future: u64) {
    let list = headers
        .iter()
        .fold(HeaderList::new(), |l, (n, v)| l.with(n, v));
    let ring = key_ring();
    let tolerance = Tolerance {
        past: std::time::Duration::from_secs(past),
        future: std::time::Duration::from_secs(future),
    };
    match SignedHeaders::read(&list) {
        Ok(signed) => {
            let id = signed.id.as_bytes();
            assert!(!id.is_empty() && id.len() <= hookgate::signing::MAX_MESSAGE_ID_LEN);
            assert!(
                id.iter().all(|b| (0x21..=0x7e).contains(b)),
                "{:?}",
                signed.id
            );
            let ts = signed.timestamp_raw;
            assert!(
                !ts.is_empty() && ts.bytes().all(|b| b.is_ascii_digit()),
                "{ts:?}"
            );
            assert_eq!(ts.parse::<i64>().ok(), Some(signed.timestamp));
            let [i, t, s] = signed.family.names();
            let first = |name: &str| {
                headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.as_slice())
            };
            assert_eq!(first(i), Some(id));
            assert_eq!(first(t), Some(ts.as_bytes()));
            assert_eq!(first(s), Some(signed.signature));
            let other = match signed.family {
                hookgate::signing::HeaderFamily::Svix => hookgate::signing::HeaderFamily::StandardWebhooks,
                hookgate::signing::HeaderFamily::StandardWebhooks => hookgate::signing::HeaderFamily::Svix,
            };
            assert!(other.names().iter().all(|n| first(n).is_none()));

            let in_window = {
                let (ts, now) = (i128::from(signed.timestamp), i128::from(now));
                now - i128::from(past) <= ts && ts <= now + i128::from(future)
            };
            assert_eq!(tolerance.check(signed.timestamp, now).is_ok(), in_window);
            // Nobody forges a signature by fuzzing.
            assert!(!ring.verify_signature(signed.id, ts, body, signed.signature));
            let verdict = ring.verify(&list, body, now, tolerance);
            assert!(verdict.is_err());
        }
        Err(SignatureError::Missing) => {
            let any = headers
                .iter()
                .any(|(n, _)| hookgate_fuzz::is_signature_header(n));
            assert!(!any, "Missing although a signature header was sent");
        }
        Err(_) => {}
    }
    // The signature check on arbitrary text never panics and never passes.
    for (_, value) in &headers {
        assert!(!ring.verify_signature("msg", "1", body, value));
    }
}

fn round_trip(
    key: Key,
    id: &[u8],
    timestamp: u64,
    mut body: Vec<u8>,
    svix: bool,
    change: Option<(Part, ByteChange)>,
) {
    let id = visible_id(id);
    let timestamp = i64::try_from(timestamp % 1_000_000_000_000_000_000).expect("18 digits");
    let (ring, sig) = match key {
        Key::Hmac(mut bytes) => {
            if bytes.is_empty() {
                bytes.push(0);
            }
            let secret = Secret::from_bytes(&bytes).expect("non-empty key");
            let sig = secret.sign(&id, timestamp, &body);
            (KeyRing::from(secret), sig)
        }
        Key::Ed25519(seed) => {
            let key = signing_key(&seed);
            let mut ring = KeyRing::new();
            ring.push(VerifyingKey::Ed25519(key.public_key()));
            (ring, key.sign(&id, timestamp, &body))
        }
    };
    let family = family(svix);
    let ts = timestamp.to_string();
    let tolerance = Tolerance::default();
    let signed = signed_headers(family, &id, &ts, &sig);
    let ok = ring
        .verify(&signed, &body, timestamp, tolerance)
        .expect("a delivery signed by the core verifies");
    assert_eq!(
        (ok.id, ok.timestamp, ok.family),
        (id.as_str(), timestamp, family)
    );

    let Some((part, change)) = change else { return };
    let (version, b64) = sig.split_once(',').expect("vN,<base64>");
    let [id_name, ts_name, sig_name] = family.names();
    let headers = |id: &[u8], ts: &[u8], sig: &[u8]| {
        HeaderList::new()
            .with(id_name, id)
            .with(ts_name, ts)
            .with(sig_name, sig)
    };
    match part {
        Part::Body => {
            change.apply(&mut body);
            let h = headers(id.as_bytes(), ts.as_bytes(), sig.as_bytes());
            assert!(ring.verify(&h, &body, timestamp, tolerance).is_err());
        }
        Part::Id => {
            let h = headers(&change.apply_str(&id), ts.as_bytes(), sig.as_bytes());
            assert!(ring.verify(&h, &body, timestamp, tolerance).is_err());
        }
        Part::Timestamp => {
            let changed = change.apply_str(&ts);
            // Judge the signature, not the window: "now" is the changed value.
            let now = std::str::from_utf8(&changed)
                .ok()
                .and_then(|t| t.parse::<i64>().ok())
                .unwrap_or(timestamp);
            let h = headers(id.as_bytes(), &changed, sig.as_bytes());
            assert!(ring.verify(&h, &body, now, tolerance).is_err());
            assert!(ring.verify(&h, &body, timestamp, tolerance).is_err());
        }
        Part::SignatureBytes => {
            let mut raw = ORACLE_B64.decode(b64).expect("the core's own base64");
            change.apply(&mut raw);
            let text = format!(
                "{version},{}",
                base64::engine::general_purpose::STANDARD.encode(&raw)
            );
            let h = headers(id.as_bytes(), ts.as_bytes(), text.as_bytes());
            assert!(ring.verify(&h, &body, timestamp, tolerance).is_err());
        }
        Part::SignatureText => {
            let changed = change.apply_str(&sig);
            let h = headers(id.as_bytes(), ts.as_bytes(), &changed);
            if ring.verify(&h, &body, timestamp, tolerance).is_ok() {
                let original = ORACLE_B64.decode(b64).expect("the core's own base64");
                let same = changed.split(|b| *b == b' ').any(|entry| {
                    split_comma(entry).is_some_and(|(v, s)| {
                        v == version.as_bytes()
                            && ORACLE_B64.decode(s).ok() == Some(original.clone())
                    })
                });
                assert!(
                    same,
                    "a changed signature header verified: {:?}",
                    String::from_utf8_lossy(&changed)
                );
            }
        }
    }
}

/// `version,signature` split at the first comma.
fn split_comma(entry: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = entry.iter().position(|b| *b == b',')?;
    Some((&entry[..at], &entry[at + 1..]))
}
