//! What one tenant's keys are: [`TenantKeys`], implemented by the built-in
//! keyed schemes — a Standard Webhooks [`KeyRing`], a [`GitHub`] and a
//! [`Stripe`] — each verifying a request with the keys it holds.

use crate::rejection::Rejection;
use crate::secret::KeyRing;
use crate::signature::Tolerance;
#[cfg(feature = "github")]
use crate::verify::GitHub;
#[cfg(feature = "stripe")]
use crate::verify::Stripe;
use crate::verify::{standard, Request, Verified, STANDARD};

/// The keys of one tenant, as a [`KeySource`](crate::verify::KeySource)
/// returns them for [`Tenants`](crate::verify::Tenants): a [`KeyRing`]
/// (Standard Webhooks / Svix, the default), a [`GitHub`](crate::verify::GitHub)
/// (feature `github`) or a [`Stripe`](crate::verify::Stripe) (feature
/// `stripe`) holding that tenant's secrets.
///
/// Sealed: the scheme a `Tenants` runs is one of the built-ins. A scheme of
/// your own that needs keys per tenant is a [`Verifier`](crate::verify::Verifier)
/// that looks them up itself (`docs/verifiers.md`).
pub trait TenantKeys: sealed::Keys {}

impl<K: sealed::Keys> TenantKeys for K {}

pub(crate) mod sealed {
    use super::*;

    /// What [`Tenants`](crate::verify::Tenants) needs of a tenant's keys.
    /// Private: nothing outside the crate can name it, so nothing outside
    /// can implement [`TenantKeys`].
    pub trait Keys: Send + Sync + 'static {
        /// The scheme's name (dedupe keys, [`Delivery::scheme`](crate::Delivery::scheme)).
        const SCHEME: &'static str;
        /// The headers a verification reads: copied when the delivery must
        /// wait for its tenant's keys.
        const HEADERS: &'static [&'static str];
        /// Whether the scheme signs a timestamp (checked within the
        /// tolerance; its replay window bounds the done TTL).
        const TIMESTAMPED: bool;
        /// Whether these keys can verify anything: an empty key ring, or an
        /// empty secret (an HMAC anyone can compute), is no key at all.
        fn usable(&self) -> bool;
        /// Verifies `request` with these keys; `tolerance` applies to the
        /// schemes that sign a timestamp.
        fn verify_with(
            &self,
            request: &Request<'_>,
            tolerance: Tolerance,
        ) -> Result<Verified, Rejection>;
    }
}

impl sealed::Keys for KeyRing {
    const SCHEME: &'static str = STANDARD;
    const HEADERS: &'static [&'static str] = &[
        "svix-id",
        "svix-timestamp",
        "svix-signature",
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
    ];
    const TIMESTAMPED: bool = true;

    fn usable(&self) -> bool {
        !self.is_empty()
    }

    fn verify_with(
        &self,
        request: &Request<'_>,
        tolerance: Tolerance,
    ) -> Result<Verified, Rejection> {
        standard::verified(self, request, tolerance)
    }
}

#[cfg(feature = "github")]
impl sealed::Keys for GitHub {
    const SCHEME: &'static str = crate::verify::github::SCHEME;
    const HEADERS: &'static [&'static str] = &[
        crate::verify::github::SIGNATURE_HEADER,
        crate::verify::github::DELIVERY_HEADER,
        crate::verify::github::EVENT_HEADER,
    ];
    const TIMESTAMPED: bool = false;

    fn usable(&self) -> bool {
        self.has_usable_secrets()
    }

    fn verify_with(&self, request: &Request<'_>, _: Tolerance) -> Result<Verified, Rejection> {
        self.identify(request)
    }
}

#[cfg(feature = "stripe")]
impl sealed::Keys for Stripe {
    const SCHEME: &'static str = crate::verify::stripe::SCHEME;
    const HEADERS: &'static [&'static str] = &[crate::verify::stripe::SIGNATURE_HEADER];
    const TIMESTAMPED: bool = true;

    fn usable(&self) -> bool {
        self.has_usable_secrets()
    }

    fn verify_with(
        &self,
        request: &Request<'_>,
        tolerance: Tolerance,
    ) -> Result<Verified, Rejection> {
        self.identify(request, tolerance)
    }
}
