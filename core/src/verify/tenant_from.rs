//! Where a delivery's tenant is read from ([`TenantFrom`]), and the path
//! templates (`/webhooks/{tenant}`) that read it from the request's path.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

use crate::verify::Request;

/// The placeholder a path template names the tenant's segment with.
const PLACEHOLDER: &str = "{tenant}";

/// Where a delivery's tenant is read from.
///
/// ```
/// use std::collections::HashMap;
/// use hookgate::signing::KeyRing;
/// use hookgate::verify::{TemplateError, TenantFrom, Tenants};
/// use hookgate::{BuildError, Receiver};
///
/// let keys: HashMap<String, KeyRing> = HashMap::new(); // filled from your store
/// let by_path = Tenants::new(keys.clone(), TenantFrom::Path("/webhooks/{tenant}".into()));
/// assert!(Receiver::builder().verifier(by_path).build().is_ok());
///
/// // `{tenant}` must be a whole segment: refused before the first request.
/// let partial = Tenants::new(keys, TenantFrom::Path("/webhooks/t-{tenant}".into()));
/// match Receiver::builder().verifier(partial).build() {
///     Err(BuildError::TenantPath { source, .. }) => assert_eq!(source, TemplateError::NotASegment),
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantFrom {
    /// A request header (e.g. `x-tenant`, set by a gateway).
    Header(String),
    /// The request's path, by a template with one `{tenant}` segment:
    /// `"/webhooks/{tenant}"` reads `acme` from `/webhooks/acme`. Every
    /// adapter lends the core the request, whose path is read only here
    /// ([`HeaderLookup::path`](crate::adapter::HeaderLookup::path)), so no
    /// route of the app's own is needed. A lookup without a path (a bare
    /// header map) finds no tenant.
    ///
    /// The placeholder stands for one whole, non-empty segment, which is
    /// percent-decoded (`/webhooks/acme%20co` is tenant `acme co`); the rest
    /// of the path must equal the template's, so `/webhooks/acme/` or
    /// `/webhooks` do not match and are answered 401 `unknown_tenant`. A
    /// malformed template is refused by
    /// [`ReceiverBuilder::build`](crate::ReceiverBuilder::build)
    /// ([`BuildError::TenantPath`](crate::BuildError::TenantPath)).
    ///
    /// The path is the one the middleware sees: under a framework that
    /// strips a mount prefix (axum's `Router::nest`), write the template
    /// without it.
    Path(String),
    /// The tenant the app passes to
    /// [`Receiver::admit_for`](crate::Receiver::admit_for), for an app that
    /// routes itself: e.g. the Svix app id it put in the endpoint URL it
    /// registered.
    Given,
}

/// Why a [`TenantFrom::Path`] template is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// The template does not start with `/`.
    #[error("a path template starts with `/`")]
    NotAbsolute,
    /// No `{tenant}` placeholder.
    #[error("a path template needs one `{{tenant}}` segment")]
    NoPlaceholder,
    /// More than one `{tenant}`.
    #[error("a path template has exactly one `{{tenant}}`")]
    SeveralPlaceholders,
    /// `{tenant}` shares its segment with other characters
    /// (`/hooks/t-{tenant}`).
    #[error("`{{tenant}}` must be a whole path segment (`/webhooks/{{tenant}}`)")]
    NotASegment,
    /// A `{` or `}` outside the placeholder, a `?` or a `#`: not part of a
    /// path the template could match.
    #[error("a path template has no braces besides `{{tenant}}`, and no `?` or `#`")]
    StrayCharacter,
}

/// A checked template: the path before and after the tenant's segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathTemplate {
    before: String,
    after: String,
}

impl PathTemplate {
    pub(crate) fn parse(template: &str) -> Result<Self, TemplateError> {
        if !template.starts_with('/') {
            return Err(TemplateError::NotAbsolute);
        }
        let (before, after) = match template.matches(PLACEHOLDER).count() {
            0 => return Err(TemplateError::NoPlaceholder),
            1 => template
                .split_once(PLACEHOLDER)
                .ok_or(TemplateError::NoPlaceholder)?,
            _ => return Err(TemplateError::SeveralPlaceholders),
        };
        if !before.ends_with('/') || !(after.is_empty() || after.starts_with('/')) {
            return Err(TemplateError::NotASegment);
        }
        if [before, after]
            .iter()
            .any(|part| part.contains(['{', '}', '?', '#']))
        {
            return Err(TemplateError::StrayCharacter);
        }
        Ok(Self {
            before: before.to_owned(),
            after: after.to_owned(),
        })
    }

