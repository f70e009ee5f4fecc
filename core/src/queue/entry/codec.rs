//! The byte form of a [`QueueEntry`]: a compact binary header (flags,
//! varints, the facts the flags announce) followed by the raw body.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use bytes::Bytes;

use super::{EntryDecodeError, QueueEntry};
use crate::delivery::{Delivery, Facts, Mode, OtherScheme};
use crate::signature::HeaderFamily;
use crate::verify::{DIRECT, STANDARD};

impl QueueEntry {
    /// The byte form: a compact binary header, then the raw body. It is
    /// stored once per queued delivery, so every byte counts: integers are
    /// varints, and a message id that ends the dedupe key (as nearly all do)
    /// is stored as its length only.
    ///
    /// Layout (version 1): the tag byte, two flag bytes, received-at (Unix
    /// ms), attempts and attempts before the last requeue as varints, the
    /// dedupe key, then each fact its flag announces, in the flags' order,
    /// then the body. A string is a varint length and UTF-8 bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let f = self.delivery.facts();
        let mut a = 0u8;
        let mut b = 0u8;
        if f.mode == Mode::Direct {
            a |= A_DIRECT;
        }
        a |= match f.family {
            None => 0,
            Some(HeaderFamily::Svix) => A_SVIX,
            Some(HeaderFamily::StandardWebhooks) => A_WEBHOOK,
        };
        let id_is_suffix = f.message_id.as_deref().is_some_and(|id| {
            !id.is_empty() && self.key.len() > id.len() && self.key.ends_with(id)
        });
        if f.message_id.is_some() {
            a |= A_MESSAGE_ID;
            if id_is_suffix {
                a |= A_ID_IN_KEY;
            }
        }
        let flags = |present: &[(bool, u8)]| {
            present
                .iter()
                .filter(|(is, _)| *is)
                .fold(0, |bits, (_, bit)| bits | bit)
        };
        a |= flags(&[
            (f.timestamp.is_some(), A_TIMESTAMP),
            (f.job_id.is_some(), A_JOB),
            (f.status.is_some(), A_STATUS),
        ]);
        match f.client_addr {
            Some(IpAddr::V4(_)) => b |= B_CLIENT_V4,
            Some(IpAddr::V6(_)) => b |= B_CLIENT_V6,
            None => {}
        }
        b |= flags(&[
            (self.last_error.is_some(), B_LAST_ERROR),
            (f.redact_field.is_some(), B_REDACT),
            (self.forget_job.is_some(), B_FORGET),
        ]);
        let implied = if f.mode == Mode::Direct {
            DIRECT
        } else {
            STANDARD
        };
        let scheme = f
            .other
            .as_ref()
            .map(|o| &*o.scheme)
            .filter(|s| *s != implied);
        let event_type = f.other.as_ref().and_then(|o| o.event_type.as_deref());
        b |= flags(&[
            (scheme.is_some(), B_SCHEME),
            (event_type.is_some(), B_EVENT_TYPE),
        ]);
        let mut out = Vec::with_capacity(
            64 + self.key.len() + self.last_error.as_deref().map_or(0, str::len) + f.body.len(),
        );
        out.extend_from_slice(&[TAG, a, b]);
        put_varint(&mut out, self.received_at_ms);
        put_varint(&mut out, u64::from(self.attempts));
        put_varint(&mut out, u64::from(self.requeued_after));
        put_str(&mut out, &self.key);
        if let Some(id) = f.message_id.as_deref() {
            if id_is_suffix {
                put_varint(&mut out, id.len() as u64);
            } else {
                put_str(&mut out, id);
            }
        }
        if let Some(t) = f.timestamp {
            // Zigzag: small negative numbers stay short too.
            put_varint(&mut out, ((t << 1) ^ (t >> 63)) as u64);
        }
        for s in [f.job_id.as_deref(), f.status.as_deref()]
            .into_iter()
            .flatten()
        {
            put_str(&mut out, s);
        }
        match f.client_addr {
            Some(IpAddr::V4(ip)) => out.extend_from_slice(&ip.octets()),
            Some(IpAddr::V6(ip)) => out.extend_from_slice(&ip.octets()),
            None => {}
        }
        for s in [
            self.last_error.as_deref(),
            f.redact_field.as_deref(),
            self.forget_job.as_deref(),
            scheme,
            event_type,
        ]
        .into_iter()
        .flatten()
        {
            put_str(&mut out, s);
        }
        out.extend_from_slice(&f.body);
        out
    }

    /// Reads the byte form back; the body is a slice of `bytes` (no copy).
    /// Anything else — foreign bytes, a truncated entry, unknown flags — is
    /// an [`EntryDecodeError`] saying what is wrong.
    pub fn from_bytes(bytes: Bytes) -> Result<Self, EntryDecodeError> {
        let mut r = Reader {
            bytes: &bytes,
            at: 0,
        };
        let tag = r.byte("the format tag")?;
        if tag != TAG {
            return Err(EntryDecodeError(format!(
                "unknown format tag 0x{tag:02x} (a hookgate entry starts with 0x{TAG:02x})"
            )));
        }
        let a = r.byte("the first flag byte")?;
        let b = r.byte("the second flag byte")?;
        if b & !B_KNOWN != 0 {
            return Err(EntryDecodeError(format!("unknown flags 0x{b:02x}")));
        }
        if a & A_ID_IN_KEY != 0 && a & A_MESSAGE_ID == 0 {
            return Err(EntryDecodeError(
                "a message id flag without its id".to_owned(),
            ));
        }
        let family = match a & A_FAMILY {
            0 => None,
            A_SVIX => Some(HeaderFamily::Svix),
            A_WEBHOOK => Some(HeaderFamily::StandardWebhooks),
            _ => return Err(EntryDecodeError("unknown header family".to_owned())),
        };
        let received_at_ms = r.varint("received-at")?;
        let attempts = r.small("attempts")?;
        let requeued_after = r.small("attempts before requeue")?;
        let key = r.str("the dedupe key")?;
        let message_id = if a & A_MESSAGE_ID == 0 {
            None
        } else if a & A_ID_IN_KEY != 0 {
            let len = r.varint("the message id's length")?;
            let len = usize::try_from(len)
                .ok()
                .filter(|&l| l > 0 && l < key.len() && key.is_char_boundary(key.len() - l))
                .ok_or_else(|| EntryDecodeError("a message id longer than its key".to_owned()))?;
            Some(key[key.len() - len..].to_owned())
        } else {
            Some(r.str("the message id")?.to_owned())
        };
        let timestamp = if a & A_TIMESTAMP != 0 {
            let z = r.varint("the timestamp")?;
            Some(((z >> 1) as i64) ^ -((z & 1) as i64))
        } else {
            None
        };
        let job_id = r.opt_str(a & A_JOB != 0, "the job id")?;
        let status = r.opt_str(a & A_STATUS != 0, "the status")?;
        let client_addr = match b & (B_CLIENT_V4 | B_CLIENT_V6) {
            0 => None,
            B_CLIENT_V4 => Some(IpAddr::V4(Ipv4Addr::from(
                r.array::<4>("the client address")?,
            ))),
            B_CLIENT_V6 => Some(IpAddr::V6(Ipv6Addr::from(
                r.array::<16>("the client address")?,
            ))),
            _ => return Err(EntryDecodeError("two client addresses".to_owned())),
        };
        let last_error = r.opt_str(b & B_LAST_ERROR != 0, "the last error")?;
        let redact = r.opt_str(b & B_REDACT != 0, "the field to redact")?;
        let forget = r.opt_str(b & B_FORGET != 0, "the job to forget")?;
        let scheme = r.opt_str(b & B_SCHEME != 0, "the scheme")?;
        let event_type = r.opt_str(b & B_EVENT_TYPE != 0, "the event type")?;
        let mode = if a & A_DIRECT != 0 {
            Mode::Direct
        } else {
            Mode::Signed
        };
        let other = match (scheme, event_type) {
            (None, None) => None,
            (scheme, event_type) => Some(Box::new(OtherScheme {
                scheme: match (scheme, mode) {
                    (Some(s), _) => Cow::Owned(s.to_owned()),
                    (None, Mode::Direct) => Cow::Borrowed(DIRECT),
                    (None, Mode::Signed) => Cow::Borrowed(STANDARD),
                },
                event_type: event_type.map(str::to_owned),
            })),
        };
        let delivery = Delivery::new(Facts {
            body: bytes.slice(r.at..),
            mode,
            other,
            family,
            message_id,
            timestamp,
            job_id: job_id.map(str::to_owned),
            status: status.map(str::to_owned),
            client_addr,
            redact_field: redact.map(Arc::from),
        });
        Ok(Self {
            key: Arc::from(key),
            delivery,
            received_at_ms,
            attempts,
            requeued_after,
            last_error: last_error.map(Arc::from),
            forget_job: forget.map(Arc::from),
            unreadable: false,
        })
    }
}

