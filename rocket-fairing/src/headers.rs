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

use hookgate::adapter::HeaderLookup;
use rocket::http::HeaderMap;

/// A borrowed Rocket [`HeaderMap`] the core can read (names match
/// case-insensitively).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RocketHeaders<'a, 'h>(pub(crate) &'a HeaderMap<'h>);

impl HeaderLookup for RocketHeaders<'_, '_> {
    fn first(&self, name: &str) -> Option<&[u8]> {
        self.0.get_one(name).map(str::as_bytes)
    }

    fn each(&self, name: &str, f: &mut dyn FnMut(&[u8])) {
        for value in self.0.get(name) {
            f(value.as_bytes());
        }
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
        let headers = RocketHeaders(&map);
        assert_eq!(headers.first("svix-signature"), Some(&b"v1,a"[..]));
        let mut seen = Vec::new();
        headers.each("svix-signature", &mut |v| seen.push(v.to_vec()));
        assert_eq!(seen, [b"v1,a".to_vec(), b"v1,b".to_vec()]);
        assert!(headers.contains("SVIX-SIGNATURE"));
        assert!(!headers.contains("svix-id"));
    }
}
