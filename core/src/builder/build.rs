//! [`ReceiverBuilder::build`]: every setting checked before the first
//! request, each mistake a [`BuildError`] that says what to change.

use std::sync::Arc;
use std::time::Duration;

use crate::build_error::BuildError;
use crate::builder::ReceiverBuilder;
use crate::claim::SettleConfig;
use crate::client_addr::Networks;
use crate::header_auth::HeaderSpec;
use crate::jobs::MemoryJobRegistry;
use crate::receiver::{Inner, Receiver};
use crate::secret::KeyRing;
use crate::store_handle::StoreHandle;
use crate::verify::{Scheme, StandardWebhooks};

impl ReceiverBuilder {
    /// Checks everything and builds the receiver.
    pub fn build(self) -> Result<Receiver, BuildError> {
        let nonzero = |d: Duration, name| {
            if d.is_zero() {
                Err(BuildError::Zero(name))
            } else {
                Ok(())
            }
        };
        nonzero(self.in_flight_ttl, "in_flight_ttl")?;
        nonzero(self.store_deadline, "store_deadline")?;
        nonzero(self.handler_deadline, "handler_deadline")?;
        if self.max_body == 0 {
            return Err(BuildError::Zero("max_body_bytes"));
        }
        if self.handler_deadline >= self.in_flight_ttl {
            return Err(BuildError::DeadlineOutlivesClaim {
                handler: self.handler_deadline,
                in_flight: self.in_flight_ttl,
            });
        }
        if self.done_ttl <= self.in_flight_ttl {
            return Err(BuildError::DoneTtlTooShort {
                done: self.done_ttl,
                in_flight: self.in_flight_ttl,
            });
        }
        if self.key_prefix.contains(['{', '}']) {
            return Err(BuildError::KeyPrefixBrace);
        }
        let parse_nets = |lists: &[String], list| -> Result<Networks, BuildError> {
            let mut nets = Networks::new();
            for l in lists {
                let parsed =
                    Networks::parse(l).map_err(|source| BuildError::Network { list, source })?;
                nets.extend(parsed.iter());
            }
            Ok(nets)
        };
        let trusted_proxies = parse_nets(&self.trusted_proxies, "trusted proxies")?;
        let allowed_sources = self
            .allowed_sources
            .as_deref()
            .map(|l| parse_nets(l, "allowed sources"))
            .transpose()?;
        let required_headers = self
            .required_headers
            .iter()
            .map(HeaderSpec::build)
            .collect::<Result<Vec<_>, _>>()?;

        if let Some((name, not_unicode)) = self.missing_env.into_iter().next() {
            return Err(BuildError::MissingEnv { name, not_unicode });
        }
        let given = self.scheme;
        if given.is_some()
            && (self.direct.is_some() || !self.secrets.is_empty() || !self.keys.is_empty())
        {
            return Err(BuildError::TwoSchemes);
        }
        let scheme = match (given, self.direct) {
            (Some(scheme), _) => scheme,
            (None, Some(policy)) => Scheme::Direct(policy),
            (None, None) => {
                let mut keys = self.keys;
                for s in &self.secrets {
                    for k in KeyRing::parse(s)?.keys() {
                        keys.push(k.clone());
                    }
                }
                if keys.is_empty() {
                    return Err(BuildError::NoKeys);
                }
                Scheme::Standard(StandardWebhooks {
                    keys,
                    tolerance: self.tolerance,
                })
            }
        };
        match &scheme {
            Scheme::Direct(policy) => {
                if policy.token.as_ref().is_some_and(|t| t.is_empty()) {
                    return Err(BuildError::EmptyToken);
                }
                let checks_something = policy.token.is_some()
                    || policy.known_jobs
                    || allowed_sources.is_some()
                    || !required_headers.is_empty();
                if !checks_something && !policy.accept_unauthenticated {
                    return Err(BuildError::DirectUnauthenticated);
                }
            }
            Scheme::Standard(StandardWebhooks { keys, .. }) if keys.is_empty() => {
                return Err(BuildError::NoKeys);
            }
            #[cfg(feature = "github")]
            Scheme::GitHub(github) if !github.has_usable_secrets() => {
                return Err(BuildError::EmptySecret { scheme: "github" });
            }
            #[cfg(feature = "stripe")]
            Scheme::Stripe(stripe) if !stripe.has_usable_secrets() => {
                return Err(BuildError::EmptySecret { scheme: "stripe" });
            }
            _ => {}
        }
        if let Some((template, source)) = scheme.template_error() {
            return Err(BuildError::TenantPath {
                template: template.to_owned(),
                source: source.clone(),
            });
        }
        if let Some(tolerance) = scheme.tolerance() {
            // A timestamp is accepted from `future` before it until `past`
            // after it; the first delivery can come at the start of that
            // window, so its done marker must outlast the whole window.
            let window = tolerance.past.saturating_add(tolerance.future);
            if self.done_ttl <= window {
                return Err(BuildError::DoneTtlInsideReplayWindow {
                    done: self.done_ttl,
                    window,
                });
            }
        }
        if let Some(queue) = &self.queue {
            queue.check().map_err(BuildError::Queue)?;
            if queue.backend.is_volatile() {
                if !queue.allow_volatile {
                    return Err(BuildError::VolatileQueue);
                }
                tracing::warn!("hookgate: queue mode on an in-memory queue: queued deliveries are lost when this process stops (development only)");
            }
        }
        let retry_after = u32::try_from(self.retry_after.as_secs().max(1)).unwrap_or(u32::MAX);
        Ok(Receiver {
            inner: Arc::new(Inner {
                scheme,
                clock: Arc::clone(&self.clock),
                settle: Arc::new(SettleConfig {
                    // The default in-memory store and registry expire by the
                    // receiver's clock; a store given keeps its own.
                    store: self
                        .store
                        .unwrap_or_else(|| StoreHandle::default_memory(&self.clock)),
                    jobs: self.jobs.unwrap_or_else(|| {
                        Arc::new(MemoryJobRegistry::new().with_clock(Arc::clone(&self.clock)))
                    }),
                    in_flight_ttl: self.in_flight_ttl,
                    done_ttl: self.done_ttl,
                    deadline: self.store_deadline,
                    retry_after,
                    handler_deadline: self.handler_deadline,
                }),
                key_prefix: self.key_prefix,
                fail_open: self.fail_open,
                max_body: self.max_body,
                trusted_proxies,
                allowed_sources,
                required_headers,
                queue: self.queue.map(Arc::new),
            }),
        })
    }
}
