//! The floor every framework's floor route serves: the least a receiver that
//! keeps hookgate's guarantees does per delivery, written once so the three
//! frameworks' floors do exactly the same work.
//!
//! Read the signature headers, check the timestamp, HMAC the body, claim the
//! message id in the in-memory store, parse, mark it done, with hookgate's own
//! fastest parts and nothing around them. No middleware, no `Delivery`, no
//! request extension, no handler deadline, no release when the handler fails
//! or is dropped: a bound on what any adapter could reach, not a receiver to
//! copy. (It calls the store through the async trait, two boxed futures a
//! delivery that a receiver's own memory store does not pay.)

use std::time::Duration;

use hookgate::Tolerance;

use hookgate::adapter::HeaderLookup;

use hookgate::clock::{Clock, SystemClock};

use hookgate::signing::KeyRing;

use hookgate::store::{ClaimOutcome, ClaimToken, IdempotencyStore, MemoryStore};

use crate::{bench_secret, parse};

/// What a floor route holds: the key ring and the in-memory store (default size).
pub struct Floor {
    ring: KeyRing,
    store: MemoryStore,
}

/// The status a floor route answers instead of `200 {"received":true}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused(pub u16);

impl Floor {
    /// A floor verifying with the bench secret.
    pub fn new() -> Self {
        Self {
            ring: KeyRing::from(bench_secret()),
            store: MemoryStore::new(),
        }
    }

    /// The floor's work on a delivery whose body has been read: `Ok` to
    /// answer `200 {"received":true}` (processed, or a duplicate), else the
    /// status to answer.
    pub async fn serve<H: HeaderLookup + Sync>(
        &self,
        headers: &H,
        body: &[u8],
    ) -> Result<(), Refused> {
        let now = SystemClock.now_unix();
        let Ok(signed) = self.ring.verify(headers, body, now, Tolerance::default()) else {
            return Err(Refused(401));
        };
        let token = ClaimToken::random();
        match self
            .store
            .claim(signed.id, token, Duration::from_secs(30))
            .await
        {
            Ok(ClaimOutcome::Fresh) => {}
            Ok(_) => return Ok(()),
            Err(_) => return Err(Refused(503)),
        }
        let parsed = parse(body).map(drop).map_err(|_| Refused(400));
        let _ = self
            .store
            .complete(signed.id, token, Duration::from_secs(120))
            .await;
        parsed
    }
}

impl Default for Floor {
    fn default() -> Self {
        Self::new()
    }
}