    /// The tenant in `path`, percent-decoded; `None` when the path does not
    /// match, the segment is empty, or it does not decode to UTF-8.
    pub(crate) fn tenant<'p>(&self, path: &'p str) -> Option<Cow<'p, str>> {
        let segment = path
            .strip_prefix(self.before.as_str())?
            .strip_suffix(self.after.as_str())?;
        if segment.is_empty() || segment.contains('/') {
            return None;
        }
        percent_decode_str(segment)
            .decode_utf8()
            .ok()
            .filter(|t| !t.is_empty())
    }
}

/// [`TenantFrom`], with a path template parsed once.
#[derive(Debug)]
pub(crate) enum Resolved {
    Header(String),
    Path(Result<PathTemplate, (String, TemplateError)>),
    Given,
}

impl Resolved {
    pub(crate) fn new(from: TenantFrom) -> Self {
        match from {
            TenantFrom::Header(name) => Self::Header(name),
            TenantFrom::Path(template) => {
                Self::Path(PathTemplate::parse(&template).map_err(|e| (template, e)))
            }
            TenantFrom::Given => Self::Given,
        }
    }

    /// The template and why it is refused, for `build()`.
    pub(crate) fn error(&self) -> Option<(&str, &TemplateError)> {
        match self {
            Self::Path(Err((template, error))) => Some((template, error)),
            _ => None,
        }
    }

    /// The request's tenant; `None` (answered 401 `unknown_tenant`) when it
    /// names none.
    pub(crate) fn tenant<'r>(&self, request: &Request<'r>) -> Option<Cow<'r, str>> {
        let tenant = match self {
            Self::Header(name) => request
                .headers
                .first(name)
                .and_then(|v| std::str::from_utf8(v).ok())
                .map(Cow::Borrowed),
            Self::Given => request.tenant.map(Cow::Borrowed),
            Self::Path(Ok(template)) => template.tenant(request.path),
            // Refused by `build()`; inside a verifier of the app's own, a
            // template that cannot match matches nothing.
            Self::Path(Err(_)) => None,
        };
        tenant.filter(|t| !t.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_checked() {
        for (template, error) in [
            ("webhooks/{tenant}", TemplateError::NotAbsolute),
            ("/webhooks", TemplateError::NoPlaceholder),
            (
                "/webhooks/{tenant}/{tenant}",
                TemplateError::SeveralPlaceholders,
            ),
            ("/webhooks/t-{tenant}", TemplateError::NotASegment),
            ("/webhooks/{tenant}x", TemplateError::NotASegment),
            ("/{tenants}", TemplateError::NoPlaceholder),
            ("/webhooks/{id}/{tenant}", TemplateError::StrayCharacter),
            ("/webhooks/{tenant}?x=1", TemplateError::NotASegment),
            ("/webhooks/{tenant}/x?y", TemplateError::StrayCharacter),
        ] {
            assert_eq!(PathTemplate::parse(template), Err(error), "{template}");
        }
    }

    #[test]
    fn one_whole_segment_is_the_tenant() {
        let t = PathTemplate::parse("/webhooks/{tenant}").unwrap();
        assert_eq!(t.tenant("/webhooks/acme").as_deref(), Some("acme"));
        assert_eq!(t.tenant("/webhooks/acme%20co").as_deref(), Some("acme co"));
        for path in [
            "/webhooks/",
            "/webhooks",
            "/webhooks/acme/",
            "/webhooks/acme/x",
            "/other/acme",
            "/webhooks/%FF",
            "",
        ] {
            assert_eq!(t.tenant(path), None, "{path}");
        }
        let inner = PathTemplate::parse("/t/{tenant}/events").unwrap();
        assert_eq!(inner.tenant("/t/globex/events").as_deref(), Some("globex"));
        assert_eq!(inner.tenant("/t//events"), None);
        assert_eq!(inner.tenant("/t/a/b/events"), None);
        let root = PathTemplate::parse("/{tenant}").unwrap();
        assert_eq!(root.tenant("/acme").as_deref(), Some("acme"));
        assert_eq!(root.tenant("/"), None);
    }
}
