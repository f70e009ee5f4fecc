//! The bounded log of processed events behind `GET /events`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use hookgate::{Delivery, JobEvent};
use serde::Serialize;

/// One processed event as `GET /events` shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RecordedEvent {
    /// The message id (signed mode) or null (direct mode).
    pub id: Option<String>,
    /// The job id.
    pub job_id: String,
    /// The status as sent.
    pub status: String,
    /// The metadata (without the direct-mode token: hookgate removed it).
    pub metadata: hookgate::Metadata,
    /// Queue mode: which attempt succeeded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
}

impl RecordedEvent {
    /// Builds the record of one handled delivery.
    pub fn new(delivery: &Delivery, event: JobEvent) -> Self {
        Self {
            id: delivery.message_id().map(str::to_owned),
            job_id: event.job_id,
            status: event.status.as_str().to_owned(),
            metadata: event.metadata,
            attempt: None,
        }
    }

    /// Builds the record of one delivery a queue worker handled on `attempt`.
    pub fn queued(delivery: &Delivery, event: JobEvent, attempt: u32) -> Self {
        Self {
            attempt: Some(attempt),
            ..Self::new(delivery, event)
        }
    }
}

/// The most recent events, oldest first, at most `limit` of them.
#[derive(Debug, Clone)]
pub struct EventLog {
    inner: Arc<Mutex<VecDeque<RecordedEvent>>>,
    limit: usize,
}

impl EventLog {
    /// A log keeping the `limit` most recent events.
    pub fn new(limit: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(VecDeque::with_capacity(limit.min(1024)))),
            limit: limit.max(1),
        }
    }

    /// Appends an event, dropping the oldest beyond the limit.
    pub fn push(&self, event: RecordedEvent) {
        let mut log = self.lock();
        if log.len() == self.limit {
            log.pop_front();
        }
        log.push_back(event);
    }

    /// The events, oldest first.
    pub fn snapshot(&self) -> Vec<RecordedEvent> {
        self.lock().iter().cloned().collect()
    }

    /// The events as the JSON body of `GET /events`.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(&*self.lock()).unwrap_or_else(|_| b"[]".to_vec())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<RecordedEvent>> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_oldest_first() {
        let log = EventLog::new(2);
        for i in 0..5 {
            log.push(RecordedEvent {
                id: Some(format!("m{i}")),
                job_id: "j".into(),
                status: "Completed".into(),
                metadata: Default::default(),
                attempt: None,
            });
        }
        let ids: Vec<_> = log.snapshot().into_iter().map(|e| e.id.unwrap()).collect();
        assert_eq!(ids, ["m3", "m4"]);
    }
}
