//! Header authentication: a sender's portal can add a static header (or basic
//! auth) to every delivery; a receiver may require it, in either mode.

use crate::direct::Token;
use crate::headers::HeaderLookup;
use crate::rejection::Rejection;

/// A header that must be present with an exact value (constant-time compare).
#[derive(Clone, Debug)]
pub struct RequiredHeader {
    name: String,
    value: Token,
}

/// A header name that is not a valid HTTP header name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{name}` is not a valid HTTP header name")]
pub struct InvalidHeaderName {
    /// The name as given.
    pub name: String,
}

impl RequiredHeader {
    /// Requires header `name` (case-insensitive) to equal `value`.
    pub fn new(name: &str, value: impl AsRef<[u8]>) -> Result<Self, InvalidHeaderName> {
        http::HeaderName::from_bytes(name.as_bytes())
            .map(|n| Self {
                name: n.as_str().to_owned(),
                value: Token::new(value),
            })
            .map_err(|_| InvalidHeaderName {
                name: name.to_owned(),
            })
    }

    /// Requires `Authorization: Basic base64(user:password)`.
    pub fn basic_auth(user: &str, password: &str) -> Self {
        Self {
            name: "authorization".to_owned(),
            value: Token::new(basic_auth_value(user, password)),
        }
    }

    /// The header name, lower-case.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn check(&self, headers: &dyn HeaderLookup) -> Result<(), Rejection> {
        match headers.first(&self.name) {
            Some(v) if self.value.matches(v) => Ok(()),
            _ => Err(Rejection::HeaderAuth),
        }
    }
}

/// The `Authorization` value for HTTP basic auth.
pub(crate) fn basic_auth_value(user: &str, password: &str) -> String {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headers::HeaderList;

    #[test]
    fn basic_auth_matches() {
        let req = RequiredHeader::basic_auth("reducto", "pw");
        let ok = HeaderList::new().with("Authorization", "Basic cmVkdWN0bzpwdw==");
        assert!(req.check(&ok).is_ok());
        let bad = HeaderList::new().with("authorization", "Basic cmVkdWN0bzpwdX==");
        assert!(req.check(&bad).is_err());
        assert!(req.check(&HeaderList::new()).is_err());
        assert!(RequiredHeader::new("bad header", "x").is_err());
        assert!(!format!("{req:?}").contains("cmVk"));
    }
}
