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

/// `$body` with `$v` bound to the scheme in whichever arm `$scheme` is: one
/// list of arms for every call that reaches the scheme itself.
macro_rules! each_scheme {
    ($scheme:expr, $v:ident => $body:expr) => {
        match $scheme {
            Scheme::Standard($v) => $body,
            Scheme::Direct($v) => $body,
            #[cfg(feature = "github")]
            Scheme::GitHub($v) => $body,
            #[cfg(feature = "stripe")]
            Scheme::Stripe($v) => $body,
            Scheme::Tenants($v) => $body,
            #[cfg(feature = "github")]
            Scheme::GitHubTenants($v) => $body,
            #[cfg(feature = "stripe")]
            Scheme::StripeTenants($v) => $body,
            Scheme::Custom($v) => $body,
        }
    };
}

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
        each_scheme!(self, s => s.scheme())
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
        each_scheme!(self, s => s.verify(request))
    }
}
