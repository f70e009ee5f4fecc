//! What a worker hands the app's handler ([`Queued`]) and what a handler is
//! ([`QueueHandler`]).

use std::fmt::Display;
use std::future::Future;
use std::time::SystemTime;

use crate::delivery::Delivery;
use crate::event::JobEvent;

/// One attempt at a queued delivery, as the handler gets it: the typed event
/// and the delivery facts exactly as a route handler gets them, plus which
/// attempt this is.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Queued<E = JobEvent> {
    /// The typed event.
    pub event: E,
    /// What hookgate established about the delivery (raw body included).
    pub delivery: Delivery,
    /// This attempt's number, from 1, over the delivery's whole life.
    pub attempt: u32,
    /// When the receiver accepted the delivery.
    pub received_at: SystemTime,
}

/// The app's handler for queued deliveries: any
/// `Fn(Queued<E>) -> impl Future<Output = Result<(), impl Display>>`.
///
/// `Ok(())` marks the delivery done; an `Err` (its `Display` is kept as the
/// last error), a panic or running past the attempt deadline retries it
/// later, until the maximum attempts make it a dead letter.
pub trait QueueHandler<E>: Send + Sync + 'static {
    /// What one attempt's error is.
    type Error: Display + Send + 'static;
    /// One attempt.
    type Future: Future<Output = Result<(), Self::Error>> + Send + 'static;

    /// Runs one attempt.
    fn call(&self, job: Queued<E>) -> Self::Future;
}

impl<E, F, Fut, Er> QueueHandler<E> for F
where
    F: Fn(Queued<E>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), Er>> + Send + 'static,
    Er: Display + Send + 'static,
{
    type Error = Er;
    type Future = Fut;

    fn call(&self, job: Queued<E>) -> Fut {
        self(job)
    }
}
