//! The conformance table (`hookgate-conformance`) against `axum-receiver`, with
//! the in-memory store and with Redis.

use std::path::Path;

use hookgate_conformance::{run_contract, Store};

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_axum-receiver"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_receiver_keeps_the_contract_in_memory() {
    run_contract(bin(), Store::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_receiver_keeps_the_contract_with_redis() {
    // Outside CI an unreachable Redis skips with a note; under CI=true it fails.
    let Some(store) = Store::redis_or_skip().await else {
        return;
    };
    run_contract(bin(), store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_receiver_shuts_down_gracefully_on_sigterm() {
    use hookgate_conformance::{client, ReceiverProcess, Req};
    let env = vec![(
        "WEBHOOK_SECRET".to_owned(),
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned(),
    )];
    let process = ReceiverProcess::start(bin(), &env).await.unwrap();
    let reply = Req::get("/healthz")
        .send(&client(), &process.base_url())
        .await
        .unwrap();
    assert_eq!(reply.status, 200);
    let code = process
        .terminate(std::time::Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(code, Some(0), "exit code after SIGTERM");
}
