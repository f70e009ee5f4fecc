//! Dedupe keys. Each is the receiver's key prefix, a kind (`msg:`, `job:`) and
//! the delivery's identity, with every variable part percent-escaped:
//!
//! * **injective**: `%` and the separator `:` are escaped, so no two
//!   identities share a key (job `a` + status `b:completed` and job `a:b` +
//!   status `completed` stay apart);
//! * **free of `{` and `}`**: an id cannot move the Redis Cluster hash tag the
//!   Redis backends put around the whole key, so every key keeps its own slot.
//!
//! Ids without those characters (nearly all) are copied as they are.

use percent_encoding::{utf8_percent_encode, AsciiSet};

/// The bytes escaped in a key's variable parts (non-ASCII bytes are escaped
/// too, by `utf8_percent_encode` itself).
const ESCAPED: &AsciiSet = &AsciiSet::EMPTY.add(b'%').add(b':').add(b'{').add(b'}');

/// Which bytes are copied into a key as they are: ASCII and not in
/// [`ESCAPED`] (pinned against `percent_encoding` by a test).
const KEPT: [bool; 256] = {
    let mut kept = [false; 256];
    let mut byte = 0;
    while byte < 0x80 {
        kept[byte] = !matches!(byte as u8, b'%' | b':' | b'{' | b'}');
        byte += 1;
    }
    kept
};

/// Appends `part`, escaped. Nearly every id needs no escape: one branch-free
/// pass over its bytes finds that, and it is copied whole (the encoder's
/// iterator tests and copies chunk by chunk, ≈ 170 instructions a key,
/// `loadbench/count.sh`).
pub(crate) fn push_escaped(out: &mut String, part: &str) {
    if part
        .bytes()
        .fold(true, |plain, b| plain & KEPT[usize::from(b)])
    {
        out.push_str(part);
        return;
    }
    for chunk in utf8_percent_encode(part, ESCAPED) {
        out.push_str(chunk);
    }
}

/// `part`, escaped (the Redis job registry's keys).
#[cfg(feature = "redis")]
pub(crate) fn escaped(part: &str) -> String {
    let mut out = String::with_capacity(part.len());
    push_escaped(&mut out, part);
    out
}

/// Signed mode: `<prefix>msg:<message id>`.
pub(crate) fn message_key(prefix: &str, id: &str) -> String {
    let mut key = String::with_capacity(prefix.len() + 4 + id.len());
    key.push_str(prefix);
    key.push_str("msg:");
    push_escaped(&mut key, id);
    key
}

/// Another scheme: `<prefix>s:<scheme>:<id>`, or with a tenant
/// `<prefix>t:<tenant>:<scheme>:<id>`.
pub(crate) fn scheme_key(prefix: &str, scheme: &str, tenant: Option<&str>, id: &str) -> String {
    let mut key = String::with_capacity(
        prefix.len() + 4 + scheme.len() + tenant.map_or(0, |t| t.len() + 1) + id.len(),
    );
    key.push_str(prefix);
    if let Some(tenant) = tenant {
        key.push_str("t:");
        push_escaped(&mut key, tenant);
        key.push(':');
    } else {
        key.push_str("s:");
    }
    push_escaped(&mut key, scheme);
    key.push(':');
    push_escaped(&mut key, id);
    key
}

/// Direct mode: `<prefix>job:<job id>:<status>`.
pub(crate) fn job_key(prefix: &str, job_id: &str, status: &str) -> String {
    let mut key = String::with_capacity(prefix.len() + 5 + job_id.len() + status.len());
    key.push_str(prefix);
    key.push_str("job:");
    push_escaped(&mut key, job_id);
    key.push(':');
    push_escaped(&mut key, status);
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ids_are_copied_and_specials_escaped() {
        assert_eq!(message_key("hookgate:", "msg_1"), "hookgate:msg:msg_1");
        assert_eq!(job_key("p:", "a:b", "completed"), "p:job:a%3Ab:completed");
        assert_eq!(job_key("", "a", "b:completed"), "job:a:b%3Acompleted");
        assert_eq!(message_key("", "{x}%"), "msg:%7Bx%7D%25");
        assert_eq!(message_key("", "jé"), "msg:j%C3%A9");
    }

    /// The fast path copies exactly the bytes the encoder would leave alone.
    #[test]
    fn the_fast_path_keeps_what_the_encoder_keeps() {
        for byte in 0..=u8::MAX {
            let encoded = percent_encoding::percent_encode(&[byte], ESCAPED).to_string();
            assert_eq!(
                KEPT[usize::from(byte)],
                encoded.as_bytes() == [byte],
                "byte {byte:#04x}"
            );
        }
        for id in [
            "msg_1",
            "a:b",
            "{x}",
            "50%",
            "jé",
            "",
            "~!\"#$&'()*+,-./;<=>?@[]^_`|",
        ] {
            let mut slow = String::new();
            for chunk in utf8_percent_encode(id, ESCAPED) {
                slow.push_str(chunk);
            }
            let mut fast = String::new();
            push_escaped(&mut fast, id);
            assert_eq!(fast, slow, "{id}");
        }
    }

    #[test]
    fn scheme_keys_stay_apart_from_each_other_and_from_message_keys() {
        assert_eq!(scheme_key("p:", "github", None, "d1"), "p:s:github:d1");
        assert_eq!(
            scheme_key("p:", "standard-webhooks", Some("a:b"), "m"),
            "p:t:a%3Ab:standard-webhooks:m"
        );
        let mut seen = std::collections::HashMap::new();
        for scheme in ["msg", "job", "s", "a:b", "a"] {
            for tenant in [None, Some("a"), Some("a:b"), Some("")] {
                for id in ["b", "b:c", "c"] {
                    let key = scheme_key("", scheme, tenant, id);
                    assert!(
                        !key.starts_with("msg:") && !key.starts_with("job:"),
                        "{key}"
                    );
                    if let Some(prev) = seen.insert(key.clone(), (scheme, tenant, id)) {
                        panic!("{prev:?} and {:?} share {key}", (scheme, tenant, id));
                    }
                }
            }
        }
    }

    #[test]
    fn job_keys_are_injective() {
        let parts = [
            "", "a", "a:", ":a", "a:b", "%", "%3A", ":", "{", "}", "a%3Ab",
        ];
        let mut seen = std::collections::HashMap::new();
        for job in parts {
            for status in parts {
                let key = job_key("", job, status);
                assert!(!key.contains(['{', '}']), "{key}");
                if let Some(prev) = seen.insert(key.clone(), (job, status)) {
                    panic!("{prev:?} and {:?} share {key}", (job, status));
                }
            }
        }
    }
}
