//! # hookgate-conformance
//!
//! One black-box conformance table for every hookgate adapter, driven over real
//! HTTP:
//!
//! * [`run_contract`] starts an example receiver binary (`axum-receiver`,
//!   `actix-receiver`, `rocket-receiver`) with an environment per case, and
//!   checks every row of `docs/contract.md` and every invariant of
//!   `docs/design.md` ([`contract_cases`] is the table). How many times the
//!   handler ran is read from `GET /events`.
//! * [`run_faults`] drives receivers built inside the tests with programmable
//!   handlers ([`Handler`]: succeed, fail, panic, sleep) through an adapter's
//!   [`FaultApp`] implementation ([`fault_cases`] is that table).
//!
//! See `docs/conformance.md` for how an adapter plugs in.

mod contract;
mod expect;
mod faults;
mod handler;
mod ids;
mod netns;
mod process;
mod queue_contract;
mod redis_server;
mod request;
mod schemes;
mod store;

pub use contract::{contract_cases, run_contract, run_contract_case, Case, Start, Step};
pub use expect::Expect;
// The fault stores are the core's own test stores (feature `testing`).
pub use faults::{
    fault_cases, run_fault, run_faults, FaultApp, FaultCase, RunningApp, StartError, FAULT_PATH,
    FAULT_SECRET,
};
pub use handler::{Behaviour, Handler, HandlerReply};
pub use hookgate::testing::{DownStore, InjectedFault, NoCompleteStore};
pub use hookgate_vectors::{SignedVector, Vectors, VectorsError};
pub use ids::{now_unix, unique_id};
pub use netns::{
    Host, Lab, LabError, Proxy, PROXY, RECEIVER_FOR_PROXY, RECEIVER_FOR_SENDER,
    RECEIVER_FOR_STRANGER, SENDER, SENDER_VIA_PROXY, STRANGER, STRANGER_VIA_PROXY,
};
pub use process::{Exit, ProcessError, ReceiverProcess, START_TIMEOUT};
pub use queue_contract::{
    queue_env, run_killed_mid_handler, run_queue_contract, run_two_processes_exactly_once,
};
pub use redis_server::{RedisServer, RedisServerError};
pub use request::{client, Reply, Req, Sign, Timestamp, Transfer, WEBHOOK_PATH};
pub use schemes::{scheme_cases, Provider, ProviderSign};
pub use store::{in_ci, ping, Store};
