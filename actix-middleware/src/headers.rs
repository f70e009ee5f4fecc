//! actix-web's header map (and the request's path) seen through
//! [`hookgate::adapter::HeaderLookup`], so the core reads the request headers
//! in place (no copy).

use actix_web::dev::RequestHead;
use actix_web::http::header::HeaderMap;
use actix_web::http::Uri;
use hookgate::adapter::HeaderLookup;

/// Borrows an actix-web [`HeaderMap`] (or a whole request head) as a
/// [`HeaderLookup`].
///
/// actix-web 4 has its own header map type (not `http::HeaderMap` 1.x), so the
/// adapter lends it to the core through this wrapper. Names are matched
/// case-insensitively, as HTTP requires.
///
/// ```
/// use hookgate::adapter::HeaderLookup;
/// use hookgate_actix::ActixHeaders;
///
/// let req = actix_web::test::TestRequest::post()
///     .uri("/webhooks/acme?x=1")
///     .insert_header(("Svix-Id", "msg_1"))
///     .to_http_request();
/// let head = ActixHeaders::of_request(req.head());
/// assert_eq!((head.first("svix-id"), head.path()), (Some(&b"msg_1"[..]), Some("/webhooks/acme")));
/// assert_eq!(ActixHeaders::new(req.headers()).path(), None);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ActixHeaders<'a> {
    map: &'a HeaderMap,
    /// The request's URI, when the wrapper was given the whole head.
    uri: Option<&'a Uri>,
}

impl<'a> ActixHeaders<'a> {
    /// Wraps a header map alone ([`path`](HeaderLookup::path) is `None`).
    pub fn new(headers: &'a HeaderMap) -> Self {
        Self {
            map: headers,
            uri: None,
        }
    }

    /// Wraps a request's head: its headers, and its path for a tenant path
    /// template (`ServiceRequest::head`, `HttpRequest::head`).
    pub fn of_request(head: &'a RequestHead) -> Self {
        Self {
            map: &head.headers,
            uri: Some(&head.uri),
        }
    }
}

impl HeaderLookup for ActixHeaders<'_> {
    fn first(&self, name: &str) -> Option<&[u8]> {
        self.map.get(name).map(|v| v.as_bytes())
    }

    fn each(&self, name: &str, f: &mut dyn FnMut(&[u8])) {
        for v in self.map.get_all(name) {
            f(v.as_bytes());
        }
    }

    /// One pass over every header (names are lower-case `HeaderName`s), so
    /// the core finds the signature headers without six hashed lookups.
    fn for_each_header<'s>(&'s self, f: &mut dyn FnMut(&'s str, &'s [u8])) -> bool {
        for (name, value) in self.map.iter() {
            f(name.as_str(), value.as_bytes());
        }
        true
    }

    /// By the typed name, without parsing `"content-length"` per request.
    fn content_length(&self) -> Option<&[u8]> {
        self.map
            .get(actix_web::http::header::CONTENT_LENGTH)
            .map(|v| v.as_bytes())
    }

    fn path(&self) -> Option<&str> {
        self.uri.map(Uri::path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn names_match_in_any_case() {
        let req = TestRequest::default()
            .insert_header(("Svix-Id", "msg_1"))
            .to_http_request();
        let headers = ActixHeaders::new(req.headers());
        assert_eq!(headers.first("svix-id"), Some(&b"msg_1"[..]));
    }

    #[test]
    fn content_length_by_its_typed_name() {
        let req = TestRequest::default()
            .insert_header(("Content-Length", "17"))
            .to_http_request();
        let headers = ActixHeaders::new(req.headers());
        assert_eq!(headers.content_length(), Some(&b"17"[..]));
        assert_eq!(hookgate::adapter::declared_length(&headers), Some(17));
        let none = TestRequest::default().to_http_request();
        assert_eq!(
            hookgate::adapter::declared_length(&ActixHeaders::new(none.headers())),
            None
        );
    }

    #[test]
    fn every_value_in_order_and_case_insensitive() {
        let req = TestRequest::default()
            .append_header(("X-Forwarded-For", "10.0.0.1"))
            .append_header(("x-forwarded-for", "10.0.0.2"))
            .to_http_request();
        let headers = ActixHeaders::new(req.headers());
        let mut seen = Vec::new();
        headers.each("x-forwarded-for", &mut |v| seen.push(v.to_vec()));
        assert_eq!(seen, [b"10.0.0.1".to_vec(), b"10.0.0.2".to_vec()]);
        assert_eq!(headers.first("x-forwarded-for"), Some(&b"10.0.0.1"[..]));
        assert!(headers.contains("X-FORWARDED-FOR"));
        assert!(!headers.contains("svix-id"));
        assert_eq!(headers.first("not a header name"), None);
        let mut names = Vec::new();
        assert!(headers.for_each_header(&mut |n, _| names.push(n.to_owned())));
        assert_eq!(names, ["x-forwarded-for", "x-forwarded-for"]);
    }
}
