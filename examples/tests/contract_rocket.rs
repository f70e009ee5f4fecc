//! The shared contract table (`hookgate-conformance`) against the
//! `rocket-receiver` binary, in memory and with Redis.

use std::path::Path;

use hookgate_conformance::{run_contract, Store};

const BIN: &str = env!("CARGO_BIN_EXE_rocket-receiver");

#[tokio::test(flavor = "multi_thread")]
async fn contract_in_memory() {
    run_contract(Path::new(BIN), Store::Memory).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn contract_redis() {
    // Outside CI an unreachable Redis skips with a note; under CI=true it fails.
    let Some(store) = Store::redis_or_skip().await else {
        return;
    };
    run_contract(Path::new(BIN), store).await;
}
