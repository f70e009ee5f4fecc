//! The typed event Reducto sends: `{"status", "job_id", "metadata", "result"?}`.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a job status means, whatever its spelling (`"Completed"`, `"completed"`,
/// `"job.completed"` all mean [`StatusKind::Completed`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusKind {
    /// The job was created.
    Created,
    /// The job is running.
    Processing,
    /// The job finished successfully (final).
    Completed,
    /// The job failed (final).
    Failed,
    /// The job was cancelled (final).
    Cancelled,
    /// A status hookgate does not know; preserved as sent.
    Other,
}

impl StatusKind {
    /// Classifies a status string, ignoring letter case and a `job.` prefix.
    pub fn of(status: &str) -> Self {
        let s = status.trim();
        let s = match s.get(..4) {
            Some(p) if p.eq_ignore_ascii_case("job.") => &s[4..],
            _ => s,
        };
        const KINDS: [(&str, StatusKind); 6] = [
            ("completed", StatusKind::Completed),
            ("failed", StatusKind::Failed),
            ("cancelled", StatusKind::Cancelled),
            ("canceled", StatusKind::Cancelled),
            ("processing", StatusKind::Processing),
            ("created", StatusKind::Created),
        ];
        KINDS
            .iter()
            .find(|(name, _)| s.eq_ignore_ascii_case(name))
            .map_or(Self::Other, |(_, k)| *k)
    }

    /// The canonical lower-case name (`"completed"`, …; `"other"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Processing => "processing",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Other => "other",
        }
    }

    /// Whether no further event follows for the job.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }
}

/// A job status as the sender spelled it, with its meaning.
///
/// ```
/// use hookgate::{JobStatus, StatusKind};
/// let s: JobStatus = serde_json::from_str("\"completed\"").unwrap();
/// assert_eq!(s.kind(), StatusKind::Completed);
/// assert_eq!(s.as_str(), "completed");
/// let other: JobStatus = serde_json::from_str("\"Queued\"").unwrap();
/// assert_eq!(other.kind(), StatusKind::Other);
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct JobStatus {
    raw: String,
    kind: StatusKind,
}

impl JobStatus {
    /// Wraps a status string.
    pub fn new(raw: impl Into<String>) -> Self {
        let raw = raw.into();
        let kind = StatusKind::of(&raw);
        Self { raw, kind }
    }

    /// The status exactly as sent.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// What it means.
    pub fn kind(&self) -> StatusKind {
        self.kind
    }

    /// Shorthand for `kind() == Completed`.
    pub fn is_completed(&self) -> bool {
        self.kind == StatusKind::Completed
    }

    /// Shorthand for `kind() == Failed`.
    pub fn is_failed(&self) -> bool {
        self.kind == StatusKind::Failed
    }
}

impl fmt::Debug for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}({:?})", self.kind, self.raw)
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl Serialize for JobStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.raw)
    }
}

impl<'de> Deserialize<'de> for JobStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

/// The metadata type used when none is named: any JSON object.
pub type Metadata = serde_json::Map<String, serde_json::Value>;

/// A Reducto job event. `M` is the metadata type the app put on the job (any
/// JSON object by default). Unknown fields are ignored; a missing `metadata` is
/// `M::default()`.
///
/// In direct mode with a token check, hookgate removes the token field from
/// `metadata` before the handler sees the event.
///
/// ```
/// use hookgate::JobEvent;
/// let ev: JobEvent = serde_json::from_str(
///     r#"{"status":"Completed","job_id":"j1","metadata":{"user":"u1"},"extra":1}"#,
/// ).unwrap();
/// assert!(ev.status.is_completed());
/// assert_eq!(ev.metadata["user"], "u1");
/// assert!(ev.result.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "M: DeserializeOwned + Default"))]
pub struct JobEvent<M = Metadata> {
    /// The job's status.
    pub status: JobStatus,
    /// The job id Reducto gave when the job was submitted.
    pub job_id: String,
    /// What the app attached to the job when it submitted it.
    #[serde(default)]
    pub metadata: M,
    /// The job's result, when the sender includes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
}
