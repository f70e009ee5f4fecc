//! [`QueueEntry`]: one queued delivery, with everything a worker needs to give
//! the app's handler exactly what a route handler gets (the verified raw body
//! and the delivery facts), plus the queue's own bookkeeping (dedupe key,
//! received-at, attempts so far, last error); and its byte encoding.

use std::borrow::Cow;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::delivery::{Delivery, Facts, Mode};
use crate::signature::HeaderFamily;

/// One queued delivery. Cheap to clone (the body and facts are shared).
///
/// Its [byte form](Self::to_bytes) is a short JSON header, a newline, then the
/// raw body, so a queued 1 KiB delivery costs about 1 KiB plus one or two
/// hundred bytes.
#[derive(Clone)]
pub struct QueueEntry {
    key: Arc<str>,
    delivery: Delivery,
    received_at_ms: u64,
    attempts: u32,
    /// Attempts made before the last requeue (they do not count against the
    /// maximum again).
    requeued_after: u32,
    last_error: Option<Arc<str>>,
    forget_job: Option<Arc<str>>,
}

/// The JSON header of an entry's byte form (short names: it is stored per
/// entry).
#[derive(Serialize, Deserialize)]
struct Header<'a> {
    /// Dedupe key.
    #[serde(borrow)]
    k: Cow<'a, str>,
    /// Mode: `s` signed, `d` direct.
    #[serde(borrow)]
    m: Cow<'a, str>,
    /// Header family: `svix` or `webhook`.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    f: Option<Cow<'a, str>>,
    /// Message id.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    i: Option<Cow<'a, str>>,
    /// Signed timestamp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    t: Option<i64>,
    /// Job id.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    j: Option<Cow<'a, str>>,
    /// Status as sent.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    s: Option<Cow<'a, str>>,
    /// Client address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    c: Option<IpAddr>,
    /// Received at, Unix milliseconds.
    r: u64,
    /// Attempts made so far.
    #[serde(default)]
    a: u32,
    /// Attempts made before the last requeue.
    #[serde(default, skip_serializing_if = "is_zero")]
    b: u32,
    /// Last error.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    e: Option<Cow<'a, str>>,
    /// Direct mode with a token check: the metadata field to strip.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    x: Option<Cow<'a, str>>,
    /// Known job to forget once done.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    g: Option<Cow<'a, str>>,
}

/// Bytes that are not a queue entry hookgate wrote.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a hookgate queue entry: {0}")]
pub struct EntryDecodeError(String);

impl QueueEntry {
    /// A new entry for an admitted delivery under dedupe key `key`, received
    /// now, with no attempt made yet.
    pub fn new(key: impl Into<Arc<str>>, delivery: Delivery) -> Self {
        Self {
            key: key.into(),
            delivery,
            received_at_ms: unix_ms(SystemTime::now()),
            attempts: 0,
            requeued_after: 0,
            last_error: None,
            forget_job: None,
        }
    }

    /// Also forget this known job id once the delivery is processed (direct
    /// mode with known jobs, final status).
    pub(crate) fn forgetting_job(mut self, job: Option<String>) -> Self {
        self.forget_job = job.map(Into::into);
        self
    }

    /// The dedupe key (the queue's marker for this delivery).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The delivery: raw body and facts, as a route handler gets them.
    pub fn delivery(&self) -> &Delivery {
        &self.delivery
    }

    /// When the receiver accepted the delivery.
    pub fn received_at(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.received_at_ms)
    }

    /// How many attempts were made before this entry was (re)queued, over the
    /// delivery's whole life.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// How many of those were made before an operator last requeued it as a
    /// dead letter: the maximum attempts count from there.
    pub fn attempts_before_requeue(&self) -> u32 {
        self.requeued_after
    }

    /// The last attempt's error, once one failed.
    pub fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }

    /// The known job to forget once done.
    pub(crate) fn forget_job(&self) -> Option<&str> {
        self.forget_job.as_deref()
    }

    /// This entry after `attempts` attempts, the last failing with `error`.
    pub fn with_failure(&self, attempts: u32, error: impl Into<Arc<str>>) -> Self {
        let mut next = self.clone();
        next.attempts = attempts;
        next.last_error = Some(error.into());
        next
    }

    /// This entry requeued from the dead letters: it gets the full number of
    /// attempts again, while its attempt numbers keep counting over its whole
    /// life. The last error is kept for the record.
    pub fn requeued(&self) -> Self {
        let mut next = self.clone();
        next.requeued_after = self.attempts;
        next
    }

    /// The byte form: a JSON header line, then the raw body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let f = self.delivery.facts();
        let header = Header {
            k: Cow::Borrowed(&self.key),
            m: Cow::Borrowed(match f.mode {
                Mode::Signed => "s",
                Mode::Direct => "d",
            }),
            f: f.family.map(|fam| {
                Cow::Borrowed(match fam {
                    HeaderFamily::Svix => "svix",
                    HeaderFamily::StandardWebhooks => "webhook",
                })
            }),
            i: f.message_id.as_deref().map(Cow::Borrowed),
            t: f.timestamp,
            j: f.job_id.as_deref().map(Cow::Borrowed),
            s: f.status.as_deref().map(Cow::Borrowed),
            c: f.client_addr,
            r: self.received_at_ms,
            a: self.attempts,
            b: self.requeued_after,
            e: self.last_error.as_deref().map(Cow::Borrowed),
            x: f.redact_field.as_deref().map(Cow::Borrowed),
            g: self.forget_job.as_deref().map(Cow::Borrowed),
        };
        let mut out = Vec::with_capacity(160 + f.body.len());
        // Serializing plain strings and numbers into a Vec cannot fail.
        serde_json::to_writer(&mut out, &header).unwrap_or_default();
        out.push(b'\n');
        out.extend_from_slice(&f.body);
        out
    }

    /// Reads the byte form back; the body is a slice of `bytes` (no copy).
    pub fn from_bytes(bytes: Bytes) -> Result<Self, EntryDecodeError> {
        let split = bytes
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| EntryDecodeError("no header line".to_owned()))?;
        let header: Header<'_> = serde_json::from_slice(&bytes[..split])
            .map_err(|e| EntryDecodeError(format!("bad header: {e}")))?;
        let mode = match &*header.m {
            "s" => Mode::Signed,
            "d" => Mode::Direct,
            _ => return Err(EntryDecodeError("unknown mode".to_owned())),
        };
        let family = match header.f.as_deref() {
            None => None,
            Some("svix") => Some(HeaderFamily::Svix),
            Some("webhook") => Some(HeaderFamily::StandardWebhooks),
            Some(_) => return Err(EntryDecodeError("unknown header family".to_owned())),
        };
        let delivery = Delivery::new(Facts {
            body: bytes.slice(split + 1..),
            mode,
            family,
            message_id: header.i.map(Cow::into_owned),
            timestamp: header.t,
            job_id: header.j.map(Cow::into_owned),
            status: header.s.map(Cow::into_owned),
            client_addr: header.c,
            redact_field: header.x.map(|x| Arc::from(&*x)),
        });
        Ok(Self {
            key: Arc::from(&*header.k),
            delivery,
            received_at_ms: header.r,
            attempts: header.a,
            requeued_after: header.b,
            last_error: header.e.map(|e| Arc::from(&*e)),
            forget_job: header.g.map(|g| Arc::from(&*g)),
        })
    }
}

