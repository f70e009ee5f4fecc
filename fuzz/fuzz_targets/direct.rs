//! Direct mode: the hot-path peek of `job_id`, `status` and the metadata token,
//! and the removal of the token from the handler's event.
//!
//! Properties (against `serde_json::Value` as the reference reading):
//! - a body is admitted exactly when it is a JSON object whose `job_id` and
//!   `status` are non-empty strings and whose `metadata.<token field>` is the
//!   token; the delivery reports that job id and status. The Standard Webhooks
//!   envelope `{"type", "timestamp", "data": {event}}` is read from `data`
//!   (status: `data.status`, else a string `type`) when the object has no
//!   `job_id` of its own and `data` is an object; otherwise the flat shape
//!   wins, its own `type` and `data` fields being any values
//!   ([`hookgate_fuzz::direct_reading`]);
//! - the event the handler gets is the body with `metadata.<token field>`
//!   removed (and `data.metadata.<token field>`), nothing else changed; the
//!   token is nowhere in it (when the body carries it nowhere else), typed as
//!   `JobEvent` or as any JSON value.
#![no_main]

use arbitrary::Arbitrary;
use hookgate::adapter::{Admission, HeaderList, Inbound};
use hookgate::{DirectPolicy, JobEvent, Receiver};
use hookgate_fuzz::{
    block_on, check_answer, direct_reading, mentions, without_token_field, TOKEN, TOKEN_FIELD,
};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

#[derive(Arbitrary, Debug)]
enum Input {
    /// Any bytes as the body.
    Raw(Vec<u8>),
    /// A payload built from parts, to reach the interesting shapes often.
    Built(Built),
}

#[derive(Arbitrary, Debug)]
struct Built {
    job_id: Option<Scalar>,
    status: Option<Scalar>,
    token: TokenValue,
    /// Token written with `\u` escapes.
    escaped: bool,
    /// Metadata fields besides the token (keys never equal the token field).
    meta: Vec<(String, Scalar)>,
    /// Top-level fields besides the known ones.
    extra: Vec<(String, Scalar)>,
    /// Where the token sits among the metadata fields.
    token_at: u8,
    /// An earlier `metadata` object the later one overrides.
    shadowed_metadata: bool,
    /// The shape the event is sent in.
    shape: Shape,
}

#[derive(Arbitrary, Debug)]
enum Shape {
    /// `{"job_id", "metadata", "status", …}`.
    Flat,
    /// The flat event with fields of its own named `type` and `data` (any
    /// values, an object included), written before the rest.
    FlatWithOwn {
        event_type: Option<Scalar>,
        data: Option<Scalar>,
    },
    /// The Standard Webhooks envelope `{"type", "timestamp", "data"}`, the
    /// event built as above in `data`.
    Envelope { event_type: Option<Scalar> },
}

#[derive(Arbitrary, Debug)]
enum TokenValue {
    Right,
    Wrong(String),
    Absent,
    NotAString(Scalar),
    /// Written twice: a wrong value, then the right one (the last wins).
    WrongThenRight(String),
}

#[derive(Arbitrary, Debug)]
enum Scalar {
    Str(String),
    Int(i64),
    Big(u128),
    Float(f64),
    Bool(bool),
    Null,
    Nested(Vec<(String, String)>),
}

impl Scalar {
    fn json(&self) -> String {
        match self {
            Self::Str(s) => Value::from(s.as_str()).to_string(),
            Self::Int(i) => i.to_string(),
            Self::Big(b) => b.to_string(),
            Self::Float(f) => Value::from(*f).to_string(),
            Self::Bool(b) => b.to_string(),
            Self::Null => "null".to_owned(),
            Self::Nested(fields) => {
                let inner: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| {
                        format!("{}:{}", Value::from(k.as_str()), Value::from(v.as_str()))
                    })
                    .collect();
                format!("{{{}}}", inner.join(","))
            }
        }
    }
}

fn escaped(s: &str) -> String {
    let mut out = String::from("\"");
    for unit in s.encode_utf16() {
        out.push_str(&format!("\\u{unit:04x}"));
    }
    out.push('"');
    out
}

impl Built {
    fn body(&self) -> Vec<u8> {
        let key = |k: &str| Value::from(k).to_string();
        let token_json = |t: &str| {
            if self.escaped {
                escaped(t)
            } else {
                Value::from(t).to_string()
            }
        };
        let mut meta: Vec<String> = self
            .meta
            .iter()
            .filter(|(k, _)| k != TOKEN_FIELD)
            .map(|(k, v)| format!("{}:{}", key(k), v.json()))
            .collect();
        let field = key(TOKEN_FIELD);
        let token_entries: Vec<String> = match &self.token {
            TokenValue::Right => vec![format!("{field}:{}", token_json(TOKEN))],
            TokenValue::Wrong(w) => vec![format!("{field}:{}", token_json(w))],
            TokenValue::Absent => vec![],
            TokenValue::NotAString(s) => vec![format!("{field}:{}", s.json())],
            TokenValue::WrongThenRight(w) => vec![
                format!("{field}:{}", token_json(w)),
                format!("{field}:{}", token_json(TOKEN)),
            ],
        };
        let at = usize::from(self.token_at) % (meta.len() + 1);
        for (i, e) in token_entries.into_iter().enumerate() {
            meta.insert(at + i, e);
        }
        let mut top: Vec<String> = self
            .extra
            .iter()
            .filter(|(k, _)| !["job_id", "status", "metadata"].contains(&k.as_str()))
            .map(|(k, v)| format!("{}:{}", key(k), v.json()))
            .collect();
        if let Some(j) = &self.job_id {
            top.push(format!("\"job_id\":{}", j.json()));
        }
        if self.shadowed_metadata {
            top.push(format!("\"metadata\":{{{field}:\"shadowed\"}}"));
        }
        top.push(format!("\"metadata\":{{{}}}", meta.join(",")));
        if let Some(s) = &self.status {
            top.push(format!("\"status\":{}", s.json()));
        }
        let event = format!("{{{}}}", top.join(","));
        match &self.shape {
            Shape::Flat => event.into_bytes(),
            Shape::FlatWithOwn { event_type, data } => {
                let own: Vec<String> = [("type", event_type), ("data", data)]
                    .into_iter()
                    .filter_map(|(k, v)| Some(format!("\"{k}\":{}", v.as_ref()?.json())))
                    .chain(std::iter::once(event[1..event.len() - 1].to_owned()))
                    .filter(|part| !part.is_empty())
                    .collect();
                format!("{{{}}}", own.join(",")).into_bytes()
            }
            Shape::Envelope { event_type } => {
                let event_type = event_type
                    .as_ref()
                    .map(|t| format!("\"type\":{},", t.json()))
                    .unwrap_or_default();
                format!("{{{event_type}\"timestamp\":\"2026-12-04T05:00:00Z\",\"data\":{event}}}")
                    .into_bytes()
            }
        }
    }

