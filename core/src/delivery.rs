//! What the handler receives about one admitted delivery: the raw body (the same
//! buffer that was verified), the facts hookgate established, and the typed event.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::redact::without_metadata_field;
use crate::rejection::{PayloadError, Rejection};
use crate::signature::HeaderFamily;

/// How a delivery was authenticated: by a signature ([`Signed`](Self::Signed),
/// whatever the scheme: see [`Delivery::scheme`]) or by direct mode's checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// A signature: Svix / Standard Webhooks, or another scheme
    /// ([`Delivery::scheme`] names it).
    Signed,
    /// Unsigned: token, known job and/or source network.
    Direct,
}

/// One admitted delivery. Cheap to clone (one reference count).
#[derive(Clone)]
pub struct Delivery {
    inner: Arc<Facts>,
}

/// What a scheme other than the built-in ones established.
pub(crate) struct OtherScheme {
    /// The verifier's scheme name (`github`, `stripe`, a custom one).
    pub scheme: Cow<'static, str>,
    /// The event's name, where the scheme carries one (GitHub, Stripe).
    pub event_type: Option<String>,
}

pub(crate) struct Facts {
    pub body: Bytes,
    pub mode: Mode,
    /// A scheme other than the mode's built-in one, or an event type; `None`
    /// (one word, nothing to drop) on the Standard Webhooks and direct paths.
    pub other: Option<Box<OtherScheme>>,
    pub family: Option<HeaderFamily>,
    pub message_id: Option<String>,
    pub timestamp: Option<i64>,
    pub job_id: Option<String>,
    pub status: Option<String>,
    pub client_addr: Option<IpAddr>,
    /// Direct mode with a token check: the metadata field to strip.
    pub redact_field: Option<Arc<str>>,
}

impl Facts {
    /// The facts of a signed delivery: a message id and, where the scheme
    /// has them, a header family and a timestamp; `other` names a scheme
    /// other than Standard Webhooks, or an event type.
    #[inline]
    pub(crate) fn signed(
        body: Bytes,
        other: Option<Box<OtherScheme>>,
        family: Option<HeaderFamily>,
        message_id: String,
        timestamp: Option<i64>,
        client_addr: Option<IpAddr>,
    ) -> Self {
        Self {
            body,
            mode: Mode::Signed,
            other,
            family,
            message_id: Some(message_id),
            timestamp,
            job_id: None,
            status: None,
            client_addr,
            redact_field: None,
        }
    }
}

impl Delivery {
    pub(crate) fn new(facts: Facts) -> Self {
        Self {
            inner: Arc::new(facts),
        }
    }

    /// The facts, for the queue's entry encoding.
    pub(crate) fn facts(&self) -> &Facts {
        &self.inner
    }

    /// The raw body exactly as received and verified (the same buffer, not a
    /// copy). In direct mode with a token check it still contains the token.
    pub fn body(&self) -> &Bytes {
        &self.inner.body
    }

    /// How the delivery was authenticated.
    pub fn mode(&self) -> Mode {
        self.inner.mode
    }

    /// The scheme that authenticated it: `standard-webhooks`, `direct`,
    /// `github`, `stripe`, or a custom
    /// [`Verifier`](crate::verify::Verifier)'s name.
    pub fn scheme(&self) -> &str {
        match (&self.inner.other, self.inner.mode) {
            (Some(other), _) => &other.scheme,
            (None, Mode::Signed) => crate::verify::STANDARD,
            (None, Mode::Direct) => crate::verify::DIRECT,
        }
    }

    /// The event's name where the scheme carries one outside the body
    /// (GitHub's `X-GitHub-Event`, Stripe's `type`).
    pub fn event_type(&self) -> Option<&str> {
        self.inner.other.as_ref()?.event_type.as_deref()
    }

    /// Signed mode: which header family the sender used.
    pub fn header_family(&self) -> Option<HeaderFamily> {
        self.inner.family
    }

    /// Signed mode: the message id (`svix-id` / `webhook-id`; GitHub's
    /// `X-GitHub-Delivery`, Stripe's event `id`, a custom scheme's id).
    pub fn message_id(&self) -> Option<&str> {
        self.inner.message_id.as_deref()
    }

    /// Signed mode: the signed timestamp, Unix seconds.
    pub fn timestamp(&self) -> Option<i64> {
        self.inner.timestamp
    }

    /// Direct mode: the payload's `job_id` (read by the checks).
    pub fn job_id(&self) -> Option<&str> {
        self.inner.job_id.as_deref()
    }

    /// Direct mode: the payload's `status` as sent.
    pub fn status(&self) -> Option<&str> {
        self.inner.status.as_deref()
    }

    /// The client address hookgate resolved (peer, or `X-Forwarded-For` behind
    /// a trusted proxy).
    pub fn client_addr(&self) -> Option<IpAddr> {
        self.inner.client_addr
    }

    /// Parses the body into `E`. In direct mode with a token check, the token
    /// field is removed from `metadata` first, so the event never carries it.
    ///
    /// Fails with [`Rejection::MalformedPayload`] (400).
    pub fn event<E: DeserializeOwned>(&self) -> Result<E, Rejection> {
        let malformed =
            |e: serde_json::Error| Rejection::MalformedPayload(PayloadError::from_json(&e));
        let body = &self.inner.body[..];
        match &self.inner.redact_field {
            None => serde_json::from_slice(body).map_err(malformed),
            // The token is cut from the raw bytes, which are then parsed as
            // they would be without the check.
            Some(field) => {
                serde_json::from_slice(&without_metadata_field(body, field).map_err(malformed)?)
                    .map_err(malformed)
            }
        }
    }
}

impl fmt::Debug for Delivery {
    /// Shows the facts, never the body (it may hold a token).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Delivery")
            .field("mode", &i.mode)
            .field("scheme", &self.scheme())
            .field("message_id", &i.message_id)
            .field("timestamp", &i.timestamp)
            .field("job_id", &i.job_id)
            .field("status", &i.status)
            .field("client_addr", &i.client_addr)
            .field("body_len", &i.body.len())
            .finish()
    }
}
