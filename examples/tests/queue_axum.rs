//! Queue mode (`WEBHOOK_QUEUE`) of `axum-receiver`: the contract's queue rows
//! in memory and on Redis, and the multi-process properties on Redis.

use std::path::Path;

use hookgate_conformance::{
    run_killed_mid_handler, run_queue_contract, run_two_processes_exactly_once, Store,
};

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_axum-receiver"))
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_handle_each_delivery_exactly_once() {
    let Some(store) = Store::redis_or_skip().await else {
        return;
    };
    run_two_processes_exactly_once(bin(), store, 200).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_process_s_delivery_is_finished_by_another() {
    let Some(store) = Store::redis_or_skip().await else {
        return;
    };
    run_killed_mid_handler(bin(), store).await;
}
