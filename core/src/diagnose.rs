//! Why a signed delivery does or does not verify, in words: the wrong secret, a
//! secret with stray whitespace or without `whsec_`, a timestamp outside the
//! window (and by how much), a body re-serialized on the way, mixed header
//! families, malformed entries.
//!
//! [`KeyRing::verify`] answers yes or no in constant time, as a receiver must;
//! [`diagnose`] takes its time to say *why*, for `hookgate verify` and for a
//! receiver's debug log. It never repeats a secret.
//!
//! ```
//! use hookgate::{Secret, Tolerance};
//! use hookgate::adapter::HeaderList;
//! use hookgate::signing::{diagnose, Finding, KeyRing};
//!
//! let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
//! let sent = br#"{"job_id":"j1","status":"Completed"}"#;
//! let headers = HeaderList::new()
//!     .with("svix-id", "msg_1")
//!     .with("svix-timestamp", "1000")
//!     .with("svix-signature", secret.sign("msg_1", 1000, sent));
//! // A proxy pretty-printed the JSON on the way:
//! let received = b"{\n  \"job_id\": \"j1\",\n  \"status\": \"Completed\"\n}";
//! let diagnosis = diagnose(&KeyRing::from(secret), &headers, received, 1000, Tolerance::default());
//! assert!(!diagnosis.is_valid());
//! assert!(diagnosis.findings().iter().any(|f| matches!(f, Finding::BodyReserialized { .. })));
//! ```

use base64::Engine as _;

mod finding;

pub use finding::{Diagnosis, EntryProblem, Finding};

use crate::headers::HeaderLookup;
use crate::secret::{KeyRing, Secret, SecretError, VerifyingKey, LENIENT_B64};
use crate::signature::{
    HeaderFamily, SignatureError, SignedHeaders, Tolerance, MAX_SIGNATURE_ENTRIES,
};

/// Says why a signed delivery does or does not verify against `keys` at `now`
/// (Unix seconds) within `tolerance`. Slow on purpose (it tries the body's
/// other serializations): for tools and debug logs, not the request path.
pub fn diagnose(
    keys: &KeyRing,
    headers: &dyn HeaderLookup,
    body: &[u8],
    now: i64,
    tolerance: Tolerance,
) -> Diagnosis {
    let mut findings = Vec::new();
    let signed = match SignedHeaders::read(headers) {
        Ok(signed) => signed,
        Err(err) => {
            findings.push(header_finding(&err, headers));
            return Diagnosis { findings }.ordered();
        }
    };
    let age = i128::from(now) - i128::from(signed.timestamp);
    let secs = |v: i128| u64::try_from(v).unwrap_or(u64::MAX);
    if age > i128::from(tolerance.past.as_secs()) {
        findings.push(Finding::TimestampTooOld {
            age_secs: secs(age),
            tolerance_secs: tolerance.past.as_secs(),
        });
    } else if -age > i128::from(tolerance.future.as_secs()) {
        findings.push(Finding::TimestampTooNew {
            ahead_secs: secs(-age),
            tolerance_secs: tolerance.future.as_secs(),
            looks_like_milliseconds: tolerance.within(signed.timestamp / 1000, now),
        });
    }
    let (has_v1, has_v1a) = entry_findings(signed.signature, &mut findings);

    let verifies = |ring: &KeyRing, body: &[u8]| {
        ring.verify_signature(signed.id, signed.timestamp_raw, body, signed.signature)
    };
    for (index, key) in keys.keys().iter().enumerate() {
        let mut one = KeyRing::new();
        one.push(key.clone());
        if verifies(&one, body) {
            let version = match key {
                VerifyingKey::Hmac(_) => "v1",
                VerifyingKey::Ed25519(_) => "v1a",
            };
            findings.push(Finding::Valid {
                family: signed.family,
                version,
                key: index,
            });
            return Diagnosis { findings }.ordered();
        }
    }

    if let Some(form) = reserialized(body, |candidate| verifies(keys, candidate)) {
        findings.push(Finding::BodyReserialized { form });
        return Diagnosis { findings }.ordered();
    }
    let wants_v1 = keys
        .keys()
        .iter()
        .any(|k| matches!(k, VerifyingKey::Hmac(_)));
    let wants_v1a = keys
        .keys()
        .iter()
        .any(|k| matches!(k, VerifyingKey::Ed25519(_)));
    let usable = if wants_v1 { has_v1 } else { 0 } + if wants_v1a { has_v1a } else { 0 };
    if usable == 0 {
        findings.push(Finding::NoEntryForKeys {
            wanted: match (wants_v1, wants_v1a) {
                (true, true) => "v1 or v1a",
                (false, true) => "v1a",
                _ => "v1",
            },
        });
    } else {
        findings.push(Finding::WrongSecret { entries: usable });
    }
    Diagnosis { findings }.ordered()
}