impl std::fmt::Debug for QueueEntry {
    /// The facts, never the body (it may hold a token).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueueEntry")
            .field("key", &self.key)
            .field("delivery", &self.delivery)
            .field("attempts", &self.attempts)
            .field("last_error", &self.last_error)
            .finish_non_exhaustive()
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Milliseconds since the Unix epoch (0 for a clock before 1970).
pub(crate) fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed() -> Delivery {
        Delivery::new(Facts {
            body: Bytes::from_static(b"{\"status\":\"Completed\",\n\"job_id\":\"j\"}"),
            mode: Mode::Signed,
            family: Some(HeaderFamily::StandardWebhooks),
            message_id: Some("msg_1".to_owned()),
            timestamp: Some(1_700_000_000),
            job_id: None,
            status: None,
            client_addr: Some("10.0.0.7".parse().unwrap()),
            redact_field: None,
        })
    }

    #[test]
    fn byte_form_round_trips_every_fact() {
        let entry = QueueEntry::new("hookgate:msg:msg_1", signed())
            .with_failure(2, "boom \"quoted\"\n")
            .forgetting_job(Some("job_9".to_owned()));
        let back = QueueEntry::from_bytes(entry.to_bytes().into()).unwrap();
        assert_eq!(back.key(), "hookgate:msg:msg_1");
        assert_eq!(back.attempts(), 2);
        assert_eq!(back.last_error(), Some("boom \"quoted\"\n"));
        assert_eq!(back.forget_job(), Some("job_9"));
        assert_eq!(back.received_at(), entry.received_at());
        let d = back.delivery();
        assert_eq!(d.body(), signed().body());
        assert_eq!(d.mode(), Mode::Signed);
        assert_eq!(d.header_family(), Some(HeaderFamily::StandardWebhooks));
        assert_eq!(d.message_id(), Some("msg_1"));
        assert_eq!(d.timestamp(), Some(1_700_000_000));
        assert_eq!(d.client_addr(), Some("10.0.0.7".parse().unwrap()));
        let requeued = QueueEntry::from_bytes(back.requeued().to_bytes().into()).unwrap();
        assert_eq!(requeued.attempts(), 2);
        assert_eq!(requeued.attempts_before_requeue(), 2);
        assert!(back.requeued().last_error().is_some());
    }

    #[test]
    fn direct_entries_keep_the_field_to_redact() {
        let d = Delivery::new(Facts {
            body: Bytes::from_static(
                br#"{"status":"Failed","job_id":"j1","metadata":{"webhook_secret":"t0k"}}"#,
            ),
            mode: Mode::Direct,
            family: None,
            message_id: None,
            timestamp: None,
            job_id: Some("j1".to_owned()),
            status: Some("Failed".to_owned()),
            client_addr: None,
            redact_field: Some("webhook_secret".into()),
        });
        let back = QueueEntry::from_bytes(QueueEntry::new("k", d).to_bytes().into()).unwrap();
        let event: serde_json::Value = back.delivery().event().unwrap();
        assert_eq!(event["metadata"], serde_json::json!({}));
        assert_eq!(back.delivery().status(), Some("Failed"));
    }

    #[test]
    fn foreign_bytes_are_refused() {
        for bad in [
            &b"no newline"[..],
            b"{}\n",
            b"{\"k\":\"a\",\"m\":\"q\",\"r\":1}\nx",
        ] {
            assert!(QueueEntry::from_bytes(Bytes::copy_from_slice(bad)).is_err());
        }
    }
}
