//! Deduplication: the store a receiver claims each delivery in before the
//! handler runs, and marks done (or releases) after.
//!
//! A key moves `absent → in flight (owner token, short TTL) → done (long TTL)`,
//! or back to absent when released. Only the owner of an in-flight claim can
//! complete, renew or release it, so a slow worker whose claim expired cannot
//! overwrite another worker's claim.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::memory_store::MemoryStore;

/// The owner of one claim: a random 128-bit value, unique across replicas.
///
/// Held as two 64-bit halves (high, low) rather than a `u128`, so a claim and
/// every future holding one stay 8-byte aligned.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClaimToken([u64; 2]);

impl ClaimToken {
    /// A fresh random token.
    pub fn random() -> Self {
        Self(rand::random())
    }

    /// A token with a chosen value (tests).
    pub const fn from_u128(v: u128) -> Self {
        Self([(v >> 64) as u64, v as u64])
    }

    /// The token's value.
    pub const fn as_u128(self) -> u128 {
        ((self.0[0] as u128) << 64) | self.0[1] as u128
    }

    /// The token as 32 lower-case hex digits.
    pub fn to_hex(self) -> String {
        self.to_string()
    }
}

impl fmt::Debug for ClaimToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClaimToken({self})")
    }
}

impl fmt::Display for ClaimToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.as_u128())
    }
}

/// What a claim found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// The key was absent; the caller now owns it, in flight.
    Fresh,
    /// The delivery was processed before (done marker present).
    Done,
    /// Another worker holds the key in flight.
    InFlight,
}

/// A store failure. Whatever the cause, the receiver answers 503 (fail closed).
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The call did not finish within the store deadline.
    #[error("the store did not answer within {after:?}")]
    Timeout {
        /// The deadline that passed.
        after: Duration,
    },
    /// The backend reported an error (connection refused, reset, …).
    #[error("the store backend failed: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// The backend answered something the store does not understand.
    #[error("the store answered unexpectedly: {0}")]
    UnexpectedReply(&'static str),
    /// The store's server could not be reached when connecting (at start-up).
    #[error("could not connect to {what} at {target}: {source}")]
    Connect {
        /// What was being connected to ("Redis", "Redis Cluster").
        what: &'static str,
        /// Where, without credentials (`redis://host:port/db`).
        target: String,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// An in-memory store is full of live in-flight claims.
    #[error("the in-memory store is full of in-flight claims")]
    Full,
}

crate::readable_debug::readable_debug!(StoreError);

/// Where claims live. Implementations must make `claim` atomic (exactly one
/// concurrent caller gets `Fresh`) and let only the token's owner `complete`,
/// `renew` or `release`.
///
/// The receiver wraps every call in its own deadline.
#[async_trait::async_trait]
pub trait IdempotencyStore: Send + Sync + 'static {
    /// Claims `key` for `token` with the in-flight TTL, if absent; otherwise
    /// says whether it is done or in flight.
    async fn claim(
        &self,
        key: &str,
        token: ClaimToken,
        in_flight_ttl: Duration,
    ) -> Result<ClaimOutcome, StoreError>;

    /// Marks `key` done with `done_ttl` if `token` still owns it. Returns
    /// whether it did.
    async fn complete(
        &self,
        key: &str,
        token: ClaimToken,
        done_ttl: Duration,
    ) -> Result<bool, StoreError>;

    /// Extends the in-flight TTL if `token` still owns `key`. Returns whether it did.
    async fn renew(
        &self,
        key: &str,
        token: ClaimToken,
        in_flight_ttl: Duration,
    ) -> Result<bool, StoreError>;

    /// Removes `key` if `token` still owns it in flight. Returns whether it did.
    async fn release(&self, key: &str, token: ClaimToken) -> Result<bool, StoreError>;

    /// The receiver's fast path: the built-in [`MemoryStore`] this store is,
    /// if it is one (`None`, the default, otherwise).
    ///
    /// A receiver calls a [`MemoryStore`] it gets this way synchronously:
    /// no boxed future, no store deadline timer (it answers at once). Every
    /// other store is called through this trait under the store deadline.
    /// [`MemoryStore`] and `Arc<S>` (for an `S` that is one) answer `Some`; a
    /// store of your own keeps the default, and must: a wrapper around a
    /// [`MemoryStore`] that changes what it does would be bypassed if it
    /// answered with the store it wraps.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use hookgate::store::{IdempotencyStore, MemoryStore};
    /// let shared = Arc::new(MemoryStore::new());
    /// assert!(Arc::new(shared).into_memory_store().is_some());
    /// ```
    fn into_memory_store(self: Arc<Self>) -> Option<Arc<MemoryStore>> {
        None
    }
}

/// The future every store method returns (the trait is an `async_trait`).
type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A shared store is the store: each call hands back the inner store's own
/// future, so an `Arc` given to
/// [`ReceiverBuilder::store`](crate::ReceiverBuilder::store) costs no second
/// boxed future per call.
impl<S: IdempotencyStore + ?Sized> IdempotencyStore for Arc<S> {
    fn claim<'s, 'k, 'f>(
        &'s self,
        key: &'k str,
        token: ClaimToken,
        ttl: Duration,
    ) -> StoreFuture<'f, ClaimOutcome>
    where
        's: 'f,
        'k: 'f,
        Self: 'f,
    {
        (**self).claim(key, token, ttl)
    }

    fn complete<'s, 'k, 'f>(
        &'s self,
        key: &'k str,
        token: ClaimToken,
        ttl: Duration,
    ) -> StoreFuture<'f, bool>
    where
        's: 'f,
        'k: 'f,
        Self: 'f,
    {
        (**self).complete(key, token, ttl)
    }

    fn renew<'s, 'k, 'f>(
        &'s self,
        key: &'k str,
        token: ClaimToken,
        ttl: Duration,
    ) -> StoreFuture<'f, bool>
    where
        's: 'f,
        'k: 'f,
        Self: 'f,
    {
        (**self).renew(key, token, ttl)
    }

    fn release<'s, 'k, 'f>(&'s self, key: &'k str, token: ClaimToken) -> StoreFuture<'f, bool>
    where
        's: 'f,
        'k: 'f,
        Self: 'f,
    {
        (**self).release(key, token)
    }

    fn into_memory_store(self: Arc<Self>) -> Option<Arc<MemoryStore>> {
        S::into_memory_store(Arc::clone(&*self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_hex_is_32_digits_of_its_value() {
        let v = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210_u128;
        let t = ClaimToken::from_u128(v);
        assert_eq!(t.as_u128(), v);
        assert_eq!(t.to_hex(), "0123456789abcdeffedcba9876543210");
        assert_eq!(ClaimToken::from_u128(1).to_hex(), format!("{:032x}", 1));
        assert_eq!(
            format!("{t:?}"),
            "ClaimToken(0123456789abcdeffedcba9876543210)"
        );
        assert_eq!(std::mem::align_of::<ClaimToken>(), 8);
    }

    #[test]
    fn random_tokens_differ() {
        assert_ne!(ClaimToken::random(), ClaimToken::random());
    }
}
