//! Signed mode (Svix / Standard Webhooks): a delivery is authenticated by its
//! signature and identified by its message id.

use std::net::IpAddr;

use bytes::Bytes;

use crate::admit::Checked;
use crate::clock::Clock;
use crate::delivery::{Delivery, Facts, Mode};
use crate::headers::HeaderLookup;
use crate::key::message_key;
use crate::offload::heavy;
use crate::rejection::Rejection;
use crate::secret::KeyRing;
use crate::signature::Tolerance;

/// What signed mode checks a delivery against.
pub(crate) struct SignedMode {
    pub(crate) keys: KeyRing,
    pub(crate) tolerance: Tolerance,
}

impl SignedMode {
    /// Verifies the signature and timestamp; the dedupe key is the message id.
    pub(crate) fn identify(
        &self,
        clock: &dyn Clock,
        headers: &dyn HeaderLookup,
        body: &Bytes,
        client: Option<IpAddr>,
        key_prefix: &str,
    ) -> Result<Checked, Rejection> {
        let now = clock.now_unix();
        let signed = heavy(body.len(), || {
            self.keys.verify(headers, body, now, self.tolerance)
        })?;
        let key = message_key(key_prefix, signed.id);
        Ok(Checked {
            delivery: Delivery::new(Facts {
                body: body.clone(),
                mode: Mode::Signed,
                family: Some(signed.family),
                message_id: Some(signed.id.to_owned()),
                timestamp: Some(signed.timestamp),
                job_id: None,
                status: None,
                client_addr: client,
                redact_field: None,
            }),
            key,
            known_job: false,
            forget_job: false,
        })
    }
}
