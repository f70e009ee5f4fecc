//! The hot-path parse of a direct-mode body: only `job_id`, `status` and, when a
//! token check is configured, `metadata.<token field>`. Everything else is
//! skipped without being built.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

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
    let mut de = serde_json::Deserializer::from_slice(body);
    let peeked = PayloadSeed { token_field }.deserialize(&mut de)?;
    de.end()?;
    Ok(peeked)
}

struct PayloadSeed<'a> {
    token_field: Option<&'a str>,
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
        let mut event_type: Option<String> = None;
        let mut data: Option<Peeked> = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "job_id" => out.job_id = map.next_value::<Option<String>>()?,
                "status" => out.status = map.next_value::<Option<String>>()?,
                "type" => event_type = map.next_value::<Option<String>>()?,
                "data" => {
                    data = map.next_value_seed(OptionalPayload {
                        token_field: self.token_field,
                    })?;
                }
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
        // As `JobEvent` reads it: an object without its own `job_id` but with
        // `data` is an envelope; its status is `data.status`, else `type`.
        match data {
            Some(inner) if out.job_id.is_none() => Ok(Peeked {
                job_id: inner.job_id,
                status: inner.status.or(event_type),
                token: inner.token,
            }),
            _ => Ok(out),
        }
    }
}

/// An envelope's `data`: a job event object, or anything else (ignored).
struct OptionalPayload<'a> {
    token_field: Option<&'a str>,
}

impl<'de> DeserializeSeed<'de> for OptionalPayload<'_> {
    type Value = Option<Peeked>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<Peeked>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for OptionalPayload<'_> {
    type Value = Option<Peeked>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an envelope's data object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<Peeked>, A::Error> {
        PayloadSeed {
            token_field: self.token_field,
        }
        .visit_map(map)
        .map(Some)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Option<Peeked>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<Peeked>, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Option<Peeked>, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Option<Peeked>, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Option<Peeked>, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Option<Peeked>, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Option<Peeked>, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Option<Peeked>, E> {
        Ok(None)
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
