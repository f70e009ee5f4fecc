//! Shared helpers of the layer's in-process tests.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use hookgate::clock::FixedClock;
use hookgate::ReceiverBuilder;
use hookgate_tower::testing::{full_request, TestDelivery};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use serde_json::Value;

pub use hookgate_vectors::{SignedVector as Vector, Vectors};

/// The published vectors shipped in the repository.
pub fn vectors_file() -> Vectors {
    Vectors::published().expect("the shipped vectors parse")
}

pub fn signed_vectors() -> Vec<Vector> {
    vectors_file().signed
}

/// The first (HMAC) vector.
pub fn vector() -> Vector {
    signed_vectors().remove(0)
}

pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const NOW: i64 = 1_700_000_000;

/// A builder with [`SECRET`] and a clock fixed at [`NOW`].
pub fn builder() -> ReceiverBuilder {
    hookgate::Receiver::builder()
        .secret(SECRET)
        .clock(FixedClock::new(NOW))
}

pub fn job_body(job: &str) -> Vec<u8> {
    format!(r#"{{"status":"Completed","job_id":"{job}","metadata":{{"user":"u1"}}}}"#).into_bytes()
}

/// A `POST /webhook` signed with [`SECRET`] at [`NOW`].
pub fn signed(id: &str, body: impl Into<Bytes>) -> Request<Full<Bytes>> {
    let delivery = TestDelivery::signed(SECRET)
        .id(id)
        .at(NOW)
        .body(body)
        .build();
    full_request("/webhook", &delivery)
}

/// Status, headers and JSON body of a response.
pub async fn read<B>(res: Response<B>) -> (StatusCode, http::HeaderMap, Value)
where
    B: http_body::Body,
    B::Error: std::fmt::Debug,
{
    let (parts, body) = res.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (parts.status, parts.headers, json)
}

/// Asserts a hookgate JSON answer with this status and code.
pub async fn assert_answer<B>(res: Response<B>, status: u16, code: &str) -> http::HeaderMap
where
    B: http_body::Body,
    B::Error: std::fmt::Debug,
{
    let (s, headers, json) = read(res).await;
    assert_eq!(s.as_u16(), status, "body: {json}");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(json["code"], code, "body: {json}");
    assert!(json["error"].as_str().is_some_and(|e| !e.is_empty()));
    headers
}

/// A call counter shared with a handler.
#[derive(Clone, Default, Debug)]
pub struct Calls(Arc<AtomicUsize>);

impl Calls {
    pub fn hit(&self) -> usize {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}
