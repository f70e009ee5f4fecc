//! Read-only access to request headers, so the core does not depend on one
//! framework's header map. `http::HeaderMap` implements it here; the actix and
//! Rocket adapters implement it for theirs.

/// Header lookup by lower-case name.
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
}

/// A plain list of `(name, value)` pairs; handy in tests and for senders.
///
/// ```
/// use hookgate::adapter::{HeaderLookup, HeaderList};
/// let h = HeaderList::new().with("Svix-Id", "msg_1");
/// assert_eq!(h.first("svix-id"), Some(&b"msg_1"[..]));
/// ```
#[derive(Debug, Clone, Default)]
pub struct HeaderList(Vec<(String, Vec<u8>)>);

impl HeaderList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a header (the name is matched case-insensitively).
    pub fn with(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.0
            .push((name.to_ascii_lowercase(), value.as_ref().to_vec()));
        self
    }
}

impl HeaderLookup for HeaderList {
    fn first(&self, name: &str) -> Option<&[u8]> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    fn each(&self, name: &str, f: &mut dyn FnMut(&[u8])) {
        for (n, v) in &self.0 {
            if n.eq_ignore_ascii_case(name) {
                f(v);
            }
        }
    }

    fn for_each_header<'s>(&'s self, f: &mut dyn FnMut(&'s str, &'s [u8])) -> bool {
        for (n, v) in &self.0 {
            f(n, v);
        }
        true
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
