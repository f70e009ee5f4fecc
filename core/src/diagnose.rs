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

use std::fmt;

use base64::Engine as _;

use crate::headers::HeaderLookup;
use crate::secret::{KeyRing, Secret, SecretError, VerifyingKey, LENIENT_B64};
use crate::signature::{
    HeaderFamily, SignatureError, SignedHeaders, Tolerance, MAX_SIGNATURE_ENTRIES,
};

/// One thing found about a delivery's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Finding {
    /// An entry matched a configured key.
    Valid {
        /// The header family used.
        family: HeaderFamily,
        /// `v1` or `v1a`.
        version: &'static str,
        /// Which key of the ring (0-based).
        key: usize,
    },
    /// None of the six signature headers was sent.
    NoSignatureHeaders,
    /// One family's header is missing.
    MissingHeader(&'static str),
    /// Both `svix-*` and `webhook-*` headers were sent.
    MixedFamilies {
        /// The `svix-*` names present.
        svix: Vec<&'static str>,
        /// The `webhook-*` names present.
        webhook: Vec<&'static str>,
    },
    /// The message id is empty, too long or not visible ASCII.
    InvalidMessageId,
    /// The timestamp is not a non-negative integer.
    InvalidTimestamp,
    /// The timestamp is older than the window allows.
    TimestampTooOld {
        /// How old it is, in seconds.
        age_secs: u64,
        /// The window into the past.
        tolerance_secs: u64,
    },
    /// The timestamp is further ahead than the window allows.
    TimestampTooNew {
        /// How far ahead it is, in seconds.
        ahead_secs: u64,
        /// The window into the future.
        tolerance_secs: u64,
        /// Read as milliseconds, the timestamp would be within the window:
        /// the sender most likely wrote milliseconds where seconds belong.
        looks_like_milliseconds: bool,
    },
    /// A signature entry that cannot be read.
    MalformedEntry {
        /// Its position in the header (0-based).
        index: usize,
        /// What is wrong with it.
        problem: EntryProblem,
    },
    /// An entry of a version hookgate does not verify (skipped).
    UnknownVersion {
        /// Its position in the header (0-based).
        index: usize,
        /// The version as sent (at most 16 bytes shown).
        version: String,
    },
    /// More entries than the receiver reads; those past the limit are ignored.
    TooManyEntries {
        /// How many were sent.
        count: usize,
    },
    /// The header has entries only of a version none of the keys verifies
    /// (e.g. `v1a` entries for a `whsec_` secret).
    NoEntryForKeys {
        /// The versions the keys verify.
        wanted: &'static str,
    },
    /// Well-formed entries, none made with a configured key over this id,
    /// timestamp and body: the secret is wrong (or what was signed differs).
    WrongSecret {
        /// How many well-formed entries of a verifiable version were tried.
        entries: usize,
    },
    /// The signature matches another serialization of the same JSON: the body
    /// was re-serialized between the sender and here.
    BodyReserialized {
        /// Which form matches.
        form: &'static str,
    },
    /// A configured secret has whitespace around or inside it.
    SecretWhitespace {
        /// Which key (0-based).
        key: usize,
    },
    /// A configured secret lacks the `whsec_` prefix.
    SecretWithoutPrefix {
        /// Which key (0-based).
        key: usize,
    },
    /// The signature was made with the secret's *text* as the HMAC key instead
    /// of its base64-decoded bytes (a sender-side mistake).
    SecretUsedAsText {
        /// Which key (0-based).
        key: usize,
    },
}

/// What is wrong with one signature entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntryProblem {
    /// No `,` between version and signature.
    NoComma,
    /// The signature part is not base64.
    NotBase64,
    /// The signature decodes to the wrong number of bytes.
    WrongLength {
        /// Bytes decoded.
        len: usize,
        /// Bytes expected for the version.
        expected: usize,
    },
    /// The entry is longer than any valid one.
    TooLong,
}

impl fmt::Display for EntryProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoComma => f.write_str("no `,` between the version and the signature"),
            Self::NotBase64 => f.write_str("the signature is not base64"),
            Self::WrongLength { len, expected } => write!(
                f,
                "the signature decodes to {len} bytes, {expected} expected"
            ),
            Self::TooLong => f.write_str("the entry is longer than any valid signature"),
        }
    }
}

impl Finding {
    /// Whether this finding alone makes the delivery fail verification.
    pub fn is_problem(&self) -> bool {
        !matches!(
            self,
            Self::Valid { .. }
                | Self::UnknownVersion { .. }
                | Self::SecretWhitespace { .. }
                | Self::SecretWithoutPrefix { .. }
                | Self::MalformedEntry { .. }
                | Self::TooManyEntries { .. }
        )
    }

