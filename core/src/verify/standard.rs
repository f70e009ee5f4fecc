//! Standard Webhooks / Svix (`v1` HMAC-SHA256, `v1a` ed25519): a delivery is
//! authenticated by its signature and identified by its message id.

use std::net::IpAddr;

use bytes::Bytes;

use crate::admit::Checked;
use crate::delivery::{Delivery, Facts};
use crate::headers::HeaderLookup;
use crate::key::message_key;
use crate::offload::heavy;
use crate::rejection::Rejection;
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

impl StandardWebhooks {
    /// The receiver's path for this built-in: the same checks as
    /// [`Verifier::verify`], building the delivery at once (no intermediate
    /// [`Verified`]): the Standard Webhooks path costs what it did before
    /// the trait (`loadbench/count.sh`).
    ///
    /// It takes the request's parts rather than a [`Request`]: the receiver
    /// calls it before building one, and reads neither tenant nor path.
    pub(crate) fn checked(
        &self,
        headers: &dyn HeaderLookup,
        body: &Bytes,
        now: i64,
        client: Option<IpAddr>,
        key_prefix: &str,
    ) -> Result<Checked, Rejection> {
        let signed = heavy(body.len(), || {
            self.keys.verify(headers, body, now, self.tolerance)
        })?;
        let key = message_key(key_prefix, signed.id);
        Ok(Checked {
            delivery: Delivery::new(Facts::signed(
                body.clone(),
                None,
                Some(signed.family),
                signed.id.to_owned(),
                Some(signed.timestamp),
                client,
            )),
            key,
            known_job: false,
            forget_job: false,
        })
    }
}

impl Verifier for StandardWebhooks {
    fn scheme(&self) -> &'static str {
        STANDARD
    }

    /// Verifies the signature and timestamp; the dedupe key is the message id.
    fn verify(&self, request: &Request<'_>) -> Verdict {
        Verdict::Ready(verified(&self.keys, request, self.tolerance))
    }
}

/// Verifies `request` with `keys`: what the scheme established, for the trait
/// and for [`Tenants`](crate::verify::Tenants) (whose keys are per tenant).
pub(crate) fn verified(
    keys: &KeyRing,
    request: &Request<'_>,
    tolerance: Tolerance,
) -> Result<Verified, Rejection> {
    let body = request.body;
    let signed = heavy(body.len(), || {
        keys.verify(request.headers, body, request.now, tolerance)
    })?;
    Ok(Verified {
        family: Some(signed.family),
        timestamp: Some(signed.timestamp),
        ..Verified::new(signed.id)
    })
}
