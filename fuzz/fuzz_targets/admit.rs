//! The whole `Receiver::admit` on arbitrary headers, body and peer, with a
//! signed and a direct receiver (each with trusted proxies, perhaps an
//! allow-list), through both header-map implementations.
//!
//! Properties:
//! - nothing panics; every answer is well formed (status, JSON body with
//!   `error` and `code` for a refusal), never a 5xx (the store is healthy);
//! - `http::HeaderMap` and `HeaderList` give the same decision;
//! - an admitted delivery passed every check: the client address (as
//!   `client_addr` resolves it) is allowed, a signed one verifies with the
//!   receiver's keys, a direct one carried the token; its event never shows it;
//! - a delivery the core signed (no other signature headers, allowed source)
//!   is admitted; with any single byte changed it is not;
//! - once settled as processed, the same request is a duplicate (200, handler
//!   not called); released, it is admitted again.
#![no_main]

use std::net::IpAddr;

use arbitrary::Arbitrary;
use hookgate::{DirectPolicy, Mode, Receiver, Secret, Tolerance};

use hookgate::adapter::{client_addr, Admission, HeaderList, HeaderLookup, Inbound, Networks};

use hookgate::clock::FixedClock;
use hookgate_fuzz::{
    block_on, check_answer, direct_reading, family, is_signature_header, key_ring, mentions,
    signing_key, visible_id, without_token_field, ByteChange, ED_SEED, NOW, SECRET, TOKEN,
    TOKEN_FIELD,
};
use libfuzzer_sys::fuzz_target;

const PROXIES: &str = "10.0.0.0/8, fd00::/8";
const ALLOWED: &str = "192.0.2.0/24, 10.1.0.0/16, 2001:db8::/32";

#[derive(Arbitrary, Debug)]
struct Input {
    direct: bool,
    allow_list: bool,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    peer: Option<IpAddr>,
    /// A signature made by the core, perhaps changed.
    signed: Option<Signing>,
}