    /// A stable snake_case name, for `--json` output and log fields.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Valid { .. } => "valid",
            Self::NoSignatureHeaders => "no_signature_headers",
            Self::MissingHeader(_) => "missing_header",
            Self::MixedFamilies { .. } => "mixed_header_families",
            Self::InvalidMessageId => "invalid_message_id",
            Self::InvalidTimestamp => "invalid_timestamp",
            Self::TimestampTooOld { .. } => "timestamp_too_old",
            Self::TimestampTooNew { .. } => "timestamp_too_new",
            Self::MalformedEntry { .. } => "malformed_entry",
            Self::UnknownVersion { .. } => "unknown_version",
            Self::TooManyEntries { .. } => "too_many_entries",
            Self::NoEntryForKeys { .. } => "no_entry_for_keys",
            Self::WrongSecret { .. } => "wrong_secret",
            Self::BodyReserialized { .. } => "body_reserialized",
            Self::SecretWhitespace { .. } => "secret_whitespace",
            Self::SecretWithoutPrefix { .. } => "secret_without_prefix",
            Self::SecretUsedAsText { .. } => "secret_used_as_text",
        }
    }
}

fn family_name(family: HeaderFamily) -> &'static str {
    match family {
        HeaderFamily::Svix => "svix-*",
        HeaderFamily::StandardWebhooks => "webhook-*",
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Valid { family, version, key } => write!(
                f,
                "a {version} signature ({} headers) matches key #{}",
                family_name(*family),
                key + 1
            ),
            Self::NoSignatureHeaders => f.write_str(
                "no signature headers: send svix-id, svix-timestamp, svix-signature (or the webhook-* three)",
            ),
            Self::MissingHeader(name) => write!(f, "the header `{name}` is missing"),
            Self::MixedFamilies { svix, webhook } => write!(
                f,
                "mixed header families: {} and {}; a sender uses one family only",
                svix.join(", "),
                webhook.join(", ")
            ),
            Self::InvalidMessageId => f.write_str(
                "the message id is empty, longer than 256 bytes, or not visible ASCII",
            ),
            Self::InvalidTimestamp => f.write_str(
                "the timestamp is not a non-negative integer number of Unix seconds",
            ),
            Self::TimestampTooOld {
                age_secs,
                tolerance_secs,
            } => write!(
                f,
                "the timestamp is {age_secs} s old, {} s outside the {tolerance_secs} s window: a replay, or a clock that is off",
                age_secs.saturating_sub(*tolerance_secs)
            ),
            Self::TimestampTooNew {
                ahead_secs,
                tolerance_secs,
                looks_like_milliseconds,
            } => write!(
                f,
                "the timestamp is {ahead_secs} s in the future, {} s outside the {tolerance_secs} s window: {}",
                ahead_secs.saturating_sub(*tolerance_secs),
                if *looks_like_milliseconds {
                    "it looks like milliseconds since 1970, but the timestamp header is in seconds"
                } else {
                    "the sender's or this clock is off"
                }
            ),
            Self::MalformedEntry { index, problem } => {
                write!(f, "signature entry #{} is malformed: {problem}", index + 1)
            }
            Self::UnknownVersion { index, version } => write!(
                f,
                "signature entry #{} has version `{version}`, which is skipped (v1 and v1a are verified)",
                index + 1
            ),
            Self::TooManyEntries { count } => write!(
                f,
                "{count} signature entries; only the first {MAX_SIGNATURE_ENTRIES} are read"
            ),
            Self::NoEntryForKeys { wanted } => write!(
                f,
                "no {wanted} entry in the signature header: the keys and the sender's signature scheme differ (whsec_ secrets verify v1, whpk_ keys verify v1a)"
            ),
            Self::WrongSecret { entries } => write!(
                f,
                "none of the {entries} well-formed signature entries was made with the configured secret over this id, timestamp and body: wrong secret (or the id, timestamp or body differ from what was signed)"
            ),
            Self::BodyReserialized { form } => write!(
                f,
                "the signature matches the {form} of this body: the body was re-serialized after signing; verify the raw bytes as received"
            ),
            Self::SecretWhitespace { key } => write!(
                f,
                "secret #{} has whitespace around or inside it (copied with a newline or space?)",
                key + 1
            ),
            Self::SecretWithoutPrefix { key } => write!(
                f,
                "secret #{} lacks the `whsec_` prefix; it is read as bare base64",
                key + 1
            ),
            Self::SecretUsedAsText { key } => write!(
                f,
                "the signature was made with secret #{}'s text as the HMAC key; the key is the base64-decoded part after `whsec_`",
                key + 1
            ),
        }
    }
}

/// Everything [`diagnose`] found, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    findings: Vec<Finding>,
}