/// The first byte of every entry (format version 1).
const TAG: u8 = 0xB1;
const A_DIRECT: u8 = 1;
const A_FAMILY: u8 = 0b110;
const A_SVIX: u8 = 0b010;
const A_WEBHOOK: u8 = 0b100;
const A_MESSAGE_ID: u8 = 1 << 3;
const A_ID_IN_KEY: u8 = 1 << 4;
const A_TIMESTAMP: u8 = 1 << 5;
const A_JOB: u8 = 1 << 6;
const A_STATUS: u8 = 1 << 7;
const B_CLIENT_V4: u8 = 1;
const B_CLIENT_V6: u8 = 1 << 1;
const B_LAST_ERROR: u8 = 1 << 2;
const B_REDACT: u8 = 1 << 3;
const B_FORGET: u8 = 1 << 4;
/// A scheme other than the one the mode implies (`standard-webhooks` when
/// signed, `direct` when direct).
const B_SCHEME: u8 = 1 << 5;
const B_EVENT_TYPE: u8 = 1 << 6;
const B_KNOWN: u8 = 0b111_1111;

fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// Reads an entry's header, every step bounds-checked.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn truncated(what: &str) -> EntryDecodeError {
        EntryDecodeError(format!("truncated before {what}"))
    }

    fn byte(&mut self, what: &str) -> Result<u8, EntryDecodeError> {
        let b = *self
            .bytes
            .get(self.at)
            .ok_or_else(|| Self::truncated(what))?;
        self.at += 1;
        Ok(b)
    }

    fn varint(&mut self, what: &str) -> Result<u64, EntryDecodeError> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte(what)?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(EntryDecodeError(format!(
            "{what}: a varint longer than 64 bits"
        )))
    }

    fn small(&mut self, what: &str) -> Result<u32, EntryDecodeError> {
        u32::try_from(self.varint(what)?)
            .map_err(|_| EntryDecodeError(format!("{what} out of range")))
    }

    fn take(&mut self, len: usize, what: &str) -> Result<&'a [u8], EntryDecodeError> {
        let end = self
            .at
            .checked_add(len)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| Self::truncated(what))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], EntryDecodeError> {
        let s = self.take(N, what)?;
        let mut out = [0u8; N];
        out.copy_from_slice(s);
        Ok(out)
    }

    fn str(&mut self, what: &str) -> Result<&'a str, EntryDecodeError> {
        let len = usize::try_from(self.varint(what)?).map_err(|_| Self::truncated(what))?;
        std::str::from_utf8(self.take(len, what)?)
            .map_err(|_| EntryDecodeError(format!("{what} is not UTF-8")))
    }

    fn opt_str(&mut self, present: bool, what: &str) -> Result<Option<&'a str>, EntryDecodeError> {
        present.then(|| self.str(what)).transpose()
    }
}
