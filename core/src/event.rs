//! The typed event Reducto sends: `{"status", "job_id", "metadata", "result"?}`.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// What a job status means, whatever its spelling (`"Completed"`, `"completed"`,
/// `"job.completed"` all mean [`StatusKind::Completed`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusKind {
    /// The job was created and waits to run (`Pending`, `Idle`, `job.created`).
    Created,
    /// The job is running (`InProgress`, `Completing`, `job.processing`).
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
    /// Classifies a status string, ignoring letter case and a `job.` prefix:
    /// Reducto's SDK statuses (`Pending`, `Idle` → created; `InProgress`,
    /// `Completing` → processing; `Completed`, `Failed`, `Cancelled`) and its
    /// portal's event names (`job.created`, `job.processing`,
    /// `job.completed`, `job.failed`, `job.cancelled`).
    ///
    /// ```
    /// use hookgate::StatusKind;
    /// assert_eq!(StatusKind::of("InProgress"), StatusKind::Processing);
    /// assert_eq!(StatusKind::of("Completing"), StatusKind::Processing);
    /// assert_eq!(StatusKind::of("Pending"), StatusKind::Created);
    /// assert_eq!(StatusKind::of("job.completed"), StatusKind::Completed);
    /// assert_eq!(StatusKind::of("Queued"), StatusKind::Other);
    /// ```
    pub fn of(status: &str) -> Self {
        let s = status.trim();
        let s = match s.get(..4) {
            Some(p) if p.eq_ignore_ascii_case("job.") => &s[4..],
            _ => s,
        };
        const KINDS: [(&str, StatusKind); 11] = [
            ("completed", StatusKind::Completed),
            ("failed", StatusKind::Failed),
            ("cancelled", StatusKind::Cancelled),
            ("canceled", StatusKind::Cancelled),
            ("processing", StatusKind::Processing),
            ("inprogress", StatusKind::Processing),
            ("in_progress", StatusKind::Processing),
            ("completing", StatusKind::Processing),
            ("created", StatusKind::Created),
            ("pending", StatusKind::Created),
            ("idle", StatusKind::Created),
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
/// Two shapes are read: Reducto's direct one, `{"status", "job_id",
/// "metadata", "result"?}`, and the Standard Webhooks envelope its portal
/// sends, `{"type": "job.completed", "timestamp": "…", "data": {"job_id", …}}`
/// (the status is `data.status` when present, otherwise the event `type`), so
/// a receiver keeps working when the sender switches shape. The envelope is
/// read only when the object has no `job_id` of its own and its `data` is an
/// object; otherwise the direct shape wins, and fields of its own named
/// `type` or `data` are ignored whatever they hold. It serializes in the
/// direct shape.
///
/// In direct mode with a token check, hookgate removes the token field from
/// `metadata` (and `data.metadata`) before the handler sees the event.
///
/// ```
/// use hookgate::{JobEvent, StatusKind};
/// let ev: JobEvent = serde_json::from_str(
///     r#"{"status":"Completed","job_id":"j1","metadata":{"user":"u1"},"extra":1}"#,
/// ).unwrap();
/// assert!(ev.status.is_completed());
/// assert_eq!(ev.metadata["user"], "u1");
/// assert!(ev.result.is_none());
///
/// let enveloped: JobEvent = serde_json::from_str(
///     r#"{"type":"job.completed","timestamp":"2026-01-01T00:00:00Z","data":{"job_id":"j1","metadata":{"user":"u1"}}}"#,
/// ).unwrap();
/// assert_eq!(enveloped.status.kind(), StatusKind::Completed);
/// assert_eq!(enveloped.status.as_str(), "job.completed");
/// assert_eq!((enveloped.job_id.as_str(), &enveloped.metadata["user"]), ("j1", &ev.metadata["user"]));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobEvent<M = Metadata> {
    /// The job's status.
    pub status: JobStatus,
    /// The job id Reducto gave when the job was submitted.
    pub job_id: String,
    /// What the app attached to the job when it submitted it.
    pub metadata: M,
    /// The job's result, when the sender includes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
}

/// The fields of a job event, in either shape. At the top level `type` is
/// kept only when it is a string and `data` is kept raw: whether it is the
/// envelope's event is known only once the whole object is read (a flat event
/// may carry fields of its own by those names, of any type).
struct Fields<M> {
    status: Option<JobStatus>,
    job_id: Option<String>,
    metadata: Option<M>,
    result: Option<serde_json::Value>,
    event_type: Option<String>,
    data: Option<Box<RawValue>>,
}

/// `top`: the object itself (reads `type` and `data`); otherwise an
/// envelope's `data`, whose `type` and `data` fields mean nothing.
struct FieldsVisitor<M> {
    top: bool,
    marker: std::marker::PhantomData<M>,
}

impl<M> FieldsVisitor<M> {
    fn new(top: bool) -> Self {
        Self {
            top,
            marker: std::marker::PhantomData,
        }
    }
}

impl<'de, M: DeserializeOwned> Visitor<'de> for FieldsVisitor<M> {
    type Value = Fields<M>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a job event object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields<M>, A::Error> {
        let mut out = Fields {
            status: None,
            job_id: None,
            metadata: None,
            result: None,
            event_type: None,
            data: None,
        };
        fn once<T, E: de::Error>(slot: &mut Option<T>, v: T, name: &'static str) -> Result<(), E> {
            if slot.is_some() {
                return Err(E::duplicate_field(name));
            }
            *slot = Some(v);
            Ok(())
        }
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "status" => once(&mut out.status, map.next_value()?, "status")?,
                "job_id" => once(&mut out.job_id, map.next_value()?, "job_id")?,
                "metadata" => once(&mut out.metadata, map.next_value()?, "metadata")?,
                "result" => {
                    let v: Option<serde_json::Value> = map.next_value()?;
                    if let Some(v) = v {
                        once(&mut out.result, v, "result")?;
                    }
                }
                // Not known to be the envelope's yet: any value is read, the
                // last one kept, as for any other field a flat event carries.
                "type" if self.top => out.event_type = map.next_value::<AnyString>()?.0,
                "data" if self.top => out.data = Some(map.next_value()?),
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// Any JSON value; `Some` when it is a string.
pub(crate) struct AnyString(pub(crate) Option<String>);

impl<'de> Deserialize<'de> for AnyString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = AnyString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<AnyString, E> {
                Ok(AnyString(Some(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<AnyString, E> {
                Ok(AnyString(Some(v)))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<AnyString, E> {
                Ok(AnyString(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<AnyString, E> {
                Ok(AnyString(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<AnyString, E> {
                Ok(AnyString(None))
            }
            fn visit_i128<E: de::Error>(self, _: i128) -> Result<AnyString, E> {
                Ok(AnyString(None))
            }
            fn visit_u128<E: de::Error>(self, _: u128) -> Result<AnyString, E> {
                Ok(AnyString(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<AnyString, E> {
                Ok(AnyString(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<AnyString, E> {
                Ok(AnyString(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<AnyString, E> {
                Ok(AnyString(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<AnyString, D::Error> {
                AnyString::deserialize(d)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<AnyString, A::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(AnyString(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AnyString, A::Error> {
                while map
                    .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(AnyString(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// An envelope's `data`, read as the event's fields.
fn data_fields<M: DeserializeOwned>(raw: &RawValue) -> Result<Fields<M>, serde_json::Error> {
    let mut json = serde_json::Deserializer::from_str(raw.get());
    let fields = json.deserialize_map(FieldsVisitor::<M>::new(false))?;
    json.end()?;
    Ok(fields)
}

impl<'de, M: DeserializeOwned + Default> Deserialize<'de> for JobEvent<M> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EventVisitor(std::marker::PhantomData))
    }
}

/// Reads the fields, then the event, inside the visitor: errors raised here
/// carry the parser's position, as derived ones do.
struct EventVisitor<M>(std::marker::PhantomData<M>);

impl<'de, M: DeserializeOwned + Default> Visitor<'de> for EventVisitor<M> {
    type Value = JobEvent<M>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a job event object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<JobEvent<M>, A::Error> {
        let top = FieldsVisitor::<M>::new(true).visit_map(map)?;
        // The envelope: no `job_id` of its own, and a `data` object holding
        // the event (`type` names it). Otherwise the flat shape wins: its own
        // `type` and `data`, whatever they hold, are fields like any other.
        let envelope =
            top.job_id.is_none() && top.data.as_ref().is_some_and(|d| d.get().starts_with('{'));
        let (status, job_id, metadata, result, event_type) = if envelope {
            let raw = top.data.expect("checked above");
            let data = data_fields::<M>(&raw)
                .map_err(|e| de::Error::custom(format_args!("in the envelope's data: {e}")))?;
            (
                data.status,
                data.job_id,
                data.metadata,
                data.result,
                top.event_type,
            )
        } else {
            (top.status, top.job_id, top.metadata, top.result, None)
        };
        let status = match (status, event_type) {
            (Some(status), _) => status,
            (None, Some(t)) => JobStatus::new(t),
            (None, None) => return Err(de::Error::missing_field("status")),
        };
        Ok(JobEvent {
            status,
            job_id: job_id.ok_or_else(|| de::Error::missing_field("job_id"))?,
            metadata: metadata.unwrap_or_default(),
            result,
        })
    }
}
