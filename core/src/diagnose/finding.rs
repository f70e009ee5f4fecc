//! What [`diagnose`](super::diagnose) reports: each [`Finding`], worded for a
//! person, and the [`Diagnosis`] that orders them.

use std::fmt;

use crate::signature::{HeaderFamily, MAX_SIGNATURE_ENTRIES};

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

/// Everything [`diagnose`](super::diagnose) found, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    pub(super) findings: Vec<Finding>,
}

impl Diagnosis {
    /// Puts the match first, then what refuses the delivery, then notes.
    pub(super) fn ordered(mut self) -> Self {
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
