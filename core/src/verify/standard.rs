//! Standard Webhooks / Svix (`v1` HMAC-SHA256, `v1a` ed25519): a delivery is
//! authenticated by its signature and identified by its message id.

use crate::offload::heavy;
use crate::secret::KeyRing;
use crate::signature::Tolerance;
use crate::verify::{Request, Verdict, Verified, Verifier, STANDARD};

/// The Standard Webhooks / Svix scheme: what
/// [`ReceiverBuilder::secret`](crate::ReceiverBuilder::secret) configures.
/// Given to [`ReceiverBuilder::verifier`](crate::ReceiverBuilder::verifier)
/// it does the same; wrapped in a custom [`Verifier`] it is the signature
/// check of a scheme that adds its own.
#[derive(Clone, Debug)]
pub struct StandardWebhooks {
    pub(crate) keys: KeyRing,
    pub(crate) tolerance: Tolerance,
}

impl StandardWebhooks {
    /// Accepts signatures by any key of `keys`, within the default tolerance
    /// (300 s both ways).
    pub fn new(keys: KeyRing) -> Self {
        Self {
            keys,
            tolerance: Tolerance::default(),
        }
    }

    /// How far a timestamp may be from now.
    pub fn tolerance(mut self, window: impl Into<Tolerance>) -> Self {
        self.tolerance = window.into();
        self
    }

    /// The keys accepted.
    pub fn keys(&self) -> &KeyRing {
        &self.keys
    }
}

impl Verifier for StandardWebhooks {
    fn scheme(&self) -> &'static str {
        STANDARD
    }

    /// Verifies the signature and timestamp; the dedupe key is the message id.
    fn verify(&self, request: &Request<'_>) -> Verdict {
        let body = request.body;
        let signed = heavy(body.len(), || {
            self.keys
                .verify(request.headers, body, request.now, self.tolerance)
        });
        Verdict::Ready(match signed {
            Ok(signed) => Ok(Verified {
                family: Some(signed.family),
                timestamp: Some(signed.timestamp),
                ..Verified::new(signed.id)
            }),
            Err(e) => Err(e.into()),
        })
    }
}