    /// Whether the token appears only where it is removed from.
    fn token_only_in_field(&self) -> bool {
        let elsewhere = |s: &Scalar| s.json().contains(TOKEN);
        let wrong_has = match &self.token {
            TokenValue::Wrong(w) | TokenValue::WrongThenRight(w) => w.contains(TOKEN),
            TokenValue::NotAString(s) => elsewhere(s),
            _ => false,
        };
        !wrong_has
            && !self
                .meta
                .iter()
                .any(|(k, v)| k.contains(TOKEN) || elsewhere(v))
            && !self
                .extra
                .iter()
                .any(|(k, v)| k.contains(TOKEN) || elsewhere(v))
            && !self.job_id.as_ref().is_some_and(elsewhere)
            && !self.status.as_ref().is_some_and(elsewhere)
            && !match &self.shape {
                Shape::Flat => false,
                Shape::FlatWithOwn { event_type, data } => {
                    event_type.as_ref().is_some_and(elsewhere)
                        || data.as_ref().is_some_and(elsewhere)
                }
                Shape::Envelope { event_type } => event_type.as_ref().is_some_and(elsewhere),
            }
    }
}

fuzz_target!(|input: Input| {
    let (body, clean) = match &input {
        Input::Raw(bytes) => (bytes.clone(), false),
        Input::Built(built) => (built.body(), built.token_only_in_field()),
    };
    let receiver = Receiver::builder()
        .direct(DirectPolicy::new().token(TOKEN).token_field(TOKEN_FIELD))
        .build()
        .expect("a direct receiver with a token builds");

    let reference: Option<Value> = serde_json::from_slice(&body).ok();
    let expected = reference.as_ref().and_then(|v| {
        let (job_id, status, token) = direct_reading(v, TOKEN_FIELD)?;
        (token.as_deref() == Some(TOKEN)).then_some(())?;
        Some((
            job_id.filter(|j| !j.is_empty())?,
            status.filter(|s| !s.is_empty())?,
        ))
    });

    let headers = HeaderList::new();
    let inbound = Inbound {
        headers: &headers,
        body: body.clone().into(),
        peer: None,
    };
    match block_on(receiver.admit(inbound)) {
        Admission::Respond(answer) => {
            check_answer(&answer);
            assert!(
                expected.is_none(),
                "refused {} although the reference admits: {:?}",
                answer.status(),
                String::from_utf8_lossy(&body)
            );
        }
        Admission::Proceed(delivery, claim) => {
            let (job_id, status) = expected.unwrap_or_else(|| {
                panic!(
                    "admitted although the reference refuses: {:?}",
                    String::from_utf8_lossy(&body)
                )
            });
            assert_eq!(delivery.job_id(), Some(job_id.as_str()));
            assert_eq!(delivery.status(), Some(status.as_str()));
            let want = without_token_field(reference.expect("admitted means JSON"), TOKEN_FIELD);
            let event: Value = delivery.event().expect("an admitted body is JSON");
            assert_eq!(event, want, "the event is the body without the token");
            if clean {
                assert!(!mentions(&event, TOKEN), "the token leaked: {event}");
            }
            match delivery.event::<JobEvent>() {
                Ok(typed) => {
                    assert!(!typed.metadata.contains_key(TOKEN_FIELD));
                    let typed_value = serde_json::to_value(&typed).expect("serialises");
                    if clean {
                        assert!(
                            !mentions(&typed_value, TOKEN),
                            "the token leaked: {typed_value}"
                        );
                    }
                    let reference: JobEvent =
                        serde_json::from_value(want).expect("the reference reads it too");
                    assert_eq!(typed, reference);
                }
                Err(_) => {
                    // Typed reading may refuse what the reference accepts only
                    // for duplicate keys (serde refuses a repeated field).
                    let dup = matches!(&input, Input::Built(b) if b.shadowed_metadata);
                    assert!(
                        dup || matches!(&input, Input::Raw(_))
                            || serde_json::from_value::<JobEvent>(want).is_err(),
                        "JobEvent refused a body the reference reads"
                    );
                }
            }
            block_on(claim.settle(true)).expect("the memory store settles");
        }
    }
});
