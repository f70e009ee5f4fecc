//! `Debug` for the errors a person meets at start-up, written as their message.
//!
//! `fn main() -> Result<(), Box<dyn Error>>` and `.expect(…)` print an error's
//! `Debug`; derived, that is `Secret(NotBase64 { prefix: "whsec_" })`, while the
//! `Display` text says what is wrong and how to fix it. So these types' `Debug`
//! is their message (`{:#?}` adds the chain of causes), and what a person sees
//! when an app fails to start is the readable text.

/// Implements `Debug` as the `Display` message (plus causes with `{:#?}`).
macro_rules! readable_debug {
    ($($ty:ty),+ $(,)?) => {$(
        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(self, f)?;
                if f.alternate() {
                    let mut source = ::std::error::Error::source(self);
                    while let Some(cause) = source {
                        write!(f, "\n  caused by: {cause}")?;
                        source = cause.source();
                    }
                }
                Ok(())
            }
        }
    )+};
}

pub(crate) use readable_debug;

#[cfg(test)]
mod tests {
    use crate::{BuildError, Receiver, StoreError};

    use crate::signing::SecretError;

    #[test]
    fn a_bad_secret_prints_its_message_through_box_dyn_error() {
        let err = Receiver::builder()
            .secret("whsec_abcde") // 5 base64 characters: no signer accepts it
            .build()
            .unwrap_err();
        // What `fn main() -> Result<(), Box<dyn Error>>` prints after `Error: `.
        let boxed: Box<dyn std::error::Error> = Box::new(err);
        let shown = format!("{boxed:?}");
        assert!(shown.starts_with("invalid webhook secret: "), "{shown}");
        assert!(shown.contains("not valid base64"), "{shown}");
        assert!(!shown.contains("NotBase64"), "{shown}");
    }

    #[test]
    fn expect_shows_the_message() {
        let shown = format!("{:?}", SecretError::Empty);
        assert!(shown.starts_with("the webhook secret is empty"), "{shown}");
        let shown = format!("{:?}", BuildError::NoKeys);
        assert!(shown.contains("needs at least one secret"), "{shown}");
    }

    #[test]
    fn alternate_debug_lists_the_causes() {
        let err = StoreError::Backend(Box::new(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "connection refused",
        )));
        let plain = format!("{err:?}");
        assert_eq!(plain, "the store backend failed: connection refused");
        let alt = format!("{err:#?}");
        assert!(alt.contains("caused by: connection refused"), "{alt}");
    }
}