impl Diagnosis {
    /// Puts the match first, then what refuses the delivery, then notes.
    fn ordered(mut self) -> Self {
        self.findings.sort_by_key(|f| match f {
            Finding::Valid { .. } => 0,
            f if f.is_problem() => 1,
            _ => 2,
        });
        self
    }

    /// Whether the delivery verifies: a signature matches and nothing refuses it.
    pub fn is_valid(&self) -> bool {
        self.findings
            .iter()
            .any(|f| matches!(f, Finding::Valid { .. }))
            && !self.findings.iter().any(Finding::is_problem)
    }

    /// The findings, causes first.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.is_valid() { "valid" } else { "invalid" })?;
        for finding in &self.findings {
            write!(f, "\n  - {finding}")?;
        }
        Ok(())
    }
}

const NAMES: [(&str, HeaderFamily); 6] = [
    ("svix-id", HeaderFamily::Svix),
    ("svix-timestamp", HeaderFamily::Svix),
    ("svix-signature", HeaderFamily::Svix),
    ("webhook-id", HeaderFamily::StandardWebhooks),
    ("webhook-timestamp", HeaderFamily::StandardWebhooks),
    ("webhook-signature", HeaderFamily::StandardWebhooks),
];

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headers::HeaderList;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    fn signed(body: &[u8], ts: i64) -> HeaderList {
        let sig = Secret::parse(SECRET).unwrap().sign("msg_1", ts, body);
        HeaderList::new()
            .with("svix-id", "msg_1")
            .with("svix-timestamp", ts.to_string())
            .with("svix-signature", sig)
    }

    fn run(keys: &str, headers: &HeaderList, body: &[u8], now: i64) -> Diagnosis {
        diagnose_text(keys, headers, body, now, Tolerance::default()).unwrap()
    }

    #[test]
    fn valid_delivery() {
        let d = run(SECRET, &signed(b"{}", 100), b"{}", 100);
        assert!(d.is_valid(), "{d}");
        assert_eq!(
            d.to_string(),
            "valid\n  - a v1 signature (svix-* headers) matches key #1"
        );
    }

    #[test]
    fn stale_but_signed_says_by_how_much() {
        let d = run(SECRET, &signed(b"{}", 100), b"{}", 100 + 3600);
        assert!(!d.is_valid());
        assert!(d.findings().contains(&Finding::TimestampTooOld {
            age_secs: 3600,
            tolerance_secs: 300
        }));
        assert!(
            d.to_string().contains("3300 s outside the 300 s window"),
            "{d}"
        );
    }

    // Issue 20 item 6: a millisecond timestamp is named as such; a timestamp
    // merely ahead is not.
    #[test]
    fn a_millisecond_timestamp_gets_the_hint() {
        let now = 1_700_000_000;
        let d = run(SECRET, &signed(b"{}", now * 1000 + 123), b"{}", now);
        assert!(
            d.findings().iter().any(|f| matches!(
                f,
                Finding::TimestampTooNew {
                    looks_like_milliseconds: true,
                    ..
                }
            )),
            "{d}"
        );
        assert!(
            d.to_string().contains(
                "looks like milliseconds since 1970, but the timestamp header is in seconds"
            ),
            "{d}"
        );
        let d = run(SECRET, &signed(b"{}", now + 3600), b"{}", now);
        assert!(d.findings().contains(&Finding::TimestampTooNew {
            ahead_secs: 3600,
            tolerance_secs: 300,
            looks_like_milliseconds: false,
        }));
        assert!(!d.to_string().contains("milliseconds"), "{d}");
        assert!(d.to_string().contains("clock is off"), "{d}");
    }

    #[test]
    fn python_style_reserialization_is_recognised() {
        let sent = br#"{"a": 1, "b": [1, 2]}"#;
        let got = br#"{"a":1,"b":[1,2]}"#;
        let d = run(SECRET, &signed(sent, 5), got, 5);
        assert!(
            matches!(d.findings()[0], Finding::BodyReserialized { .. }),
            "{d}"
        );
    }

    #[test]
    fn the_secret_text_as_key() {
        let text_key = Secret::from_bytes(SECRET.as_bytes()).unwrap();
        let h = HeaderList::new()
            .with("svix-id", "m")
            .with("svix-timestamp", "5")
            .with("svix-signature", text_key.sign("m", 5, b"{}"));
        let d = run(SECRET, &h, b"{}", 5);
        assert_eq!(d.findings(), &[Finding::SecretUsedAsText { key: 0 }]);
    }

    #[test]
    fn whitespace_points_at_the_key() {
        assert_eq!(whitespace_key("a\n"), 0);
        assert_eq!(whitespace_key("a b\n"), 1);
        assert_eq!(whitespace_key("a\nb"), 0);
    }
}