#[derive(Arbitrary, Debug)]
struct Signing {
    id: Vec<u8>,
    /// Seconds from the receiver's now (inside the default tolerance).
    offset: i16,
    svix: bool,
    ed25519: bool,
    change: Option<(Part, ByteChange)>,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Part {
    Body,
    Id,
    Timestamp,
    Signature,
}

fn build_receiver(direct: bool, allow_list: bool) -> Receiver {
    let builder = Receiver::builder()
        .clock(FixedClock::new(NOW))
        .trusted_proxies(PROXIES);
    let builder = if direct {
        builder.direct(DirectPolicy::new().token(TOKEN).token_field(TOKEN_FIELD))
    } else {
        let mut b = builder.secret(SECRET);
        b = b.key(hookgate::signing::VerifyingKey::Ed25519(
            signing_key(&ED_SEED).public_key(),
        ));
        b
    };
    let builder = if allow_list {
        builder.allowed_sources(ALLOWED)
    } else {
        builder
    };
    builder.build().expect("the fuzzed receivers build")
}

/// A request's headers as `(name, value)`.
type Headers = Vec<(String, Vec<u8>)>;

/// The request's headers, with the core's signature added.
fn request(input: &Input) -> (Headers, Vec<u8>, bool) {
    let mut headers = input.headers.clone();
    let mut body = input.body.clone();
    let Some(s) = &input.signed else {
        return (headers, body, false);
    };
    let id = visible_id(&s.id);
    let ts = NOW + i64::from(s.offset) % 300;
    let sig = if s.ed25519 {
        signing_key(&ED_SEED).sign(&id, ts, &body)
    } else {
        Secret::parse(SECRET).expect("parses").sign(&id, ts, &body)
    };
    let [i, t, g] = family(s.svix).names();
    let (mut id, mut ts, mut sig) = (
        id.into_bytes(),
        ts.to_string().into_bytes(),
        sig.into_bytes(),
    );
    if let Some((part, change)) = s.change {
        match part {
            Part::Body => change.apply(&mut body),
            Part::Id => change.apply(&mut id),
            Part::Timestamp => change.apply(&mut ts),
            // The decoded signature: any changed byte of the digest.
            Part::Signature => {
                use base64::Engine as _;
                let (v, b64) = std::str::from_utf8(&sig)
                    .expect("ascii")
                    .split_once(',')
                    .expect("vN,");
                let mut raw = base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .expect("b64");
                change.apply(&mut raw);
                sig = format!(
                    "{v},{}",
                    base64::engine::general_purpose::STANDARD.encode(raw)
                )
                .into_bytes();
            }
        }
    }
    headers.retain(|(n, _)| !is_signature_header(n));
    headers.push((i.to_owned(), id));
    headers.push((t.to_owned(), ts));
    headers.push((g.to_owned(), sig));
    (headers, body, s.change.is_none())
}

fn header_map(headers: &[(String, Vec<u8>)]) -> Option<http::HeaderMap> {
    let mut map = http::HeaderMap::new();
    for (n, v) in headers {
        let name = http::HeaderName::from_bytes(n.as_bytes()).ok()?;
        let value = http::HeaderValue::from_bytes(v).ok()?;
        map.append(name, value);
    }
    Some(map)
}

/// Admits once and checks what the decision implies; an admission's claim is
/// settled as processed or released as `settle` says. Returns the status
/// (200 for an admission) and whether the handler would run.
fn admit_once(
    receiver: &Receiver,
    headers: &dyn HeaderLookup,
    body: &[u8],
    peer: Option<IpAddr>,
    allow: bool,
    settle: bool,
) -> (u16, bool) {
    let inbound = Inbound {
        headers,
        body: body.to_vec().into(),
        peer,
    };
    match block_on(receiver.admit(inbound)) {
        Admission::Respond(answer) => {
            check_answer(&answer);
            assert!(
                answer.status().as_u16() < 500,
                "a 5xx with a healthy store: {answer:?}"
            );
            (answer.status().as_u16(), false)
        }
        Admission::Proceed(delivery, claim) => {
            let proxies = Networks::parse(PROXIES).expect("parses");
            let client = client_addr(peer, headers, &proxies);
            assert_eq!(delivery.client_addr(), client);
            if allow {
                assert!(
                    client.is_some_and(|c| allow_list().contains(c)),
                    "{client:?} is not allowed"
                );
            }
            match delivery.mode() {
                Mode::Signed => {
                    let signed = key_ring()
                        .verify(headers, body, NOW, Tolerance::default())
                        .expect("an admitted signed delivery verifies");
                    assert_eq!(delivery.message_id(), Some(signed.id));
                }
                Mode::Direct => {
                    let value: serde_json::Value =
                        serde_json::from_slice(body).expect("an admitted direct body is JSON");
                    let (_, _, token) =
                        direct_reading(&value, TOKEN_FIELD).expect("an admitted body reads");
                    assert_eq!(token.as_deref(), Some(TOKEN));
                    let event: serde_json::Value = delivery.event().expect("parses");
                    assert_eq!(event, without_token_field(value.clone(), TOKEN_FIELD));
                    let rest = without_token_field(value, TOKEN_FIELD);
                    if !mentions(&rest, TOKEN) {
                        assert!(!mentions(&event, TOKEN), "the token leaked: {event}");
                    }
                }
            }
            block_on(claim.settle(settle)).expect("the memory store settles");
            (200, true)
        }
    }
}

fn allow_list() -> Networks {
    Networks::parse(ALLOWED).expect("parses")
}

fuzz_target!(|input: Input| {
    let (headers, body, intact) = request(&input);
    let list = headers
        .iter()
        .fold(HeaderList::new(), |l, (n, v)| l.with(n, v));

    let receiver = build_receiver(input.direct, input.allow_list);
    let (status, admitted) =
        admit_once(&receiver, &list, &body, input.peer, input.allow_list, true);

    // The same decision through http::HeaderMap, on a fresh receiver.
    if let Some(map) = header_map(&headers) {
        let fresh = build_receiver(input.direct, input.allow_list);
        assert_eq!(
            admit_once(&fresh, &map, &body, input.peer, input.allow_list, false),
            (status, admitted)
        );
        if admitted {
            // Released: the redelivery is admitted again.
            assert_eq!(
                admit_once(&fresh, &map, &body, input.peer, input.allow_list, true),
                (200, true)
            );
        }
    }
    if admitted {
        // Settled as processed: now a duplicate, the handler not called.
        assert_eq!(
            admit_once(&receiver, &list, &body, input.peer, input.allow_list, true),
            (200, false)
        );
    }

    if input.signed.is_some() && !input.direct {
        let client = client_addr(
            input.peer,
            &list,
            &Networks::parse(PROXIES).expect("parses"),
        );
        let allowed = !input.allow_list || client.is_some_and(|c| allow_list().contains(c));
        if intact && allowed {
            assert!(
                admitted,
                "a delivery the core signed was refused with {status}"
            );
        }
        if !intact {
            assert!(!admitted, "a changed delivery was admitted");
        }
    }
});
