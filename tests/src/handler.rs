//! The programmable handler of the fault harness: each call counts, then does
//! what its script says (succeed, fail with 500, panic, or sleep).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hookgate::JobEvent;

/// What one call of the handler does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Answers `200 {"received":true}`.
    Succeed,
    /// Answers `500 {"error":"the handler failed","code":"handler_failed"}`.
    Fail,
    /// Panics.
    Panic,
    /// Sleeps this long, then answers like [`Behaviour::Succeed`].
    Sleep(Duration),
}

/// What the adapter's route must answer: this status, this JSON body
/// (`Content-Type: application/json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandlerReply {
    /// The status code.
    pub status: u16,
    /// The JSON body.
    pub body: &'static str,
}

/// A handler whose behaviour the test programs, shared by clones (the adapter
/// keeps one in its app state; the harness keeps another to count calls).
#[derive(Clone, Debug)]
pub struct Handler {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    calls: AtomicUsize,
    script: Mutex<VecDeque<Behaviour>>,
    then: Behaviour,
    job_ids: Mutex<Vec<String>>,
}

impl Handler {
    /// Every call behaves the same.
    pub fn always(behaviour: Behaviour) -> Self {
        Self::script([], behaviour)
    }

    /// The first calls follow `first`, in order; later calls do `then`.
    pub fn script(first: impl IntoIterator<Item = Behaviour>, then: Behaviour) -> Self {
        Self {
            inner: Arc::new(Inner {
                calls: AtomicUsize::new(0),
                script: Mutex::new(first.into_iter().collect()),
                then,
                job_ids: Mutex::new(Vec::new()),
            }),
        }
    }

    /// How many times the handler was entered.
    pub fn calls(&self) -> usize {
        self.inner.calls.load(Ordering::SeqCst)
    }

    /// The job ids of the events it was given, in call order.
    pub fn job_ids(&self) -> Vec<String> {
        self.inner
            .job_ids
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Runs one call: the adapter's route calls this with the typed event its
    /// `Webhook<JobEvent>` extractor produced, and answers the returned
    /// [`HandlerReply`]. Panics when the script says [`Behaviour::Panic`].
    pub async fn call(&self, event: &JobEvent) -> HandlerReply {
        self.inner
            .job_ids
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(event.job_id.clone());
        let behaviour = self
            .inner
            .script
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop_front()
            .unwrap_or(self.inner.then);
        self.inner.calls.fetch_add(1, Ordering::SeqCst);
        match behaviour {
            Behaviour::Succeed => HandlerReply::OK,
            Behaviour::Fail => HandlerReply::FAILED,
            Behaviour::Panic => panic!("hookgate-conformance: the handler panics on purpose"),
            Behaviour::Sleep(d) => {
                tokio::time::sleep(d).await;
                HandlerReply::OK
            }
        }
    }
}

impl HandlerReply {
    /// `200 {"received":true}`.
    pub const OK: Self = Self {
        status: 200,
        body: r#"{"received":true}"#,
    };
    /// `500 {"error":"the handler failed","code":"handler_failed"}`.
    pub const FAILED: Self = Self {
        status: 500,
        body: r#"{"error":"the handler failed","code":"handler_failed"}"#,
    };
}
