//! Helpers shared by the integration tests: a sender that signs, receivers,
//! and a recording handler.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::test::TestRequest;
use hookgate_actix::testing::{request, TestDelivery};
use hookgate_actix::Receiver;

pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const PATH: &str = "/webhook/reducto";

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A Reducto job event body.
pub fn job(job_id: &str, status: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "status": status,
        "job_id": job_id,
        "metadata": {"user": "u1"},
    }))
    .unwrap()
}

/// A signed POST of `body` as message `id`, signed now.
pub fn signed(id: &str, body: &[u8]) -> TestRequest {
    signed_at(id, now(), body)
}

/// A signed POST of `body` as message `id`, signed at `ts`.
pub fn signed_at(id: &str, ts: i64, body: &[u8]) -> TestRequest {
    let delivery = TestDelivery::signed(SECRET)
        .id(id)
        .at(ts)
        .body(body.to_vec())
        .build();
    request(PATH, &delivery)
}

/// A unique message id per call, so parallel tests never share a key.
pub fn msg_id(name: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("msg_{name}_{}", N.fetch_add(1, Ordering::Relaxed))
}

/// A signed-mode receiver with the test secret.
pub fn receiver() -> Receiver {
    Receiver::builder().secret(SECRET).build().unwrap()
}

/// The JSON body of a response.
pub async fn json<B: MessageBody>(res: ServiceResponse<B>) -> serde_json::Value {
    let body = actix_web::test::read_body(res).await;
    serde_json::from_slice(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"))
}

/// An initialised test app: `PATH` guarded by `receiver`, answered by
/// `handler`, with `calls` as app data.
#[allow(unused_macros)]
macro_rules! guarded {
    ($receiver:expr, $calls:expr, $handler:expr) => {
        actix_web::test::init_service(
            actix_web::App::new()
                .app_data(actix_web::web::Data::new($calls.clone()))
                .service(
                    actix_web::web::resource($crate::common::PATH)
                        .wrap(hookgate_actix::WebhookMiddleware::new($receiver))
                        .route(actix_web::web::post().to($handler)),
                ),
        )
        .await
    };
}
#[allow(unused_imports)]
pub(crate) use guarded;

/// Counts handler calls.
#[derive(Clone, Default)]
pub struct Calls(Arc<AtomicUsize>);

impl Calls {
    pub fn hit(&self) -> usize {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}
