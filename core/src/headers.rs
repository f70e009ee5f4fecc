//! Read-only access to request headers (and, where the lookup has one, the
//! request's path), so the core does not depend on one framework's request
//! type. `http::HeaderMap`, `http::request::Parts` and `http::Request`
//! implement it here; the actix and Rocket adapters implement it for theirs.

/// Header lookup by lower-case name, and the request's path where known.
///
/// The path is asked for only where a scheme needs it (a
/// [`TenantFrom::Path`](crate::verify::TenantFrom::Path) template, a custom
/// [`Verifier`](crate::verify::Verifier) reading
/// [`Request::path`](crate::verify::Request::path)), so a lookup that can give
/// it lends the request rather than copying its path out for every delivery.
pub trait HeaderLookup {
    /// The first value of header `name` (lower-case ASCII), if present.
    fn first(&self, name: &str) -> Option<&[u8]>;

    /// Calls `f` with every value of header `name`, in the order received.
    fn each(&self, name: &str, f: &mut dyn FnMut(&[u8]));

    /// Whether header `name` is present.
    fn contains(&self, name: &str) -> bool {
        self.first(name).is_some()
    }

    /// Calls `f` with every header as `(lower-case name, value)`, in order, and
    /// returns true; or returns false when the map cannot be enumerated that
    /// way (the default, without calling `f`; or a map that finds a name that
    /// is not lower-case part-way, after calling `f` for the headers before
    /// it). On false the caller disregards whatever `f` was given and looks
    /// the names up one by one. The core uses it to find the signature
    /// headers in one pass instead of six hashed lookups.
    fn for_each_header<'s>(&'s self, f: &mut dyn FnMut(&'s str, &'s [u8])) -> bool {
        let _ = f;
        false
    }

    /// The first `Content-Length` value. The default looks it up by name; a
    /// map with typed standard names can skip parsing the name.
    fn content_length(&self) -> Option<&[u8]> {
        self.first("content-length")
    }

    /// The request's URI path as the framework gives it (percent-encoded,
    /// without the query), or `None` (the default) where the lookup does not
    /// know it, as for a bare header map. Without a path, a
    /// [`TenantFrom::Path`](crate::verify::TenantFrom::Path) template finds
    /// no tenant (401 `unknown_tenant`).
    ///
    /// ```
    /// use hookgate::adapter::HeaderLookup;
    /// let (parts, ()) = http::Request::post("/webhooks/acme?x=1").body(()).unwrap().into_parts();
    /// assert_eq!(parts.path(), Some("/webhooks/acme"));
    /// assert_eq!(parts.headers.path(), None);
    /// ```
    fn path(&self) -> Option<&str> {
        None
    }
}

/// The body length a request declares in `Content-Length`; a missing or
/// malformed value counts as undeclared (the read limit still applies).
/// Adapters pass it to [`Receiver::check_content_length`](crate::Receiver::check_content_length).
///
/// ```
/// use hookgate::adapter::{declared_length, HeaderList};
/// assert_eq!(declared_length(&HeaderList::new().with("Content-Length", " 42 ")), Some(42));
/// assert_eq!(declared_length(&HeaderList::new().with("content-length", "4x")), None);
/// ```
pub fn declared_length(headers: &dyn HeaderLookup) -> Option<u64> {
    let value = std::str::from_utf8(headers.content_length()?).ok()?;
    value.trim().parse().ok()
}

impl HeaderLookup for http::HeaderMap {
    fn first(&self, name: &str) -> Option<&[u8]> {
        self.get(name).map(http::HeaderValue::as_bytes)
    }

    fn each(&self, name: &str, f: &mut dyn FnMut(&[u8])) {
        for v in self.get_all(name) {
            f(v.as_bytes());
        }
    }

    fn for_each_header<'s>(&'s self, f: &mut dyn FnMut(&'s str, &'s [u8])) -> bool {
        for (name, value) in self {
            f(name.as_str(), value.as_bytes());
        }
        true
    }

    fn content_length(&self) -> Option<&[u8]> {
        self.get(http::header::CONTENT_LENGTH)
            .map(http::HeaderValue::as_bytes)
    }
}

/// A request's head: its headers, and its path for a path template.
impl HeaderLookup for http::request::Parts {
    fn first(&self, name: &str) -> Option<&[u8]> {
        self.headers.first(name)
    }

