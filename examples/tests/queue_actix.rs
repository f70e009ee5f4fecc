//! Queue mode (`WEBHOOK_QUEUE`) of `actix-receiver`: the contract's queue rows
//! in memory and on Redis (the multi-process properties run once, with axum).

use std::path::Path;

use hookgate_conformance::{run_queue_contract, Store};

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_actix-receiver"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_rows_in_memory() {
    run_queue_contract(bin(), Store::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_rows_on_redis() {
    // Outside CI an unreachable Redis skips with a note; under CI=true it fails.
    let Some(store) = Store::redis_or_skip().await else {
        return;
    };
    run_queue_contract(bin(), store).await;
}
