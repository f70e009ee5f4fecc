//! Every way a delivery can be refused, and the answer each one gets: a status
//! and a JSON body `{"error": "<for a person>", "code": "<stable_snake_case>"}`.
//! Refusals never repeat a secret.

use bytes::Bytes;
use http::StatusCode;

use crate::idempotency::StoreError;
use crate::signature::SignatureError;

/// Why a payload could not be parsed. Carries where, and a message that never
/// repeats a value from the body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} (line {line}, column {column})")]
pub struct PayloadError {
    what: String,
    line: usize,
    column: usize,
}

impl PayloadError {
    /// Builds from a `serde_json` error, keeping only field names and positions.
    pub fn from_json(err: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        let what = match err.classify() {
            Category::Syntax | Category::Eof | Category::Io => {
                "the body is not valid JSON".to_owned()
            }
            Category::Data => {
                let text = err.to_string();
                // serde's messages for missing/unknown/duplicate fields name
                // only the field; others ("invalid type: string \"…\"") would
                // repeat a value, so they are summarised.
                if let Some(end) = ["missing field", "unknown field", "duplicate field"]
                    .iter()
                    .find(|p| text.starts_with(*p))
                    .and_then(|_| text.find(" at line"))
                {
                    format!(
                        "the payload does not fit the expected shape: {}",
                        &text[..end]
                    )
                } else {
                    "the payload does not fit the expected shape: a field has the wrong type or value"
                        .to_owned()
                }
            }
        };
        Self {
            what,
            line: err.line(),
            column: err.column(),
        }
    }
}

