//! A duplicate is a success: before Rocket logs the data guard as failed (the
//! only way a guard can stop a route), hookgate's own line says what
//! happened — a processed delivery answered 200 without running the route.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;

/// Everything the subscriber writes, kept for the test to read.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[rocket::async_test]
async fn a_duplicate_is_logged_as_answered_not_as_a_refusal() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish(),
    )
    .unwrap();

    let client = client(signed_receiver()).await;
    let body = job_body("job_1", "Completed");
    send(signed(&client, "/hook", "msg_dup_log", &body))
        .await
        .assert_processed();
    let before = captured.0.lock().unwrap().len();
    send(signed(&client, "/hook", "msg_dup_log", &body)).await;
    let text = String::from_utf8_lossy(&captured.0.lock().unwrap()[before..]).into_owned();
    assert!(
        text.contains("hookgate: duplicate delivery answered 200 without running the route"),
        "{text}"
    );
    assert!(!text.contains("refused"), "{text}");
}