    fn each(&self, name: &str, f: &mut dyn FnMut(&[u8])) {
        self.headers.each(name, f)
    }

    fn for_each_header<'s>(&'s self, f: &mut dyn FnMut(&'s str, &'s [u8])) -> bool {
        self.headers.for_each_header(f)
    }

    fn content_length(&self) -> Option<&[u8]> {
        self.headers.content_length()
    }

    fn path(&self) -> Option<&str> {
        Some(self.uri.path())
    }
}

/// A whole request: its headers, and its path for a path template.
impl<B> HeaderLookup for http::Request<B> {
    fn first(&self, name: &str) -> Option<&[u8]> {
        self.headers().first(name)
    }

    fn each(&self, name: &str, f: &mut dyn FnMut(&[u8])) {
        self.headers().each(name, f)
    }

    fn for_each_header<'s>(&'s self, f: &mut dyn FnMut(&'s str, &'s [u8])) -> bool {
        self.headers().for_each_header(f)
    }

    fn content_length(&self) -> Option<&[u8]> {
        self.headers().content_length()
    }

    fn path(&self) -> Option<&str> {
        Some(self.uri().path())
    }
}

impl<T: HeaderLookup + ?Sized> HeaderLookup for &T {
    fn first(&self, name: &str) -> Option<&[u8]> {
        (**self).first(name)
    }

    fn each(&self, name: &str, f: &mut dyn FnMut(&[u8])) {
        (**self).each(name, f)
    }

    fn for_each_header<'s>(&'s self, f: &mut dyn FnMut(&'s str, &'s [u8])) -> bool {
        (**self).for_each_header(f)
    }

    fn content_length(&self) -> Option<&[u8]> {
        (**self).content_length()
    }

    fn path(&self) -> Option<&str> {
        (**self).path()
    }
}

/// A plain list of `(name, value)` pairs, and optionally a request path;
/// handy in tests and for senders.
///
/// ```
/// use hookgate::adapter::{HeaderLookup, HeaderList};
/// let h = HeaderList::new().with("Svix-Id", "msg_1");
/// assert_eq!(h.first("svix-id"), Some(&b"msg_1"[..]));
/// assert_eq!(h.path(), None);
/// let h = h.with_path("/webhooks/acme");
/// assert_eq!(h.path(), Some("/webhooks/acme"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct HeaderList {
    headers: Vec<(String, Vec<u8>)>,
    path: Option<String>,
}

impl HeaderList {
    /// An empty list, without a path.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a header (the name is matched case-insensitively).
    pub fn with(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers
            .push((name.to_ascii_lowercase(), value.as_ref().to_vec()));
        self
    }

    /// Sets the request path [`HeaderLookup::path`] answers (as a framework
    /// gives it: percent-encoded, without the query).
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }
}

impl HeaderLookup for HeaderList {
    fn first(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    fn each(&self, name: &str, f: &mut dyn FnMut(&[u8])) {
        for (n, v) in &self.headers {
            if n.eq_ignore_ascii_case(name) {
                f(v);
            }
        }
    }

    fn for_each_header<'s>(&'s self, f: &mut dyn FnMut(&'s str, &'s [u8])) -> bool {
        for (n, v) in &self.headers {
            f(n, v);
        }
        true
    }

    fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapter::HeaderList;

    #[test]
    fn content_length_is_read_the_same_from_every_map() {
        let mut typed = http::HeaderMap::new();
        typed.insert(
            http::header::CONTENT_LENGTH,
            http::HeaderValue::from_static(" 1024 "),
        );
        let by_name = HeaderList::new().with("Content-Length", " 1024 ");
        assert_eq!(typed.content_length(), Some(&b" 1024 "[..]));
        assert_eq!(declared_length(&typed), Some(1024));
        assert_eq!(declared_length(&by_name), Some(1024));
        assert_eq!(declared_length(&&typed), Some(1024));

        let mut bad = http::HeaderMap::new();
        bad.insert(
            http::header::CONTENT_LENGTH,
            http::HeaderValue::from_static("-1"),
        );
        assert_eq!(declared_length(&bad), None);
        assert_eq!(declared_length(&http::HeaderMap::new()), None);
    }
}
