//! Rocket's header map seen through hookgate's [`HeaderLookup`].
//!
//! Rocket keeps only UTF-8 header values (it drops the others while parsing
//! the request), so a header with invalid bytes looks absent to the core,
//! which then refuses the delivery as it would any missing header. For
//! `X-Forwarded-For` behind a trusted proxy that appends to the client's
//! header, that means the client address is unknown (the core never falls
//! back to the proxy's own address), so `allowed_sources` answers 403 where
//! axum and actix, which see the bytes, find the client right of the
//! unreadable part.

use std::borrow::Cow;

use hookgate::adapter::HeaderLookup;
use rocket::http::uri::Origin;
use rocket::http::{Header, HeaderMap};
use rocket::Request;

/// A borrowed Rocket [`HeaderMap`] the core can read (names match
/// case-insensitively), and the request's path where it was lent the request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RocketHeaders<'a, 'h> {
    map: &'a HeaderMap<'h>,
    uri: Option<&'a Origin<'h>>,
}

impl<'a, 'h> RocketHeaders<'a, 'h> {
    /// A header map alone (no path).
    #[cfg(test)]
    fn map(map: &'a HeaderMap<'h>) -> Self {
        Self { map, uri: None }
    }

    /// A request's headers, and its path for a tenant path template.
    pub(crate) fn of_request(request: &'a Request<'h>) -> Self {
        Self {
            map: request.headers(),
            uri: Some(request.uri()),
        }
    }
}

impl HeaderLookup for RocketHeaders<'_, '_> {
    fn first(&self, name: &str) -> Option<&[u8]> {
        self.map.get_one(name).map(str::as_bytes)
    }

    fn each(&self, name: &str, f: &mut dyn FnMut(&[u8])) {
        for value in self.map.get(name) {
            f(value.as_bytes());
        }
    }

    /// A walk of the map that stops at the header, not a look-up by name:
    /// Rocket hashes a looked-up name with SipHash (≈ 700 instructions for
    /// this one, `loadbench/count.sh`), and a request holds a dozen headers.
    fn content_length(&self) -> Option<&[u8]> {
        let header = self.map.iter().find(|h| h.name == "content-length")?;
        match header.value {
            Cow::Borrowed(value) => Some(value.as_bytes()),
            // The map's iterator lends its values; never taken.
            Cow::Owned(_) => self.first("content-length"),
        }
    }

    /// One pass over the map instead of a hashed look-up per name (Rocket
    /// hashes each name with SipHash: the six signature headers cost ≈ 2 800
    /// instructions a delivery more that way, `loadbench/count.sh`). Names
    /// must be lower-case, as the trait requires (hyper's always are): at
    /// the first that is not, it returns false and the core looks the names
    /// up one by one.
    fn for_each_header<'s>(&'s self, f: &mut dyn FnMut(&'s str, &'s [u8])) -> bool {
        for header in self.map.iter() {
            let Some((name, value)) = borrowed(header) else {
                return false;
            };
            f(name, value.as_bytes());
        }
        true
    }

    fn path(&self) -> Option<&str> {
        self.uri.map(|uri| uri.path().as_str())
    }
}

/// A header's name and value borrowed from the map, when the name is
/// lower-case (the map's iterator lends both; an owned one is never made).
fn borrowed(header: Header<'_>) -> Option<(&str, &str)> {
    match (header.name.into_cow(), header.value) {
        (Cow::Borrowed(name), Cow::Borrowed(value))
            if !name.bytes().any(|b| b.is_ascii_uppercase()) =>
        {
            Some((name, value))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rocket::http::Header;

    #[test]
    fn looks_up_case_insensitively_and_in_order() {
        let mut map = HeaderMap::new();
        map.add(Header::new("Svix-Signature", "v1,a"));
        map.add(Header::new("svix-signature", "v1,b"));
        let headers = RocketHeaders::map(&map);
        assert_eq!(headers.first("svix-signature"), Some(&b"v1,a"[..]));
        let mut seen = Vec::new();
        headers.each("svix-signature", &mut |v| seen.push(v.to_vec()));
        assert_eq!(seen, [b"v1,a".to_vec(), b"v1,b".to_vec()]);
        assert!(headers.contains("SVIX-SIGNATURE"));
        assert!(!headers.contains("svix-id"));
    }

    #[test]
    fn content_length_is_the_first_by_any_case() {
        let mut map = HeaderMap::new();
        assert_eq!(RocketHeaders::map(&map).content_length(), None);
        map.add(Header::new("x-other", "1"));
        map.add(Header::new("Content-Length", "42"));
        map.add(Header::new("content-length", "43"));
        assert_eq!(RocketHeaders::map(&map).content_length(), Some(&b"42"[..]));
        assert_eq!(
            hookgate::adapter::declared_length(&RocketHeaders::map(&map)),
            Some(42)
        );
    }

    #[test]
    fn one_pass_only_over_lower_case_names_in_order() {
        let mut map = HeaderMap::new();
        map.add(Header::new("svix-id", "msg_1"));
        map.add(Header::new("svix-signature", "v1,a"));
        map.add(Header::new("svix-signature", "v1,b"));
        let headers = RocketHeaders::map(&map);
        let mut seen = Vec::new();
        assert!(headers.for_each_header(&mut |n, v| seen.push((n, v))));
        assert_eq!(
            seen,
            [
                ("svix-id", &b"msg_1"[..]),
                ("svix-signature", b"v1,a"),
                ("svix-signature", b"v1,b")
            ]
        );
        // A name that is not lower-case: the core looks names up instead.
        map.add(Header::new("Webhook-Id", "msg_2"));
        assert!(!RocketHeaders::map(&map).for_each_header(&mut |_, _| {}));
    }
}
