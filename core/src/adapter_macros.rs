//! The vocabulary every adapter shares, written once. Orphan rules forbid one
//! shared `Webhook<E>` type (each framework's extractor trait must be
//! implemented in the adapter's crate on the adapter's own type), so the core
//! generates the same type, rejection and re-exports in each adapter with
//! these hidden macros; the adapters add only the framework trait impls.

/// Defines `Webhook<E>` in an adapter: the typed event and the delivery facts.
#[doc(hidden)]
#[macro_export]
macro_rules! __adapter_webhook {
    ($(#[$meta:meta])*) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct Webhook<E = $crate::JobEvent> {
            /// The typed event (in direct mode with a token check, parsed
            /// from the raw bytes with the token cut out).
            pub event: E,
            /// What hookgate established about the delivery: message id,
            /// timestamp, mode, client address and the verified raw body.
            pub delivery: $crate::Delivery,
        }

        impl<E> Webhook<E> {
            /// The event and the delivery facts.
            pub fn into_parts(self) -> (E, $crate::Delivery) {
                (self.event, self.delivery)
            }

            /// The event alone.
            pub fn into_event(self) -> E {
                self.event
            }

            /// Parses an admitted delivery as `E` (`400 malformed_payload`
            /// when it does not fit).
            #[allow(dead_code, reason = "not every adapter builds it this way")]
            pub(crate) fn parse(delivery: $crate::Delivery) -> Result<Self, $crate::Rejection>
            where
                E: $crate::__private::DeserializeOwned,
            {
                let event = delivery.event::<E>()?;
                Ok(Self { event, delivery })
            }
        }

        impl<E> ::std::ops::Deref for Webhook<E> {
            type Target = E;

            fn deref(&self) -> &E {
                &self.event
            }
        }

        impl<E> ::std::ops::DerefMut for Webhook<E> {
            fn deref_mut(&mut self) -> &mut E {
                &mut self.event
            }
        }
    };
}

/// Defines `WebhookRejection` in an adapter: why `Webhook<E>` could not be
/// had, as the core's [`Rejection`](crate::Rejection).
#[doc(hidden)]
#[macro_export]
macro_rules! __adapter_rejection {
    ($(#[$meta:meta])*) => {
        $(#[$meta])*
        #[derive(Debug)]
        pub struct WebhookRejection($crate::Rejection);

        impl WebhookRejection {
            /// The extractor ran on a route hookgate does not guard (a wiring
            /// mistake): `500 receiver_not_installed`.
            pub fn not_installed() -> Self {
                Self($crate::Rejection::NotInstalled)
            }

            /// The core's reason.
            pub fn rejection(&self) -> &$crate::Rejection {
                &self.0
            }

            /// The core's reason, owned.
            pub fn into_rejection(self) -> $crate::Rejection {
                self.0
            }

            /// The HTTP status of the answer.
            pub fn status(&self) -> $crate::__private::StatusCode {
                self.0.status()
            }

            /// The stable snake_case code of the answer.
            pub fn code(&self) -> &'static str {
                self.0.code()
            }
        }

        impl From<$crate::Rejection> for WebhookRejection {
            fn from(rejection: $crate::Rejection) -> Self {
                Self(rejection)
            }
        }

        impl ::std::fmt::Display for WebhookRejection {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl ::std::error::Error for WebhookRejection {
            fn source(&self) -> Option<&(dyn ::std::error::Error + 'static)> {
                ::std::error::Error::source(&self.0)
            }
        }
    };
}

/// The core's items every adapter re-exports at its root, the same set in
/// each: what an app names to configure a receiver, read an event, shape an
/// answer and test.
#[doc(hidden)]
#[macro_export]
macro_rules! __adapter_reexports {
    () => {
        pub use $crate as hookgate;
        pub use $crate::clock::{Clock, FixedClock, SystemClock};
        pub use $crate::direct::Token;
        pub use $crate::{
            Answer, BuildError, Delivery, DirectPolicy, JobEvent, JobStatus, Metadata, Mode,
            Outcome, PayloadError, Receiver, ReceiverBuilder, ReceiverConfig, Rejection, Secret,
            StatusKind, StoreError, Tolerance,
        };
    };
}
