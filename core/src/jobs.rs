//! Known jobs: the job ids an app submitted, so a direct-mode delivery for a job
//! it never started is refused (404). Registered at submit time with a TTL,
//! checked on delivery, forgotten once a final status has been processed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

#[async_trait::async_trait]
impl<R: JobRegistry + ?Sized> JobRegistry for std::sync::Arc<R> {
    async fn register(&self, job_id: &str, ttl: Duration) -> Result<(), StoreError> {
        (**self).register(job_id, ttl).await
    }
    async fn is_known(&self, job_id: &str) -> Result<bool, StoreError> {
        (**self).is_known(job_id).await
    }
    async fn forget(&self, job_id: &str) -> Result<(), StoreError> {
        (**self).forget(job_id).await
    }
}

/// In-memory [`JobRegistry`], bounded: when full, expired ids are swept, and if
/// none expired, registering fails with [`StoreError::Full`].
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use std::time::Duration;
/// use hookgate::{JobRegistry, MemoryJobRegistry};
/// let jobs = MemoryJobRegistry::new();
/// jobs.register("job_1", Duration::from_secs(60)).await.unwrap();
/// assert!(jobs.is_known("job_1").await.unwrap());
/// jobs.forget("job_1").await.unwrap();
/// assert!(!jobs.is_known("job_1").await.unwrap());
/// # });
/// ```
pub struct MemoryJobRegistry {
    jobs: Mutex<HashMap<String, Instant>>,
    capacity: usize,
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
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
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
        let now = Instant::now();
        let mut jobs = self.lock();
        if jobs.len() >= self.capacity && !jobs.contains_key(job_id) {
            jobs.retain(|_, expires| *expires > now);
            if jobs.len() >= self.capacity {
                return Err(StoreError::Full);
            }
        }
        jobs.insert(job_id.to_owned(), now + ttl);
        Ok(())
    }

    async fn is_known(&self, job_id: &str) -> Result<bool, StoreError> {
        let now = Instant::now();
        let mut jobs = self.lock();
        match jobs.get(job_id) {
            Some(expires) if *expires > now => Ok(true),
            Some(_) => {
                jobs.remove(job_id);
                Ok(false)
            }
            None => Ok(false),
        }
    }

    async fn forget(&self, job_id: &str) -> Result<(), StoreError> {
        self.lock().remove(job_id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let r = MemoryJobRegistry::with_capacity(2);
        r.register("a", Duration::from_millis(20)).await.unwrap();
        r.register("b", Duration::from_secs(60)).await.unwrap();
        assert!(matches!(
            r.register("c", Duration::from_secs(60)).await,
            Err(StoreError::Full)
        ));
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert!(!r.is_known("a").await.unwrap());
        r.register("c", Duration::from_secs(60)).await.unwrap();
        assert!(r.is_known("c").await.unwrap());
    }
}
