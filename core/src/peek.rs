//! The hot-path parse of a direct-mode body: only `job_id`, `status` and, when a
//! token check is configured, `metadata.<token field>`. Everything else is
//! skipped without being built.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::event::AnyString;

/// The fields of a payload the checks and the dedupe key need.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Peeked {
    pub job_id: Option<String>,
    pub status: Option<String>,
    pub token: Option<String>,
}

/// Parses `body` as a JSON object and picks the fields; `token_field` names the
/// metadata field to read (none: metadata is skipped).
pub(crate) fn peek(body: &[u8], token_field: Option<&str>) -> Result<Peeked, serde_json::Error> {
    peek_object(body, token_field, true)
}

/// `top`: the body itself; otherwise an envelope's `data` (its own `type` and
/// `data` fields mean nothing there, as for `JobEvent`).
fn peek_object(
    body: &[u8],
    token_field: Option<&str>,
    top: bool,
) -> Result<Peeked, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let peeked = PayloadSeed { token_field, top }.deserialize(&mut de)?;
    de.end()?;
    Ok(peeked)
}

struct PayloadSeed<'a> {
    token_field: Option<&'a str>,
    top: bool,
}

impl<'de> DeserializeSeed<'de> for PayloadSeed<'_> {
    type Value = Peeked;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Peeked, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PayloadSeed<'_> {
    type Value = Peeked;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Peeked, A::Error> {
        let mut out = Peeked::default();
        // The Standard Webhooks envelope: `{"type", "data": {job event}}`.
        // Whether this is one is known only at the end: until then `type` and
        // `data` may be a flat event's own fields, of any type.
        let mut event_type: Option<String> = None;
        let mut data: Option<&'de RawValue> = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "job_id" => out.job_id = map.next_value::<Option<String>>()?,
                "status" => out.status = map.next_value::<Option<String>>()?,
                "type" if self.top => event_type = map.next_value::<AnyString>()?.0,
                "data" if self.top => data = Some(map.next_value()?),
                "metadata" => match self.token_field {
                    Some(field) => {
                        out.token = map.next_value_seed(MetadataSeed { field })?;
                    }
                    None => {
                        map.next_value::<IgnoredAny>()?;
                    }
                },
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        // As `JobEvent` reads it: an object without its own `job_id` whose
        // `data` is an object is an envelope; its status is `data.status`,
        // else `type`. Otherwise the flat shape wins.
        match data {
            Some(raw) if out.job_id.is_none() && raw.get().starts_with('{') => {
                let inner = peek_object(raw.get().as_bytes(), self.token_field, false)
                    .map_err(|e| de::Error::custom(format_args!("in the envelope's data: {e}")))?;
                Ok(Peeked {
                    job_id: inner.job_id,
                    status: inner.status.or(event_type),
                    token: inner.token,
                })
            }
            _ => Ok(out),
        }
    }
}

/// Reads `metadata.<field>` as a string; metadata may be null or absent.
struct MetadataSeed<'a> {
    field: &'a str,
}

impl<'de> DeserializeSeed<'de> for MetadataSeed<'_> {
    type Value = Option<String>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MetadataSeed<'_> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a metadata object or null")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<String>, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<String>, E> {
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<String>, A::Error> {
        let mut token = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == self.field {
                // A non-string token is not the token: treat it as absent.
                token = map
                    .next_value::<serde_json::Value>()?
                    .as_str()
                    .map(str::to_owned);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_fields() {
        let p = peek(
            br#"{"status":"Completed","job_id":"j\u00e9","metadata":{"a":[1,{"b":2}],"webhook_secret":"t0k"},"result":{"x":1}}"#,
            Some("webhook_secret"),
        )
        .unwrap();
        assert_eq!(p.job_id.as_deref(), Some("jé"));
        assert_eq!(p.status.as_deref(), Some("Completed"));
        assert_eq!(p.token.as_deref(), Some("t0k"));
    }

    #[test]
    fn metadata_shapes() {
        assert_eq!(
            peek(br#"{"metadata":null}"#, Some("t")).unwrap().token,
            None
        );
        assert_eq!(
            peek(br#"{"metadata":{"t":5}}"#, Some("t")).unwrap().token,
            None
        );
        assert!(peek(br#"{"metadata":"str"}"#, Some("t")).is_err());
        assert_eq!(
            peek(br#"{"metadata":{"t":"x"}}"#, None).unwrap().token,
            None
        );
    }

    #[test]
    fn malformed_is_error() {
        for bad in [
            &b""[..],
            b"[]",
            b"{",
            b"{\"job_id\":1}",
            b"{} trailing",
            b"\xff",
        ] {
            assert!(
                peek(bad, None).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
