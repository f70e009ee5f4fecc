//! Helpers shared by the core's integration tests.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use hookgate::{Answer, Delivery, Receiver, Secret, StoreError};

use hookgate::adapter::{Admission, HeaderList, Inbound};

use hookgate::store::{ClaimOutcome, ClaimToken, IdempotencyStore};

pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const NOW: i64 = 1_700_000_000;

pub fn signed(id: &str, ts: i64, body: &[u8]) -> HeaderList {
    let sig = Secret::parse(SECRET).unwrap().sign(id, ts, body);
    HeaderList::new()
        .with("svix-id", id)
        .with("svix-timestamp", ts.to_string())
        .with("svix-signature", sig)
}

pub async fn admit(r: &Receiver, h: &HeaderList, body: &[u8], peer: Option<&str>) -> Admission {
    r.admit(Inbound {
        headers: h,
        body: Bytes::copy_from_slice(body),
        peer: peer.map(|p| p.parse().unwrap()),
    })
    .await
}

pub fn proceed(a: Admission) -> (Delivery, hookgate::adapter::Claim) {
    match a {
        Admission::Proceed(d, c) => (d, c),
        Admission::Respond(a) => panic!("expected Proceed, got {} {}", a.status(), a.code()),
    }
}

pub fn respond(a: Admission) -> Answer {
    match a {
        Admission::Respond(a) => a.to_answer(),
        Admission::Proceed(d, _) => panic!("expected a refusal, got Proceed({d:?})"),
    }
}

pub fn code(a: &Answer) -> String {
    let v: serde_json::Value = serde_json::from_slice(a.body()).expect("JSON body");
    assert!(v["error"].is_string(), "error message missing");
    v["code"].as_str().expect("code").to_owned()
}

/// A store that always fails, or never answers, counting calls.
#[derive(Default)]
pub struct BrokenStore {
    pub hang: bool,
    pub calls: AtomicUsize,
}

impl BrokenStore {
    async fn fail<T>(&self) -> Result<T, StoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.hang {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        Err(StoreError::Backend("connection refused".into()))
    }
}

#[async_trait::async_trait]
impl IdempotencyStore for BrokenStore {
    async fn claim(&self, _: &str, _: ClaimToken, _: Duration) -> Result<ClaimOutcome, StoreError> {
        self.fail().await
    }
    async fn complete(&self, _: &str, _: ClaimToken, _: Duration) -> Result<bool, StoreError> {
        self.fail().await
    }
    async fn renew(&self, _: &str, _: ClaimToken, _: Duration) -> Result<bool, StoreError> {
        self.fail().await
    }
    async fn release(&self, _: &str, _: ClaimToken) -> Result<bool, StoreError> {
        self.fail().await
    }
}
