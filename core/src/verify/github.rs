//! GitHub: `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the raw body
//! by the webhook secret; deduplicated by `X-GitHub-Delivery`.

use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::offload::heavy;
use crate::rejection::Rejection;
use crate::signature::SignatureError;
use crate::verify::{lower_hex, valid_id, Request, Verdict, Verified, Verifier};

/// The scheme's name.
pub(crate) const SCHEME: &str = "github";
/// The signature header: `sha256=<hex>` over the raw body.
pub(crate) const SIGNATURE_HEADER: &str = "x-hub-signature-256";
/// The delivery id (kept on a redelivery): the dedupe key.
pub(crate) const DELIVERY_HEADER: &str = "x-github-delivery";
/// The event's name.
pub(crate) const EVENT_HEADER: &str = "x-github-event";

/// GitHub's webhook scheme (feature `github`).
///
/// ```
/// let receiver = hookgate::Receiver::builder()
///     .verifier(hookgate::verify::GitHub::new("It's a Secret to Everybody"))
///     .build()
///     .unwrap();
/// assert_eq!(receiver.scheme(), "github");
/// ```
///
/// The delivery's [`message_id`](crate::Delivery::message_id) is
/// `X-GitHub-Delivery` (a redelivery keeps it), its
/// [`event_type`](crate::Delivery::event_type) `X-GitHub-Event`. GitHub
/// signs no timestamp: a captured delivery can be replayed once its done
/// marker expires (28 h by default); keep `done_ttl` long, and combine with
/// [`allowed_sources`](crate::ReceiverBuilder::allowed_sources) (GitHub's
/// `hooks` ranges from its meta API) where that matters.
#[derive(Clone)]
pub struct GitHub {
    secrets: Arc<[Arc<[u8]>]>,
}

impl std::fmt::Debug for GitHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHub")
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

impl GitHub {
    /// Accepts signatures by `secret`.
    pub fn new(secret: impl AsRef<[u8]>) -> Self {
        Self {
            secrets: Arc::from([Arc::from(secret.as_ref())]),
        }
    }

    /// Also accepts signatures by `secret` (rotation: any one may match).
    pub fn secret(self, secret: impl AsRef<[u8]>) -> Self {
        let mut all = self.secrets.to_vec();
        all.push(Arc::from(secret.as_ref()));
        Self {
            secrets: Arc::from(all),
        }
    }

    /// Whether `header` (`sha256=<64 hex digits>`) is a signature of `body`
    /// by one of the secrets (constant-time comparison).
    pub fn verify_signature(&self, body: &[u8], header: &[u8]) -> bool {
        let Some(hex_digits) = header.strip_prefix(b"sha256=") else {
            return false;
        };
        let mut signature = [0u8; 32];
        if !lower_hex(hex_digits, &mut signature) {
            return false;
        }
        self.secrets.iter().any(|secret| {
            let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
                return false;
            };
            mac.update(body);
            mac.verify_slice(&signature).is_ok()
        })
    }
}

impl Verifier for GitHub {
    fn scheme(&self) -> &'static str {
        SCHEME
    }

    fn verify(&self, request: &Request<'_>) -> Verdict {
        Verdict::Ready(self.identify(request))
    }
}

impl GitHub {
    /// Whether every secret can sign: an empty one makes signatures anyone
    /// can compute.
    pub(crate) fn has_usable_secrets(&self) -> bool {
        !self.secrets.is_empty() && self.secrets.iter().all(|s| !s.is_empty())
    }

    pub(crate) fn identify(&self, request: &Request<'_>) -> Result<Verified, Rejection> {
        let headers = request.headers;
        let signature = headers
            .first(SIGNATURE_HEADER)
            .ok_or(SignatureError::MissingHeader(SIGNATURE_HEADER))?;
        let id = headers
            .first(DELIVERY_HEADER)
            .ok_or(SignatureError::MissingHeader(DELIVERY_HEADER))?;
        let id = valid_id(id).ok_or(SignatureError::InvalidMessageId)?;
        let body = request.body;
        if !heavy(body.len(), || self.verify_signature(body, signature)) {
            return Err(SignatureError::NoMatch.into());
        }
        let mut verified = Verified::new(id);
        if let Some(event) = headers
            .first(EVENT_HEADER)
            .and_then(|v| std::str::from_utf8(v).ok())
        {
            verified = verified.event_type(event);
        }
        Ok(verified)
    }
}
