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
