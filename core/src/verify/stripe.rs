//! Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]`, HMAC-SHA256 of
//! `<t>.<raw body>` by the endpoint secret; deduplicated by the event's `id`.

use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::offload::heavy;
use crate::rejection::{PayloadError, Rejection};
use crate::signature::{SignatureError, Tolerance, MAX_SIGNATURE_ENTRIES};
use crate::verify::{lower_hex, Request, Verdict, Verified, Verifier};

/// The scheme's name.
pub(crate) const SCHEME: &str = "stripe";
/// The signature header: `t=<unix>,v1=<hex>[,v1=…]`.
pub(crate) const SIGNATURE_HEADER: &str = "stripe-signature";

/// Stripe's webhook scheme (feature `stripe`).
///
/// ```
/// let receiver = hookgate::Receiver::builder()
///     .verifier(hookgate::verify::Stripe::new("whsec_from_the_stripe_dashboard"))
///     .build()
///     .unwrap();
/// assert_eq!(receiver.scheme(), "stripe");
/// ```
///
/// The endpoint secret is used as Stripe's libraries use it: the whole
/// `whsec_…` string is the HMAC key. A header may carry several `v1`
/// signatures (during a secret roll): any one matching is enough; `v0` and
/// other schemes are ignored. The timestamp must be within the tolerance
/// (300 s both ways by default). The delivery's
/// [`message_id`](crate::Delivery::message_id) is the event's `id` (kept
/// across retries), its [`event_type`](crate::Delivery::event_type) the
/// event's `type`.
#[derive(Clone)]
pub struct Stripe {
    secrets: Arc<[Arc<[u8]>]>,
    pub(crate) tolerance: Tolerance,
}

impl std::fmt::Debug for Stripe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stripe")
            .field("secrets", &self.secrets.len())
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

#[derive(serde::Deserialize)]
struct EventHead {
    id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

impl Stripe {
    /// Accepts signatures by the endpoint secret `secret`.
    pub fn new(secret: impl AsRef<[u8]>) -> Self {
        Self {
            secrets: Arc::from([Arc::from(secret.as_ref())]),
            tolerance: Tolerance::default(),
        }
    }

    /// Also accepts signatures by `secret` (rotation: any one may match).
    pub fn secret(self, secret: impl AsRef<[u8]>) -> Self {
        let mut all = self.secrets.to_vec();
        all.push(Arc::from(secret.as_ref()));
        Self {
            secrets: Arc::from(all),
            ..self
        }
    }

    /// How far `t` may be from now (default 300 s both ways).
    pub fn tolerance(mut self, window: impl Into<Tolerance>) -> Self {
        self.tolerance = window.into();
        self
    }

    /// Checks a `Stripe-Signature` value against `body` at `now` (Unix
    /// seconds): the timestamp it signed, or why it is refused.
    pub fn verify_header(
        &self,
        header: &[u8],
        body: &[u8],
        now: i64,
    ) -> Result<i64, SignatureError> {
        self.verify_header_within(header, body, now, self.tolerance)
    }

    /// [`verify_header`](Self::verify_header) with another tolerance (a
    /// tenant's keys checked within the [`Tenants`](crate::verify::Tenants)'
    /// tolerance).
    fn verify_header_within(
        &self,
        header: &[u8],
        body: &[u8],
        now: i64,
        tolerance: Tolerance,
    ) -> Result<i64, SignatureError> {
        let header = std::str::from_utf8(header).map_err(|_| SignatureError::NoMatch)?;
        let mut timestamp = None;
        let mut signatures = Vec::new();
        for entry in header.split(',') {
            match entry.split_once('=') {
                Some(("t", t)) if timestamp.is_none() => timestamp = Some(t),
                Some(("v1", hex_digits)) if signatures.len() < MAX_SIGNATURE_ENTRIES => {
                    let mut signature = [0u8; 32];
                    if lower_hex(hex_digits.as_bytes(), &mut signature) {
                        signatures.push(signature);
                    }
                }
                _ => {}
            }
        }
        let raw = timestamp.ok_or(SignatureError::InvalidTimestamp)?;
        let t: i64 = raw
            .parse()
            .ok()
            .filter(|t| *t >= 0 && raw.bytes().all(|b| b.is_ascii_digit()))
            .ok_or(SignatureError::InvalidTimestamp)?;
        tolerance.check(t, now)?;
        let matched = self.secrets.iter().any(|secret| {
            let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
                return false;
            };
            mac.update(raw.as_bytes());
            mac.update(b".");
            mac.update(body);
            signatures
                .iter()
                .any(|s| mac.clone().verify_slice(s).is_ok())
        });
        if matched {
            Ok(t)
        } else {
            Err(SignatureError::NoMatch)
        }
    }
}

impl Verifier for Stripe {
    fn scheme(&self) -> &'static str {
        SCHEME
    }

    fn verify(&self, request: &Request<'_>) -> Verdict {
        Verdict::Ready(self.identify(request, self.tolerance))
    }
}

impl Stripe {
    /// Whether every secret can sign: an empty one makes signatures anyone
    /// can compute.
    pub(crate) fn has_usable_secrets(&self) -> bool {
        !self.secrets.is_empty() && self.secrets.iter().all(|s| !s.is_empty())
    }

    pub(crate) fn identify(
        &self,
        request: &Request<'_>,
        tolerance: Tolerance,
    ) -> Result<Verified, Rejection> {
        let header = request
            .headers
            .first(SIGNATURE_HEADER)
            .ok_or(SignatureError::MissingHeader(SIGNATURE_HEADER))?;
        let body = request.body;
        let t = heavy(body.len(), || {
            self.verify_header_within(header, body, request.now, tolerance)
        })?;
        let head: EventHead = serde_json::from_slice(body)
            .map_err(|e| Rejection::MalformedPayload(PayloadError::from_json(&e)))?;
        let id = head
            .id
            .filter(|id| !id.is_empty())
            .ok_or(Rejection::MissingField("id"))?;
        let mut verified = Verified::new(id).timestamp(t);
        if let Some(kind) = head.kind {
            verified = verified.event_type(kind);
        }
        Ok(verified)
    }
}
