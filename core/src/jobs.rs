//! Known jobs: the job ids an app submitted, so a direct-mode delivery for a job
//! it never started is refused (404). Registered at submit time with a TTL,
//! checked on delivery, forgotten once a final status has been processed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::clock::{Clock, SystemClock};
use crate::idempotency::StoreError;

/// Where known job ids live. The receiver wraps every call in its deadline.
#[async_trait::async_trait]
pub trait JobRegistry: Send + Sync + 'static {
    /// Records `job_id` as known for `ttl`.
    async fn register(&self, job_id: &str, ttl: Duration) -> Result<(), StoreError>;
    /// Whether `job_id` is known and unexpired.
    async fn is_known(&self, job_id: &str) -> Result<bool, StoreError>;
    /// Forgets `job_id`.
    async fn forget(&self, job_id: &str) -> Result<(), StoreError>;
}

/// The future every registry method returns (the trait is an `async_trait`).
type RegistryFuture<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A shared registry is the registry: each call hands back the inner one's
/// own future (no second box per call).
impl<R: JobRegistry + ?Sized> JobRegistry for std::sync::Arc<R> {
    fn register<'s, 'j, 'f>(&'s self, job_id: &'j str, ttl: Duration) -> RegistryFuture<'f, ()>
    where
        's: 'f,
        'j: 'f,
        Self: 'f,
    {
        (**self).register(job_id, ttl)
    }

    fn is_known<'s, 'j, 'f>(&'s self, job_id: &'j str) -> RegistryFuture<'f, bool>
    where
        's: 'f,
        'j: 'f,
        Self: 'f,
    {
        (**self).is_known(job_id)
    }

    fn forget<'s, 'j, 'f>(&'s self, job_id: &'j str) -> RegistryFuture<'f, ()>
    where
        's: 'f,
        'j: 'f,
        Self: 'f,
    {
        (**self).forget(job_id)
    }
}

/// In-memory [`JobRegistry`], bounded: when full, expired ids are swept, and if
/// none expired, registering fails with [`StoreError::Full`]. A full registry
/// is swept only once one of its ids can have expired, so refusing costs no
/// scan of every id.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use std::time::Duration;
/// use hookgate::store::{JobRegistry, MemoryJobRegistry};
/// let jobs = MemoryJobRegistry::new();
/// jobs.register("job_1", Duration::from_secs(60)).await.unwrap();
/// assert!(jobs.is_known("job_1").await.unwrap());
/// jobs.forget("job_1").await.unwrap();
/// assert!(!jobs.is_known("job_1").await.unwrap());
/// # });
/// ```
pub struct MemoryJobRegistry {
    jobs: Mutex<Jobs>,
    capacity: usize,
    /// Ids expire by its monotonic reading.
    clock: Arc<dyn Clock>,
}

/// Expiry times are on the clock's monotonic timeline.
#[derive(Default)]
struct Jobs {
    expiry: HashMap<String, Duration>,
    /// No id expires before this (a lower bound: lowered by every
    /// registration, recomputed by every sweep); `None` when empty or unknown.
    earliest: Option<Duration>,
}

impl Jobs {
    /// Drops the expired ids, unless none can have expired yet.
    fn sweep(&mut self, now: Duration) {
        if self.earliest.is_some_and(|t| now < t) {
            return;
        }
        self.expiry.retain(|_, expires| *expires > now);
        self.earliest = self.expiry.values().min().copied();
    }
}

/// `now + ttl`, saturating: a TTL past what the clock's timeline can hold
/// (e.g. `Duration::MAX`) means "never expires", not a panic.
fn expiry(now: Duration, ttl: Duration) -> Duration {
    now.saturating_add(ttl)
}

impl MemoryJobRegistry {
    /// Default capacity: 100 000 job ids.
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// A registry holding up to [`Self::DEFAULT_CAPACITY`] ids.
    pub fn new() -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY)
    }

    /// A registry holding up to `capacity` ids.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            jobs: Mutex::default(),
            capacity: capacity.max(1),
            clock: Arc::new(SystemClock),
        }
    }

    /// The same registry, expiring ids by `clock` (default: the
    /// [`SystemClock`]). A receiver's default registry already uses the
    /// receiver's clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Jobs> {
        self.jobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Default for MemoryJobRegistry {
    fn default() -> Self {
        Self::new()
    }
}

