//! Helpers shared by the fuzz targets: building requests from fuzzer input,
//! running the core's futures, and the checks every answer must pass.

use std::cell::RefCell;
use std::future::Future;

use arbitrary::Arbitrary;
use base64::Engine as _;
use hookgate::{Outcome, Secret};

use hookgate::adapter::HeaderList;

use hookgate::signing::{HeaderFamily, KeyRing, SigningKey, VerifyingKey};

/// The instant every fuzzed receiver's clock shows (Unix seconds).
pub const NOW: i64 = 1_700_000_000;

/// The direct-mode token the fuzzed receivers require.
pub const TOKEN: &str = "fuzz-token-7Qz";

/// The metadata field the token is read from.
pub const TOKEN_FIELD: &str = "webhook_secret";

/// An HMAC secret (`v1`) the fuzzed signed receivers accept.
pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// The 32-byte ed25519 seed of the `v1a` key the fuzzed signed receivers accept.
pub const ED_SEED: [u8; 32] = [7; 32];

/// Runs a future to completion on this thread's runtime (time enabled, as the
/// store deadline needs it).
pub fn block_on<F: Future>(future: F) -> F::Output {
    thread_local! {
        static RT: RefCell<tokio::runtime::Runtime> = RefCell::new(
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a current-thread runtime"),
        );
    }
    RT.with(|rt| rt.borrow().block_on(future))
}

/// The ed25519 signing key made from `seed`, through the public parser.
pub fn signing_key(seed: &[u8; 32]) -> SigningKey {
    let text = format!(
        "whsk_{}",
        base64::engine::general_purpose::STANDARD.encode(seed)
    );
    SigningKey::parse(&text).expect("a 32-byte whsk_ seed always parses")
}

/// The key ring of the fuzzed signed receivers: [`SECRET`] and the public half
/// of [`ED_SEED`].
pub fn key_ring() -> KeyRing {
    let mut ring = KeyRing::from(Secret::parse(SECRET).expect("SECRET parses"));
    ring.push(VerifyingKey::Ed25519(signing_key(&ED_SEED).public_key()));
    ring
}

/// A message id made of visible ASCII from arbitrary bytes (1..=256 bytes), so
/// a generated delivery gets past the id check and reaches the signature.
pub fn visible_id(raw: &[u8]) -> String {
    let id: String = raw
        .iter()
        .take(hookgate::signing::MAX_MESSAGE_ID_LEN)
        .map(|b| char::from(0x21 + b % 94))
        .collect();
    if id.is_empty() {
        "msg".to_owned()
    } else {
        id
    }
}

/// The three signature headers of `family`.
pub fn signed_headers(family: HeaderFamily, id: &str, timestamp: &str, sig: &str) -> HeaderList {
    let [i, t, s] = family.names();
    HeaderList::new()
        .with(i, id)
        .with(t, timestamp)
        .with(s, sig)
}

/// Either header family, chosen by the fuzzer.
pub fn family(svix: bool) -> HeaderFamily {
    if svix {
        HeaderFamily::Svix
    } else {
        HeaderFamily::StandardWebhooks
    }
}

/// Whether `name` is one of the six signature header names (any case).
pub fn is_signature_header(name: &str) -> bool {
    [HeaderFamily::Svix, HeaderFamily::StandardWebhooks]
        .iter()
        .flat_map(|f| f.names())
        .any(|n| n.eq_ignore_ascii_case(name))
}

/// One single-byte change: where, and the non-zero XOR applied there.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub struct ByteChange {
    /// Position (taken modulo the length).
    pub at: usize,
    /// XOR mask (0 is turned into 1: the byte always changes).
    pub xor: u8,
}

impl ByteChange {
    /// Applies the change to `bytes`; an empty buffer gets one byte appended.
    pub fn apply(self, bytes: &mut Vec<u8>) {
        let xor = if self.xor == 0 { 1 } else { self.xor };
        if bytes.is_empty() {
            bytes.push(xor);
        } else {
            let at = self.at % bytes.len();
            bytes[at] ^= xor;
        }
    }

