//! Header authentication: a sender's portal can add a static header (or basic
//! auth) to every delivery; a receiver may require it, in either mode.

use crate::direct::Token;
use crate::headers::HeaderLookup;
use crate::rejection::Rejection;

/// A header that must be present with an exact value (constant-time compare).
#[derive(Clone, Debug)]
pub(crate) struct RequiredHeader {
    name: String,
    value: Token,
}

/// Why a required header cannot be used. Raised when a receiver is built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderAuthError {
    /// The name is not a valid HTTP header name.
    #[error("`{name}` is not a valid HTTP header name")]
    InvalidName {
        /// The name as given.
        name: String,
    },
    /// The required value is empty (often an unset environment variable): a
    /// request sending the header empty would pass.
    #[error("the required value of header `{name}` is empty; set a long random value (an unset environment variable gives an empty one)")]
    EmptyValue {
        /// The header name.
        name: String,
    },
    /// A basic-auth user name holding `:`, which basic auth cannot carry
    /// (`a:b` + `c` and `a` + `b:c` send the same header).
    #[error("a basic-auth user name cannot contain `:`")]
    ColonInUser,
}

impl RequiredHeader {
    /// Requires header `name` (case-insensitive) to equal `value`, which must
    /// not be empty.
    pub fn new(name: &str, value: impl AsRef<[u8]>) -> Result<Self, HeaderAuthError> {
        let name = http::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| HeaderAuthError::InvalidName {
                name: name.to_owned(),
            })?
            .as_str()
            .to_owned();
        let value = value.as_ref();
        if value.is_empty() {
            return Err(HeaderAuthError::EmptyValue { name });
        }
        Ok(Self {
            name,
            value: Token::new(value),
        })
    }

    /// Requires `Authorization: Basic base64(user:password)`. The password must
    /// not be empty and the user name must not contain `:`.
    pub fn basic_auth(user: &str, password: &str) -> Result<Self, HeaderAuthError> {
        if user.contains(':') {
            return Err(HeaderAuthError::ColonInUser);
        }
        if password.is_empty() {
            return Err(HeaderAuthError::EmptyValue {
                name: "authorization".to_owned(),
            });
        }
        Self::new("authorization", basic_auth_value(user, password))
    }

    pub(crate) fn check(&self, headers: &dyn HeaderLookup) -> Result<(), Rejection> {
        match headers.first(&self.name) {
            Some(v) if self.value.matches(v) => Ok(()),
            _ => Err(Rejection::HeaderAuth),
        }
    }
}

/// A required header as configured on the builder, checked by `build()`.
#[derive(Clone)]
pub(crate) enum HeaderSpec {
    /// `require_header(name, value)`.
    Value(String, Vec<u8>),
    /// `basic_auth(user, password)`.
    Basic(String, String),
}

impl HeaderSpec {
    pub(crate) fn build(&self) -> Result<RequiredHeader, HeaderAuthError> {
        match self {
            Self::Value(name, value) => RequiredHeader::new(name, value),
            Self::Basic(user, password) => RequiredHeader::basic_auth(user, password),
        }
    }
}

/// The `Authorization` value for HTTP basic auth.
fn basic_auth_value(user: &str, password: &str) -> String {
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
        let req = RequiredHeader::basic_auth("reducto", "pw").unwrap();
        let ok = HeaderList::new().with("Authorization", "Basic cmVkdWN0bzpwdw==");
        assert!(req.check(&ok).is_ok());
        let bad = HeaderList::new().with("authorization", "Basic cmVkdWN0bzpwdX==");
        assert!(req.check(&bad).is_err());
        assert!(req.check(&HeaderList::new()).is_err());
        assert!(RequiredHeader::new("bad header", "x").is_err());
        assert!(!format!("{req:?}").contains("cmVk"));
    }
}