/// Shows the capacity only, not the up to 100 000 ids it holds.
impl std::fmt::Debug for MemoryJobRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryJobRegistry")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl JobRegistry for MemoryJobRegistry {
    async fn register(&self, job_id: &str, ttl: Duration) -> Result<(), StoreError> {
        let now = self.clock.monotonic();
        let mut jobs = self.lock();
        if jobs.expiry.len() >= self.capacity && !jobs.expiry.contains_key(job_id) {
            jobs.sweep(now);
            if jobs.expiry.len() >= self.capacity {
                return Err(StoreError::Full);
            }
        }
        let expires = expiry(now, ttl);
        jobs.expiry.insert(job_id.to_owned(), expires);
        jobs.earliest = Some(jobs.earliest.map_or(expires, |t| t.min(expires)));
        Ok(())
    }

    async fn is_known(&self, job_id: &str) -> Result<bool, StoreError> {
        let now = self.clock.monotonic();
        let mut jobs = self.lock();
        match jobs.expiry.get(job_id) {
            Some(expires) if *expires > now => Ok(true),
            Some(_) => {
                jobs.expiry.remove(job_id);
                Ok(false)
            }
            None => Ok(false),
        }
    }

    async fn forget(&self, job_id: &str) -> Result<(), StoreError> {
        self.lock().expiry.remove(job_id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;

    /// A registry of `capacity` ids on a manual clock, and the clock.
    fn clocked(capacity: usize) -> (MemoryJobRegistry, Arc<FixedClock>) {
        let clock = Arc::new(FixedClock::new(1_700_000_000));
        let r = MemoryJobRegistry::with_capacity(capacity).with_clock(clock.clone());
        (r, clock)
    }

    #[tokio::test]
    async fn a_full_registry_admits_once_any_id_expires() {
        let (r, clock) = clocked(2);
        r.register("a", Duration::from_secs(60)).await.unwrap();
        r.register("b", Duration::from_secs(60)).await.unwrap();
        // Full, nothing expired: refused, and the sweep notes that nothing
        // expires for a minute.
        assert!(matches!(
            r.register("c", Duration::from_secs(60)).await,
            Err(StoreError::Full)
        ));
        // Room again, taken by a short-lived id: that id, not the minute the
        // sweep noted, is when the next one can expire.
        r.forget("a").await.unwrap();
        r.register("d", Duration::from_millis(20)).await.unwrap();
        assert!(matches!(
            r.register("e", Duration::from_secs(60)).await,
            Err(StoreError::Full)
        ));
        clock.advance_by(Duration::from_millis(20));
        r.register("e", Duration::from_secs(60)).await.unwrap();
        assert!(r.is_known("e").await.unwrap());
        assert!(!r.is_known("d").await.unwrap());
        assert!(r.is_known("b").await.unwrap());
    }

    #[tokio::test]
    async fn debug_shows_the_capacity_not_the_ids() {
        let r = MemoryJobRegistry::with_capacity(2);
        r.register("job_secret_name", Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(format!("{r:?}"), "MemoryJobRegistry { capacity: 2, .. }");
    }

    #[tokio::test]
    async fn expires_and_is_bounded() {
        let (r, clock) = clocked(2);
        r.register("a", Duration::from_millis(20)).await.unwrap();
        r.register("b", Duration::from_secs(60)).await.unwrap();
        assert!(matches!(
            r.register("c", Duration::from_secs(60)).await,
            Err(StoreError::Full)
        ));
        clock.advance_by(Duration::from_millis(19));
        assert!(r.is_known("a").await.unwrap(), "never early");
        clock.advance_by(Duration::from_millis(1));
        assert!(!r.is_known("a").await.unwrap());
        r.register("c", Duration::from_secs(60)).await.unwrap();
        assert!(r.is_known("c").await.unwrap());
    }
}