/// A refused delivery. Each maps to one status and one stable code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// Signed mode: signature headers missing, malformed, stale or not matching.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// A required authentication header is missing or wrong.
    #[error("the required authentication header is missing or wrong")]
    HeaderAuth,
    /// Direct mode: the token is not in the payload's metadata.
    #[error("the webhook token is missing from the payload's metadata")]
    MissingToken,
    /// Direct mode: the token does not match.
    #[error("the webhook token in the payload's metadata is wrong")]
    InvalidToken,
    /// The client address is not in the allowed networks (or is unknown).
    #[error("deliveries are not accepted from this source address")]
    SourceNotAllowed,
    /// Direct mode: the job id was not registered (or has expired).
    #[error("the job id is not one this app submitted, or it has expired")]
    UnknownJob,
    /// The payload is not JSON of the expected shape.
    #[error("malformed payload: {0}")]
    MalformedPayload(#[from] PayloadError),
    /// Direct mode: the payload lacks a field the checks need.
    #[error("malformed payload: the field `{0}` is missing or not a string")]
    MissingField(&'static str),
    /// The body is larger than the limit.
    #[error("the body is larger than the limit of {limit} bytes")]
    PayloadTooLarge {
        /// The configured limit.
        limit: usize,
    },
    /// The body could not be read from the connection.
    #[error("the request body could not be read")]
    BodyUnreadable,
    /// The same delivery is being processed right now.
    #[error("this delivery is being processed right now; retry later")]
    InFlight {
        /// Seconds the sender should wait.
        retry_after: u32,
    },
    /// The idempotency store or job registry could not be reached in time.
    #[error("the webhook store is unavailable; retry later")]
    StoreUnavailable {
        /// Seconds the sender should wait.
        retry_after: u32,
        /// What went wrong (logged, never sent).
        #[source]
        source: StoreError,
    },
    /// The handler ran past the receiver's deadline; its claim was released.
    #[error("the handler did not finish in time; retry later")]
    HandlerTimeout {
        /// Seconds the sender should wait.
        retry_after: u32,
    },
    /// The handler succeeded but its claim had expired, so it could not be
    /// marked done; the sender should retry (and will be deduplicated if another
    /// attempt marked it done meanwhile).
    #[error("the delivery could not be recorded as done; retry later")]
    ClaimLost {
        /// Seconds the sender should wait.
        retry_after: u32,
    },
    /// Keys per tenant: the delivery names no tenant, or one the key source
    /// does not know.
    #[error("the delivery's tenant is unknown")]
    UnknownTenant,
    /// Keys per tenant: the key source could not be reached in time.
    #[error("the webhook key source is unavailable; retry later")]
    KeySourceUnavailable {
        /// Seconds the sender should wait.
        retry_after: u32,
    },
    /// A `Webhook` extractor ran on a route hookgate does not guard.
    #[error("hookgate is not installed on this route")]
    NotInstalled,
}

impl Rejection {
    /// The HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Signature(_)
            | Self::HeaderAuth
            | Self::MissingToken
            | Self::InvalidToken
            | Self::UnknownTenant => StatusCode::UNAUTHORIZED,
            Self::SourceNotAllowed => StatusCode::FORBIDDEN,
            Self::UnknownJob => StatusCode::NOT_FOUND,
            Self::MalformedPayload(_) | Self::MissingField(_) | Self::BodyUnreadable => {
                StatusCode::BAD_REQUEST
            }
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::InFlight { .. } => StatusCode::CONFLICT,
            Self::StoreUnavailable { .. }
            | Self::KeySourceUnavailable { .. }
            | Self::HandlerTimeout { .. }
            | Self::ClaimLost { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::NotInstalled => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable snake_case code of the answer.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Signature(e) => e.code(),
            Self::HeaderAuth => "unauthorized",
            Self::MissingToken => "missing_token",
            Self::InvalidToken => "invalid_token",
            Self::SourceNotAllowed => "source_not_allowed",
            Self::UnknownJob => "unknown_job",
            Self::MalformedPayload(_) | Self::MissingField(_) => "malformed_payload",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::BodyUnreadable => "body_unreadable",
            Self::InFlight { .. } => "in_flight",
            Self::StoreUnavailable { .. } => "store_unavailable",
            Self::HandlerTimeout { .. } => "handler_timeout",
            Self::ClaimLost { .. } => "claim_lost",
            Self::UnknownTenant => "unknown_tenant",
            Self::KeySourceUnavailable { .. } => "key_source_unavailable",
            Self::NotInstalled => "receiver_not_installed",
        }
    }

    /// Seconds for a `Retry-After` header, where the sender should retry later.
    pub fn retry_after(&self) -> Option<u32> {
        match self {
            Self::InFlight { retry_after }
            | Self::StoreUnavailable { retry_after, .. }
            | Self::KeySourceUnavailable { retry_after }
            | Self::HandlerTimeout { retry_after }
            | Self::ClaimLost { retry_after } => Some(*retry_after),
            _ => None,
        }
    }

    /// The answer to send.
    pub fn to_answer(&self) -> Answer {
        #[derive(serde::Serialize)]
        struct Body<'a> {
            error: String,
            code: &'a str,
        }
        let body = serde_json::to_vec(&Body {
            error: self.to_string(),
            code: self.code(),
        })
        .unwrap_or_else(|_| br#"{"error":"refused","code":"refused"}"#.to_vec());
        Answer {
            status: self.status(),
            retry_after: self.retry_after(),
            body: Bytes::from(body),
        }
    }
}

/// The `Content-Type` of every answer hookgate writes.
pub const JSON_CONTENT_TYPE: &str = "application/json";

/// An answer hookgate gives without calling the handler (or instead of the
/// handler's, when the delivery could not be recorded): status, optional
/// `Retry-After` seconds, and a JSON body.
#[derive(Clone, PartialEq, Eq)]
pub struct Answer {
    status: StatusCode,
    retry_after: Option<u32>,
    body: Bytes,
}

/// Shows the body as text (it is always JSON), so a logged answer reads
/// `Answer { status: 200, body: {"received":true,"duplicate":true} }`.
///
/// ```
/// let shown = format!("{:?}", hookgate::Answer::duplicate());
/// assert_eq!(shown, r#"Answer { status: 200, body: {"received":true,"duplicate":true} }"#);
/// ```
impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Answer {{ status: {}", self.status.as_u16())?;
        if let Some(secs) = self.retry_after {
            write!(f, ", retry_after: {secs}")?;
        }
        write!(f, ", body: {} }}", String::from_utf8_lossy(&self.body))
    }
}

