//! Direct mode: what an unsigned delivery must prove. Each check is optional;
//! every configured one must pass.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use subtle::ConstantTimeEq;

use crate::event::StatusKind;
use crate::offload::heavy;
use crate::peek::peek;
use crate::rejection::{PayloadError, Rejection};
use crate::verify::{JobFacts, Request, Verdict, Verified, Verifier, DIRECT};

/// The metadata field a direct-mode token is read from unless told otherwise.
pub const DEFAULT_TOKEN_FIELD: &str = "webhook_secret";

/// A secret token compared in constant time. `Debug` shows no secret.
#[derive(Clone)]
pub struct Token(Arc<[u8]>);

impl Token {
    /// Wraps a token value.
    pub fn new(value: impl AsRef<[u8]>) -> Self {
        Self(Arc::from(value.as_ref()))
    }

    /// Constant-time comparison (lengths may differ: then false). An empty
    /// token matches nothing, not even an empty value.
    pub fn matches(&self, given: &[u8]) -> bool {
        !self.0.is_empty() && bool::from(self.0.as_ref().ct_eq(given))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(redacted)")
    }
}

/// What a direct-mode delivery must prove.
///
/// ```
/// use hookgate::DirectPolicy;
/// let policy = DirectPolicy::new()
///     .token("a-long-random-value")   // metadata.webhook_secret must equal it
///     .known_jobs(true);              // job_id must have been registered
/// ```
#[derive(Clone, Debug)]
pub struct DirectPolicy {
    pub(crate) token: Option<Token>,
    pub(crate) token_field: Arc<str>,
    pub(crate) known_jobs: bool,
    pub(crate) job_ttl: Duration,
    pub(crate) accept_unauthenticated: bool,
}

impl Default for DirectPolicy {
    fn default() -> Self {
        Self {
            token: None,
            token_field: Arc::from(DEFAULT_TOKEN_FIELD),
            known_jobs: false,
            job_ttl: Duration::from_secs(24 * 3600),
            accept_unauthenticated: false,
        }
    }
}

impl DirectPolicy {
    /// No checks yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Requires `metadata.<token field>` to equal `token` (constant time).
    pub fn token(mut self, token: impl AsRef<[u8]>) -> Self {
        self.token = Some(Token::new(token));
        self
    }

    /// The metadata field holding the token (default `webhook_secret`).
    pub fn token_field(mut self, field: impl AsRef<str>) -> Self {
        self.token_field = Arc::from(field.as_ref());
        self
    }

    /// Requires the job id to have been registered with
    /// [`Receiver::register_job`](crate::Receiver::register_job).
    pub fn known_jobs(mut self, on: bool) -> Self {
        self.known_jobs = on;
        self
    }

    /// How long a registered job id stays known (default 24 h).
    pub fn job_ttl(mut self, ttl: Duration) -> Self {
        self.job_ttl = ttl;
        self
    }

    /// Allows a receiver whose direct mode checks nothing at all (no token, no
    /// known jobs, no source networks, no required header). Off by default:
    /// building such a receiver is an error, because anyone could post to it.
    pub fn accept_unauthenticated(mut self, on: bool) -> Self {
        self.accept_unauthenticated = on;
        self
    }

    /// Checks the token found in the payload (if a token is configured).
    pub(crate) fn check_token(&self, found: Option<&str>) -> Result<(), Rejection> {
        let Some(expected) = &self.token else {
            return Ok(());
        };
        match found {
            None => Err(Rejection::MissingToken),
            Some(given) if expected.matches(given.as_bytes()) => Ok(()),
            Some(_) => Err(Rejection::InvalidToken),
        }
    }
}

impl Verifier for DirectPolicy {
    fn scheme(&self) -> &'static str {
        DIRECT
    }

    /// Runs the checks the payload carries (token) and identifies the
    /// delivery: the dedupe key is job id + status (case-insensitive). The
    /// known-jobs check runs after the claim.
    fn verify(&self, request: &Request<'_>) -> Verdict {
        Verdict::Ready(self.identify(request.body))
    }
}

impl DirectPolicy {
    fn identify(&self, body: &Bytes) -> Result<Verified, Rejection> {
        let token_field = self.token.as_ref().map(|_| &*self.token_field);
        let peeked = heavy(body.len(), || peek(body, token_field))
            .map_err(|e| Rejection::MalformedPayload(PayloadError::from_json(&e)))?;
        self.check_token(peeked.token.as_deref())?;
        let job_id = peeked
            .job_id
            .filter(|j| !j.is_empty())
            .ok_or(Rejection::MissingField("job_id"))?;
        let status = peeked
            .status
            .filter(|s| !s.is_empty())
            .ok_or(Rejection::MissingField("status"))?;
        let kind = StatusKind::of(&status);
        let status_key = match kind {
            StatusKind::Other => status.to_ascii_lowercase(),
            k => k.as_str().to_owned(),
        };
        Ok(Verified {
            job: Some(JobFacts {
                job_id,
                status,
                status_key,
                known_job: self.known_jobs,
                forget_job: self.known_jobs && kind.is_final(),
                redact_field: self.token.as_ref().map(|_| self.token_field.clone()),
            }),
            ..Verified::new(String::new())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_checks() {
        let p = DirectPolicy::new().token("s3cret");
        assert!(p.check_token(Some("s3cret")).is_ok());
        assert!(matches!(
            p.check_token(Some("s3cre")),
            Err(Rejection::InvalidToken)
        ));
        assert!(matches!(
            p.check_token(Some("")),
            Err(Rejection::InvalidToken)
        ));
        assert!(matches!(p.check_token(None), Err(Rejection::MissingToken)));
        assert!(DirectPolicy::new().check_token(None).is_ok());
        assert_eq!(format!("{:?}", p.token), "Some(Token(redacted))");
    }
}
