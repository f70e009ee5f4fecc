//! [`Scheme`]: the scheme a receiver runs, as an enum the receiver calls
//! without a box per request for the built-ins.

use std::any::Any;
use std::sync::Arc;

use crate::delivery::Mode;

use crate::signature::Tolerance;
#[cfg(feature = "github")]
use crate::verify::GitHub;
#[cfg(feature = "stripe")]
use crate::verify::Stripe;
use crate::verify::{Request, StandardWebhooks, TemplateError, Tenants, Verdict, Verifier};

/// The scheme a receiver runs: the built-ins by value (static dispatch),
/// anything else behind an `Arc`.
#[derive(Clone)]
pub(crate) enum Scheme {
    Standard(StandardWebhooks),
    Direct(crate::DirectPolicy),
    #[cfg(feature = "github")]
    GitHub(GitHub),
    #[cfg(feature = "stripe")]
    Stripe(Stripe),
    Tenants(Tenants),
    #[cfg(feature = "github")]
    GitHubTenants(Tenants<GitHub>),
    #[cfg(feature = "stripe")]
    StripeTenants(Tenants<Stripe>),
    Custom(Arc<dyn Verifier>),
}

impl Scheme {
    /// A built-in scheme goes to its own arm (static dispatch), any other
    /// into `Custom`.
    pub(crate) fn of<V: Verifier>(verifier: V) -> Self {
        let mut slot = Some(verifier);
        let any: &mut dyn Any = &mut slot;
        if let Some(s) = any.downcast_mut::<Option<StandardWebhooks>>() {
            return Self::Standard(s.take().expect("just filled"));
        }
        if let Some(d) = any.downcast_mut::<Option<crate::DirectPolicy>>() {
            return Self::Direct(d.take().expect("just filled"));
        }
        #[cfg(feature = "github")]
        if let Some(g) = any.downcast_mut::<Option<GitHub>>() {
            return Self::GitHub(g.take().expect("just filled"));
        }
        #[cfg(feature = "stripe")]
        if let Some(s) = any.downcast_mut::<Option<Stripe>>() {
            return Self::Stripe(s.take().expect("just filled"));
        }
        if let Some(t) = any.downcast_mut::<Option<Tenants>>() {
            return Self::Tenants(t.take().expect("just filled"));
        }
        #[cfg(feature = "github")]
        if let Some(t) = any.downcast_mut::<Option<Tenants<GitHub>>>() {
            return Self::GitHubTenants(t.take().expect("just filled"));
        }
        #[cfg(feature = "stripe")]
        if let Some(t) = any.downcast_mut::<Option<Tenants<Stripe>>>() {
            return Self::StripeTenants(t.take().expect("just filled"));
        }
        Self::Custom(Arc::new(slot.take().expect("just filled")))
    }

    /// The replay window of a scheme with timestamps, which the done marker
    /// must outlast.
    pub(crate) fn tolerance(&self) -> Option<Tolerance> {
        match self {
            Self::Standard(s) => Some(s.tolerance),
            #[cfg(feature = "stripe")]
            Self::Stripe(s) => Some(s.tolerance),
            Self::Tenants(t) => t.replay_tolerance(),
            #[cfg(feature = "github")]
            Self::GitHubTenants(t) => t.replay_tolerance(),
            #[cfg(feature = "stripe")]
            Self::StripeTenants(t) => t.replay_tolerance(),
            _ => None,
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::Standard(s) => s.scheme(),
            Self::Direct(d) => d.scheme(),
            #[cfg(feature = "github")]
            Self::GitHub(g) => g.scheme(),
            #[cfg(feature = "stripe")]
            Self::Stripe(s) => s.scheme(),
            Self::Tenants(t) => t.scheme(),
            #[cfg(feature = "github")]
            Self::GitHubTenants(t) => t.scheme(),
            #[cfg(feature = "stripe")]
            Self::StripeTenants(t) => t.scheme(),
            Self::Custom(c) => c.scheme(),
        }
    }

    /// A per-tenant scheme's path template and why it is refused, for
    /// `build()`.
    pub(crate) fn template_error(&self) -> Option<(&str, &TemplateError)> {
        match self {
            Self::Tenants(t) => t.template_error(),
            #[cfg(feature = "github")]
            Self::GitHubTenants(t) => t.template_error(),
            #[cfg(feature = "stripe")]
            Self::StripeTenants(t) => t.template_error(),
            _ => None,
        }
    }

    pub(crate) fn mode(&self) -> Mode {
        match self {
            Self::Direct(_) => Mode::Direct,
            _ => Mode::Signed,
        }
    }

    pub(crate) fn verify(&self, request: &Request<'_>) -> Verdict {
        match self {
            Self::Standard(s) => s.verify(request),
            Self::Direct(d) => d.verify(request),
            #[cfg(feature = "github")]
            Self::GitHub(g) => g.verify(request),
            #[cfg(feature = "stripe")]
            Self::Stripe(s) => s.verify(request),
            Self::Tenants(t) => t.verify(request),
            #[cfg(feature = "github")]
            Self::GitHubTenants(t) => t.verify(request),
            #[cfg(feature = "stripe")]
            Self::StripeTenants(t) => t.verify(request),
            Self::Custom(c) => c.verify(request),
        }
    }
}