/// [`diagnose`] with the keys given as text (`whsec_…`, `whpk_…`, several
/// separated by spaces or commas), adding what is wrong with the text itself:
/// stray whitespace, a missing `whsec_`, a sender that used the text as the
/// HMAC key.
///
/// ```
/// use hookgate::{Tolerance};
/// use hookgate::adapter::HeaderList;
/// use hookgate::signing::{diagnose_text, Finding};
/// let headers = HeaderList::new()
///     .with("svix-id", "msg_1")
///     .with("svix-timestamp", "1000")
///     .with("svix-signature", "v1,AAAA");
/// let d = diagnose_text("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", &headers, b"{}", 1000, Tolerance::default()).unwrap();
/// assert!(d.findings().contains(&Finding::SecretWhitespace { key: 0 }));
/// ```
pub fn diagnose_text(
    keys: &str,
    headers: &dyn HeaderLookup,
    body: &[u8],
    now: i64,
    tolerance: Tolerance,
) -> Result<Diagnosis, SecretError> {
    let ring = KeyRing::parse(keys)?;
    let mut diagnosis = diagnose(&ring, headers, body, now, tolerance);
    let texts: Vec<&str> = keys
        .split(|c: char| c == ',' || c.is_ascii_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    let mut notes = Vec::new();
    if keys.trim_matches(',') != keys.trim_matches(',').trim() || keys.contains(['\n', '\r', '\t'])
    {
        // Which key: the one next to the whitespace; with one key, that one.
        notes.push(Finding::SecretWhitespace {
            key: whitespace_key(keys),
        });
    }
    for (index, text) in texts.iter().enumerate() {
        if !text.starts_with("whsec_") && !text.starts_with("whpk_") {
            notes.push(Finding::SecretWithoutPrefix { key: index });
        }
    }
    if !diagnosis.is_valid() {
        if let Ok(signed) = SignedHeaders::read(headers) {
            for (index, text) in texts.iter().enumerate() {
                if text.starts_with("whpk_") {
                    continue;
                }
                let as_text = [*text, text.strip_prefix("whsec_").unwrap_or(text)];
                let matched = as_text.iter().any(|t| {
                    Secret::from_bytes(t.as_bytes()).is_ok_and(|s| {
                        KeyRing::from(s).verify_signature(
                            signed.id,
                            signed.timestamp_raw,
                            body,
                            signed.signature,
                        )
                    })
                });
                if matched {
                    diagnosis
                        .findings
                        .retain(|f| !matches!(f, Finding::WrongSecret { .. }));
                    diagnosis
                        .findings
                        .push(Finding::SecretUsedAsText { key: index });
                }
            }
        }
    }
    diagnosis.findings.extend(notes);
    Ok(diagnosis.ordered())
}

/// The index of the key whitespace sits next to (0 when it surrounds the list).
fn whitespace_key(keys: &str) -> usize {
    let trimmed = keys.trim_start();
    let inner = trimmed.trim_end();
    match inner.find(['\n', '\r', '\t']) {
        Some(at) => inner[..at]
            .split(|c: char| c == ',' || c.is_ascii_whitespace())
            .filter(|p| !p.is_empty())
            .count()
            .saturating_sub(1),
        None if trimmed.len() != inner.len() => inner
            .split(|c: char| c == ',' || c.is_ascii_whitespace())
            .filter(|p| !p.is_empty())
            .count()
            .saturating_sub(1),
        None => 0,
    }
}

/// What a header-reading error means, with the mixed families named.
fn header_finding(err: &SignatureError, headers: &dyn HeaderLookup) -> Finding {
    match err {
        SignatureError::MixedFamilies => {
            let (mut svix, mut webhook) = (Vec::new(), Vec::new());
            for (name, family) in NAMES {
                if headers.first(name).is_some() {
                    match family {
                        HeaderFamily::Svix => svix.push(name),
                        HeaderFamily::StandardWebhooks => webhook.push(name),
                    }
                }
            }
            Finding::MixedFamilies { svix, webhook }
        }
        SignatureError::MissingHeader(name) => Finding::MissingHeader(name),
        SignatureError::InvalidMessageId => Finding::InvalidMessageId,
        SignatureError::InvalidTimestamp => Finding::InvalidTimestamp,
        _ => Finding::NoSignatureHeaders,
    }
}

/// Notes malformed, unknown and surplus entries; returns how many well-formed
/// `v1` and `v1a` entries the receiver would try.
fn entry_findings(header: &[u8], findings: &mut Vec<Finding>) -> (usize, usize) {
    let (mut v1, mut v1a) = (0, 0);
    let all: Vec<&[u8]> = header
        .split(|b| *b == b' ')
        .filter(|e| !e.is_empty())
        .collect();
    if all.len() > MAX_SIGNATURE_ENTRIES {
        findings.push(Finding::TooManyEntries { count: all.len() });
    }
    for (index, entry) in all.into_iter().take(MAX_SIGNATURE_ENTRIES).enumerate() {
        let malformed = |problem| Finding::MalformedEntry { index, problem };
        if entry.len() > 128 {
            findings.push(malformed(EntryProblem::TooLong));
            continue;
        }
        let Some(comma) = entry.iter().position(|b| *b == b',') else {
            findings.push(malformed(EntryProblem::NoComma));
            continue;
        };
        let (version, sig) = (&entry[..comma], &entry[comma + 1..]);
        let expected = match version {
            b"v1" => 32,
            b"v1a" => 64,
            other => {
                let shown = &other[..other.len().min(16)];
                findings.push(Finding::UnknownVersion {
                    index,
                    version: String::from_utf8_lossy(shown).into_owned(),
                });
                continue;
            }
        };
        match LENIENT_B64.decode(sig) {
            Err(_) => findings.push(malformed(EntryProblem::NotBase64)),
            Ok(bytes) if bytes.len() != expected => {
                findings.push(malformed(EntryProblem::WrongLength {
                    len: bytes.len(),
                    expected,
                }));
            }
            Ok(_) if expected == 32 => v1 += 1,
            Ok(_) => v1a += 1,
        }
    }
    (v1, v1a)
}

/// The first other serialization of `body` that `verifies`: the same JSON
/// compact or pretty-printed, or the bytes without or with a trailing newline.
fn reserialized(body: &[u8], verifies: impl Fn(&[u8]) -> bool) -> Option<&'static str> {
    let mut candidates: Vec<(&'static str, Vec<u8>)> = Vec::new();
    if let Some(stripped) = body.strip_suffix(b"\n") {
        let stripped = stripped.strip_suffix(b"\r").unwrap_or(stripped);
        candidates.push(("body without its trailing newline", stripped.to_vec()));
    } else {
        candidates.push(("body with a trailing newline", [body, b"\n"].concat()));
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        if let Ok(compact) = serde_json::to_vec(&value) {
            candidates.push(("compact JSON form (sorted keys)", compact));
        }
        if let Ok(pretty) = serde_json::to_vec_pretty(&value) {
            candidates.push(("pretty-printed JSON form (sorted keys)", pretty));
        }
        candidates.push(("JSON form with spaces after `:` and `,`", spaced(&value)));
    }
    candidates
        .into_iter()
        .find(|(_, candidate)| candidate.as_slice() != body && verifies(candidate))
        .map(|(form, _)| form)
}

/// `value` serialized as Python's `json.dumps` does by default (`", "` and
/// `": "` separators), a common re-serialization.
fn spaced(value: &serde_json::Value) -> Vec<u8> {
    use serde_json::Value;
    match value {
        Value::Array(items) => {
            let inner: Vec<Vec<u8>> = items.iter().map(spaced).collect();
            [b"[".as_slice(), &inner.join(&b", "[..]), b"]"].concat()
        }
        Value::Object(map) => {
            let inner: Vec<Vec<u8>> = map
                .iter()
                .map(|(k, v)| {
                    let key = serde_json::to_vec(k).unwrap_or_default();
                    [key.as_slice(), b": ", &spaced(v)].concat()
                })
                .collect();
            [b"{".as_slice(), &inner.join(&b", "[..]), b"}"].concat()
        }
        scalar => serde_json::to_vec(scalar).unwrap_or_default(),
    }
}

/// Every signature header name, with its family.
const NAMES: [(&str, HeaderFamily); 6] = [
    ("svix-id", HeaderFamily::Svix),
    ("svix-timestamp", HeaderFamily::Svix),
    ("svix-signature", HeaderFamily::Svix),
    ("webhook-id", HeaderFamily::StandardWebhooks),
    ("webhook-timestamp", HeaderFamily::StandardWebhooks),
    ("webhook-signature", HeaderFamily::StandardWebhooks),
];

#[cfg(test)]
mod tests;
