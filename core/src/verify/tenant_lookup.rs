//! One look-up per tenant at a time: deliveries for a tenant that is not
//! cached wait for the same call to the key source instead of each making
//! one (a burst after the cache entry expires, a sender's retries arriving
//! together).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::OnceCell;

/// What a look-up found, shared by every delivery that waited for it.
pub(crate) enum Looked<K> {
    /// The tenant's keys.
    Found(Arc<K>),
    /// The source does not know the tenant, or its keys verify nothing.
    Unknown,
    /// The source failed or did not answer in time (logged once, by the
    /// delivery that made the call).
    Unavailable,
}

impl<K> Clone for Looked<K> {
    fn clone(&self) -> Self {
        match self {
            Self::Found(keys) => Self::Found(Arc::clone(keys)),
            Self::Unknown => Self::Unknown,
            Self::Unavailable => Self::Unavailable,
        }
    }
}

type Flight<K> = Arc<OnceCell<Looked<K>>>;

/// The look-ups under way, by tenant.
pub(crate) struct Flights<K> {
    table: Mutex<HashMap<Arc<str>, Flight<K>>>,
}

impl<K> Flights<K> {
    pub(crate) fn new() -> Self {
        Self {
            table: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Arc<str>, Flight<K>>> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A seat on the look-up of `tenant` under way, or on a new one.
    pub(crate) fn join(self: &Arc<Self>, tenant: &Arc<str>) -> Seat<K> {
        let flight = Arc::clone(self.lock().entry(Arc::clone(tenant)).or_default());
        Seat {
            flights: Arc::clone(self),
            tenant: Arc::clone(tenant),
            flight: Some(flight),
        }
    }

    /// How many tenants have a look-up under way (or waiters on one).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }
}

/// One delivery's place on a look-up. The first to wait makes the call; if
/// it is dropped part-way (its client went away), the next waiter makes it.
/// The look-up leaves the table with its last waiter, whether they finished
/// or were dropped, so abandoned look-ups never pile up.
pub(crate) struct Seat<K> {
    flights: Arc<Flights<K>>,
    tenant: Arc<str>,
    flight: Option<Flight<K>>,
}

impl<K> Seat<K> {
    /// What the look-up found, calling `look_up` if no one else is.
    pub(crate) async fn outcome<F>(&self, look_up: impl FnOnce() -> F) -> Looked<K>
    where
        F: Future<Output = Looked<K>>,
    {
        // A seat holds its flight until it is dropped.
        match &self.flight {
            Some(flight) => flight.get_or_init(look_up).await.clone(),
            None => Looked::Unavailable,
        }
    }
}

impl<K> Drop for Seat<K> {
    fn drop(&mut self) {
        let mut table = self.flights.lock();
        // Under the lock, where every other seat is taken: the table's
        // handle and this one alone mean no one else waits.
        if let Some(flight) = self.flight.take() {
            let last = table
                .get(&self.tenant)
                .is_some_and(|f| Arc::ptr_eq(f, &flight) && Arc::strong_count(&flight) == 2);
            if last {
                table.remove(&self.tenant);
            }
            drop(flight);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn waiters_share_one_call_and_the_table_empties() {
        let flights = Arc::new(Flights::<u8>::new());
        let calls = AtomicUsize::new(0);
        let tenant: Arc<str> = "acme".into();
        let seats = [
            flights.join(&tenant),
            flights.join(&tenant),
            flights.join(&tenant),
        ];
        let (gate, opened) = tokio::sync::oneshot::channel::<()>();
        let opened = std::sync::Mutex::new(Some(opened));
        let look_up = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            let rx = opened.lock().unwrap().take().unwrap();
            rx.await.unwrap();
            Looked::Found(Arc::new(7))
        };
        gate.send(()).unwrap();
        let (a, b, c) = tokio::join!(
            seats[0].outcome(look_up),
            seats[1].outcome(look_up),
            seats[2].outcome(look_up)
        );
        for looked in [a, b, c] {
            assert!(matches!(looked, Looked::Found(k) if *k == 7));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(flights.len(), 1, "seats still held");
        drop(seats);
        assert_eq!(flights.len(), 0);
    }

    #[tokio::test]
    async fn a_dropped_caller_hands_the_call_on_and_leaves_nothing_behind() {
        let flights = Arc::new(Flights::<u8>::new());
        let tenant: Arc<str> = "acme".into();
        // The first caller is dropped while its call is under way.
        let first = flights.join(&tenant);
        let stuck = first.outcome(std::future::pending::<Looked<u8>>);
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(10), stuck)
                .await
                .is_err()
        );
        let second = flights.join(&tenant);
        drop(first);
        assert_eq!(flights.len(), 1, "the second still waits");
        let looked = second.outcome(|| async { Looked::Unknown }).await;
        assert!(matches!(looked, Looked::Unknown));
        drop(second);
        assert_eq!(flights.len(), 0);
        // Abandoned alone: removed as well.
        let lone = flights.join(&"globex".into());
        drop(lone);
        assert_eq!(flights.len(), 0);
    }
}