    /// Applies the change to a string's bytes (the result may not be UTF-8).
    pub fn apply_str(self, text: &str) -> Vec<u8> {
        let mut bytes = text.as_bytes().to_vec();
        self.apply(&mut bytes);
        bytes
    }
}

/// Every answer hookgate gives: a real status, a JSON object body, and for a
/// refusal string `error` and `code` fields, the code the typed outcome
/// carries; it converts into a response.
pub fn check_answer(outcome: &Outcome) {
    let answer = outcome.to_answer();
    assert_eq!(answer.status(), outcome.status());
    let status = answer.status().as_u16();
    assert!((200..600).contains(&status), "status {status}");
    let body: serde_json::Value =
        serde_json::from_slice(answer.body()).expect("every answer body is JSON");
    assert!(body.is_object(), "answer body is an object: {body}");
    if status >= 400 {
        assert!(body["error"].is_string(), "refusal without error: {body}");
        assert!(body["code"].is_string(), "refusal without code: {body}");
        assert_eq!(body["code"], outcome.code(), "the body's code is the outcome's");
    }
    let response: http::Response<bytes::Bytes> = answer.clone().into_response();
    assert_eq!(response.status().as_u16(), status);
}

/// `value` with `metadata.<field>` removed, as the handler must see it: from
/// the object's own `metadata` and from the `metadata` of its `data` object
/// (the Standard Webhooks envelope's event), at every depth of `data`.
pub fn without_token_field(mut value: serde_json::Value, field: &str) -> serde_json::Value {
    fn cut(value: &mut serde_json::Value, field: &str) {
        if let Some(meta) = value
            .get_mut("metadata")
            .and_then(serde_json::Value::as_object_mut)
        {
            meta.remove(field);
        }
        if let Some(data) = value.get_mut("data").filter(|d| d.is_object()) {
            cut(data, field);
        }
    }
    cut(&mut value, field);
    value
}

/// The `(job_id, status, metadata.<field>)` a direct-mode receiver reads from
/// `value`, `None` when it is malformed (not an object; a non-string id or
/// status; a `metadata` that is not an object). The Standard Webhooks
/// envelope is read when the object has no `job_id` of its own and its `data`
/// is an object: the fields then come from `data` (the status from
/// `data.status`, else a string `type`); otherwise `type` and `data` are a
/// flat event's own fields, whatever they hold.
#[allow(clippy::type_complexity)]
pub fn direct_reading(
    value: &serde_json::Value,
    field: &str,
) -> Option<(Option<String>, Option<String>, Option<String>)> {
    use serde_json::Value;
    fn read(
        obj: &serde_json::Map<String, Value>,
        field: &str,
    ) -> Option<(Option<String>, Option<String>, Option<String>)> {
        let text = |name: &str| match obj.get(name) {
            None | Some(Value::Null) => Some(None),
            Some(Value::String(s)) => Some(Some(s.clone())),
            Some(_) => None,
        };
        let token = match obj.get("metadata") {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => m.get(field).and_then(Value::as_str).map(str::to_owned),
            Some(_) => return None,
        };
        Some((text("job_id")?, text("status")?, token))
    }
    let obj = value.as_object()?;
    let top = read(obj, field)?;
    match obj.get("data") {
        Some(Value::Object(data)) if top.0.is_none() => {
            let (job_id, status, token) = read(data, field)?;
            let event_type = obj.get("type").and_then(Value::as_str).map(str::to_owned);
            Some((job_id, status.or(event_type), token))
        }
        _ => Some(top),
    }
}

/// Whether `needle` occurs in any key or string anywhere in `value`.
pub fn mentions(value: &serde_json::Value, needle: &str) -> bool {
    match value {
        serde_json::Value::String(s) => s.contains(needle),
        serde_json::Value::Array(items) => items.iter().any(|v| mentions(v, needle)),
        serde_json::Value::Object(map) => map
            .iter()
            .any(|(k, v)| k.contains(needle) || mentions(v, needle)),
        _ => false,
    }
}
