//! Token removal: the direct-mode token is cut out of `metadata` in the raw
//! bytes, so the handler's event is then parsed from bytes exactly as it would
//! be without the token check (no detour through `serde_json::Value`, which
//! would turn a `u128` or a number beyond `f64` into a parse error).
//!
//! Only the top-level object and each `metadata` object are scanned; every
//! other value is kept as the sender wrote it ([`RawValue`]).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer as _, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

/// `body` with every `metadata.<field>` entry removed (however its key is
/// escaped, however often it repeats, in every `metadata` the object holds,
/// and in the Standard Webhooks envelope's `data.metadata`).
/// Borrowed unchanged when there is none.
pub(crate) fn without_metadata_field<'a>(
    body: &'a [u8],
    field: &str,
) -> Result<Cow<'a, [u8]>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let spans = de.deserialize_map(MetadataValues)?;
    de.end()?;
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    for raw in spans {
        let text = raw.get();
        let Some(rebuilt) = rebuilt_without(text, field)? else {
            continue;
        };
        // `text` borrows from `body`: its offset is where the value sits.
        let start = text.as_ptr() as usize - body.as_ptr() as usize;
        let buf = out.get_or_insert_with(|| Vec::with_capacity(body.len()));
        buf.extend_from_slice(&body[copied..start]);
        buf.extend_from_slice(rebuilt.as_bytes());
        copied = start + text.len();
    }
    Ok(match out {
        None => Cow::Borrowed(body),
        Some(mut buf) => {
            buf.extend_from_slice(&body[copied..]);
            Cow::Owned(buf)
        }
    })
}

/// One `metadata` object without `field`, or `None` when it has no such entry
/// (or is not an object: the typed parse then reports what it expects).
fn rebuilt_without(text: &str, field: &str) -> Result<Option<String>, serde_json::Error> {
    if !text.starts_with('{') {
        return Ok(None);
    }
    let entries: Entries<'_> = serde_json::from_str(text)?;
    if !entries.0.iter().any(|(k, _)| k == field) {
        return Ok(None);
    }
    let mut out = String::with_capacity(text.len());
    out.push('{');
    for (key, value) in entries.0.iter().filter(|(k, _)| k != field) {
        if out.len() > 1 {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(key)?);
        out.push(':');
        out.push_str(value.get());
    }
    out.push('}');
    Ok(Some(out))
}

/// The raw `metadata` values of a top-level object, in order.
struct MetadataValues;

impl<'de> Visitor<'de> for MetadataValues {
    type Value = Vec<&'de RawValue>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = Vec::new();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == "metadata" {
                found.push(map.next_value::<&'de RawValue>()?);
            } else if key == "data" {
                // The Standard Webhooks envelope's event: its metadata too.
                let data = map.next_value::<&'de RawValue>()?;
                if data.get().starts_with('{') {
                    let mut de = serde_json::Deserializer::from_str(data.get());
                    found.extend(
                        de.deserialize_map(MetadataValues)
                            .map_err(de::Error::custom)?,
                    );
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// An object's entries, values kept raw, in order.
struct Entries<'de>(Vec<(Cow<'de, str>, &'de RawValue)>);

impl<'de> serde::Deserialize<'de> for Entries<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<'de>, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<Cow<'de, str>, &'de RawValue>()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(body: &str) -> String {
        String::from_utf8(
            without_metadata_field(body.as_bytes(), "t")
                .unwrap()
                .into_owned(),
        )
        .unwrap()
    }

    #[test]
    fn removes_only_the_field_and_keeps_every_other_byte() {
        assert_eq!(
            cut(
                r#"{"a": 1.50, "metadata": {"x": 1e400, "t": "s", "y": [ 1 ]}, "b": 340282366920938463463374607431768211455}"#
            ),
            r#"{"a": 1.50, "metadata": {"x":1e400,"y":[ 1 ]}, "b": 340282366920938463463374607431768211455}"#
        );
        assert_eq!(cut(r#"{"metadata":{"t":"s"}}"#), r#"{"metadata":{}}"#);
        assert_eq!(
            cut(r#"{"metadata":{"\u0074":"s","t":"s2"},"metadata":{"t":1}}"#),
            r#"{"metadata":{},"metadata":{}}"#
        );
    }

    #[test]
    fn borrows_when_nothing_to_remove() {
        for body in [
            r#"{"metadata":{"u":"t"}}"#,
            r#"{"metadata":null}"#,
            r#"{"metadata":"t"}"#,
            r#"{"x":{"t":1}}"#,
        ] {
            assert!(matches!(
                without_metadata_field(body.as_bytes(), "t").unwrap(),
                Cow::Borrowed(_)
            ));
        }
    }

    #[test]
    fn malformed_is_an_error() {
        for bad in [
            &b"{"[..],
            b"[]",
            b"{} x",
            b"\xff",
            br#"{"metadata":{"t":}}"#,
        ] {
            assert!(without_metadata_field(bad, "t").is_err());
        }
    }
}