impl Answer {
    /// `200 {"received": true, "duplicate": true}`: the delivery was processed
    /// before; the handler is not called again.
    pub fn duplicate() -> Self {
        Self {
            status: StatusCode::OK,
            retry_after: None,
            body: Bytes::from_static(br#"{"received":true,"duplicate":true}"#),
        }
    }

    /// `202 {"received": true, "queued": true}`: queue mode, the delivery is
    /// in the queue; a worker will run the handler.
    pub fn queued() -> Self {
        Self {
            status: StatusCode::ACCEPTED,
            retry_after: None,
            body: Bytes::from_static(br#"{"received":true,"queued":true}"#),
        }
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// `Retry-After` seconds, if any.
    pub fn retry_after(&self) -> Option<u32> {
        self.retry_after
    }

    /// The JSON body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Converts into an `http::Response` with `Content-Type: application/json`
    /// and `Retry-After` where set.
    ///
    /// ```
    /// let res: http::Response<bytes::Bytes> = hookgate::Answer::duplicate().into_response();
    /// assert_eq!(res.status(), 200);
    /// assert_eq!(res.headers()["content-type"], "application/json");
    /// ```
    pub fn into_response<B: From<Bytes>>(self) -> http::Response<B> {
        let mut res = http::Response::new(B::from(self.body));
        *res.status_mut() = self.status;
        res.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static(JSON_CONTENT_TYPE),
        );
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
        }
        res
    }
}

impl From<Rejection> for Answer {
    fn from(r: Rejection) -> Self {
        r.to_answer()
    }
}

impl From<&Rejection> for Answer {
    fn from(r: &Rejection) -> Self {
        r.to_answer()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_body_has_error_and_code() {
        let a = Rejection::InFlight { retry_after: 7 }.to_answer();
        assert_eq!(a.status(), StatusCode::CONFLICT);
        assert_eq!(a.retry_after(), Some(7));
        let v: serde_json::Value = serde_json::from_slice(a.body()).unwrap();
        assert_eq!(v["code"], "in_flight");
        assert!(v["error"].as_str().unwrap().contains("retry"));
    }

    #[test]
    fn payload_errors_do_not_echo_values() {
        let err = serde_json::from_str::<crate::JobEvent>(
            r#"{"status":"Completed","job_id":{"s3cr3t":1}}"#,
        )
        .unwrap_err();
        let text = Rejection::from(PayloadError::from_json(&err)).to_string();
        assert!(!text.contains("s3cr3t"), "{text}");
        let err = serde_json::from_str::<crate::JobEvent>(r#"{"status":"Completed"}"#).unwrap_err();
        let text = PayloadError::from_json(&err).to_string();
        assert!(text.contains("missing field `job_id`"), "{text}");
    }

    #[test]
    fn every_status_is_documented_one() {
        let cases = [
            (Rejection::from(SignatureError::NoMatch), 401),
            (Rejection::HeaderAuth, 401),
            (Rejection::MissingToken, 401),
            (Rejection::InvalidToken, 401),
            (Rejection::SourceNotAllowed, 403),
            (Rejection::UnknownJob, 404),
            (Rejection::MissingField("job_id"), 400),
            (Rejection::PayloadTooLarge { limit: 1 }, 413),
            (Rejection::InFlight { retry_after: 1 }, 409),
            (
                Rejection::StoreUnavailable {
                    retry_after: 1,
                    source: StoreError::Timeout {
                        after: std::time::Duration::from_secs(1),
                    },
                },
                503,
            ),
            (Rejection::HandlerTimeout { retry_after: 1 }, 503),
        ];
        for (r, status) in cases {
            let a = r.to_answer();
            assert_eq!(a.status().as_u16(), status, "{r:?}");
            let v: serde_json::Value = serde_json::from_slice(a.body()).unwrap();
            assert!(v["code"]
                .as_str()
                .unwrap()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_'));
            if status == 409 || status == 503 {
                assert!(a.retry_after().is_some());
            }
        }
    }
}
