//! The shared fault table against `hookgate-rocket`: a real Rocket server, on a
//! thread and runtime of its own, whose guarded route runs the harness's
//! programmable handler. The route is mounted `with_deadline`, so a handler
//! past the receiver's deadline is cancelled and answered 503, as in the other
//! adapters.

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use hookgate_conformance::{run_faults, FaultApp, Handler, RunningApp, StartError, FAULT_PATH};
use hookgate_rocket::{with_deadline, JobEvent, Receiver, Webhook, WebhookFairing};
use rocket::config::{LogLevel, Shutdown as ShutdownConfig};
use rocket::fairing::AdHoc;
use rocket::http::Status;
use rocket::response::content::RawJson;
use rocket::{post, routes, Shutdown, State};

/// Serves the fault app with Rocket + `WebhookFairing`.
struct Rocket;

/// Mounted at [`FAULT_PATH`].
#[post("/", data = "<hook>")]
async fn route(
    hook: Webhook<JobEvent>,
    handler: &State<Handler>,
) -> (Status, RawJson<&'static str>) {
    let reply = handler.call(&hook.event).await;
    (Status::new(reply.status), RawJson(reply.body))
}

fn config() -> rocket::Config {
    rocket::Config {
        address: [127, 0, 0, 1].into(),
        port: 0,
        workers: 2,
        log_level: LogLevel::Off,
        cli_colors: false,
        shutdown: ShutdownConfig {
            ctrlc: false,
            #[cfg(unix)]
            signals: Default::default(),
            grace: 0,
            mercy: 0,
            ..Default::default()
        },
        ..rocket::Config::debug_default()
    }
}

impl FaultApp for Rocket {
    fn name(&self) -> &'static str {
        "rocket"
    }

    fn start(&self, receiver: Receiver, handler: Handler) -> Result<RunningApp, StartError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let (ready_tx, ready_rx) = mpsc::channel::<(SocketAddr, Shutdown)>();
        let app = rocket::custom(config())
            .attach(WebhookFairing::new(receiver))
            .attach(AdHoc::on_liftoff("ready", move |rocket| {
                Box::pin(async move {
                    let config = rocket.config();
                    let addr = SocketAddr::new(config.address, config.port);
                    let _ = ready_tx.send((addr, rocket.shutdown()));
                })
            }))
            .manage(handler)
            .mount(FAULT_PATH, with_deadline(routes![route]));
        let thread = thread::Builder::new()
            .name("faults-rocket".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    if let Err(error) = app.launch().await {
                        eprintln!("faults-rocket: {error}");
                    }
                });
                runtime.shutdown_timeout(Duration::from_secs(1));
            })?;
        let (addr, shutdown) = ready_rx
            .recv()
            .map_err(|_| "the Rocket server thread ended before it listened")?;
        Ok(RunningApp::new(addr, move || {
            shutdown.notify();
            let _ = thread.join();
        }))
    }
}

#[test]
fn faults() {
    run_faults(&Rocket);
}
