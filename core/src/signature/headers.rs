//! Reading a request's signature headers: one family (`svix-*` or
//! `webhook-*`), found in one pass over the map where it can be enumerated,
//! each value checked for shape.

use super::{HeaderFamily, SignatureError, MAX_MESSAGE_ID_LEN};
use crate::headers::HeaderLookup;

/// The three signature headers of one request, validated for shape.
#[derive(Debug, Clone, Copy)]
pub struct SignedHeaders<'a> {
    /// Which family the sender used.
    pub family: HeaderFamily,
    /// The message id (`svix-id` / `webhook-id`).
    pub id: &'a str,
    /// The timestamp as sent (digits only).
    pub timestamp_raw: &'a str,
    /// The timestamp in Unix seconds.
    pub timestamp: i64,
    /// The signature header value.
    pub signature: &'a [u8],
}

impl<'a> SignedHeaders<'a> {
    /// Reads the signature headers of one family (case-insensitive names).
    /// Mixing families, missing headers, a malformed id or timestamp are refused.
    pub fn read(headers: &'a dyn HeaderLookup) -> Result<Self, SignatureError> {
        let found = FamilyHeaders::collect(headers);
        let family = match (found.svix.any(), found.standard.any()) {
            (true, true) => return Err(SignatureError::MixedFamilies),
            (true, false) => HeaderFamily::Svix,
            (false, true) => HeaderFamily::StandardWebhooks,
            (false, false) => return Err(SignatureError::Missing),
        };
        let set = match family {
            HeaderFamily::Svix => found.svix,
            HeaderFamily::StandardWebhooks => found.standard,
        };
        let [id_name, ts_name, sig_name] = family.names();
        let id = set.id.ok_or(SignatureError::MissingHeader(id_name))?;
        let ts = set
            .timestamp
            .ok_or(SignatureError::MissingHeader(ts_name))?;
        let signature = set
            .signature
            .ok_or(SignatureError::MissingHeader(sig_name))?;
        let id = parse_message_id(id)?;
        let (timestamp_raw, timestamp) = parse_timestamp(ts)?;
        Ok(Self {
            family,
            id,
            timestamp_raw,
            timestamp,
            signature,
        })
    }
}

/// The first value of each signature header of one family.
#[derive(Clone, Copy, Default)]
struct HeaderSet<'a> {
    id: Option<&'a [u8]>,
    timestamp: Option<&'a [u8]>,
    signature: Option<&'a [u8]>,
}

impl<'a> HeaderSet<'a> {
    fn any(&self) -> bool {
        self.id.is_some() || self.timestamp.is_some() || self.signature.is_some()
    }

    fn lookup(headers: &'a dyn HeaderLookup, family: HeaderFamily) -> Self {
        let [id, ts, sig] = family.names();
        Self {
            id: headers.first(id),
            timestamp: headers.first(ts),
            signature: headers.first(sig),
        }
    }
}

/// Both families' headers, found in one pass when the map can be enumerated.
struct FamilyHeaders<'a> {
    svix: HeaderSet<'a>,
    standard: HeaderSet<'a>,
}

impl<'a> FamilyHeaders<'a> {
    fn collect(headers: &'a dyn HeaderLookup) -> Self {
        let mut found = Self {
            svix: HeaderSet::default(),
            standard: HeaderSet::default(),
        };
        // Names arrive lower-case (the trait's contract): exact matches suffice.
        let scanned = headers.for_each_header(&mut |name, value| {
            let slot = match name {
                "svix-id" => &mut found.svix.id,
                "svix-timestamp" => &mut found.svix.timestamp,
                "svix-signature" => &mut found.svix.signature,
                "webhook-id" => &mut found.standard.id,
                "webhook-timestamp" => &mut found.standard.timestamp,
                "webhook-signature" => &mut found.standard.signature,
                _ => return,
            };
            slot.get_or_insert(value);
        });
        if !scanned {
            found.svix = HeaderSet::lookup(headers, HeaderFamily::Svix);
            found.standard = HeaderSet::lookup(headers, HeaderFamily::StandardWebhooks);
        }
        found
    }
}

fn parse_message_id(raw: &[u8]) -> Result<&str, SignatureError> {
    // Branch-free visible-ASCII check (vectorises); then the UTF-8 view is the
    // ASCII fast path.
    let visible = raw
        .iter()
        .fold(true, |ok, b| ok & (b.wrapping_sub(0x21) < 0x5e));
    if raw.is_empty() || raw.len() > MAX_MESSAGE_ID_LEN || !visible {
        return Err(SignatureError::InvalidMessageId);
    }
    std::str::from_utf8(raw).map_err(|_| SignatureError::InvalidMessageId)
}

pub(super) fn parse_timestamp(raw: &[u8]) -> Result<(&str, i64), SignatureError> {
    if raw.is_empty() || raw.len() > 18 {
        return Err(SignatureError::InvalidTimestamp);
    }
    // At most 18 digits cannot overflow an i64.
    let mut value: i64 = 0;
    for b in raw {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return Err(SignatureError::InvalidTimestamp);
        }
        value = value * 10 + i64::from(digit);
    }
    let text = std::str::from_utf8(raw).map_err(|_| SignatureError::InvalidTimestamp)?;
    Ok((text, value))
}
