//! The shared fault table against `hookgate-actix`: a real actix-web server,
//! on a thread and `System` of its own, whose guarded route runs the
//! harness's programmable handler.

use std::sync::mpsc;
use std::thread;

use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use actix_web::{web, App, HttpResponse, HttpServer};
use hookgate_actix::{JobEvent, Receiver, Webhook, WebhookMiddleware};
use hookgate_conformance::{run_faults, FaultApp, Handler, RunningApp, StartError, FAULT_PATH};

struct Actix;

async fn route(hook: Webhook<JobEvent>, handler: web::Data<Handler>) -> HttpResponse {
    let reply = handler.call(&hook.event).await;
    HttpResponse::build(
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
    )
    .content_type(hookgate::adapter::JSON_CONTENT_TYPE)
    .body(reply.body)
}

impl FaultApp for Actix {
    fn name(&self) -> &'static str {
        "actix"
    }

    fn start(&self, receiver: Receiver, handler: Handler) -> Result<RunningApp, StartError> {
        let (ready_tx, ready_rx) =
            mpsc::channel::<std::io::Result<(std::net::SocketAddr, ServerHandle)>>();
        let thread = thread::Builder::new()
            .name("faults-actix".to_owned())
            .spawn(move || {
                actix_web::rt::System::new().block_on(async move {
                    let handler = web::Data::new(handler);
                    let bound = HttpServer::new(move || {
                        App::new().app_data(handler.clone()).service(
                            web::resource(FAULT_PATH)
                                .wrap(WebhookMiddleware::new(receiver.clone()))
                                .route(web::post().to(route)),
                        )
                    })
                    .workers(1)
                    .disable_signals()
                    .bind(("127.0.0.1", 0));
                    let server = match bound {
                        Ok(server) => server,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let Some(addr) = server.addrs().first().copied() else {
                        let _ = ready_tx.send(Err(std::io::Error::other("bound no address")));
                        return;
                    };
                    let server = server.run();
                    let _ = ready_tx.send(Ok((addr, server.handle())));
                    if let Err(e) = server.await {
                        eprintln!("faults-actix: server error: {e}");
                    }
                });
            })?;
        let (addr, handle) = ready_rx
            .recv()
            .map_err(|_| "the actix server thread ended before it listened")??;
        Ok(RunningApp::new(addr, move || {
            // Sends the stop command at once; the thread ends when the server has.
            drop(handle.stop(false));
            let _ = thread.join();
        }))
    }
}

#[test]
fn faults() {
    run_faults(&Actix);
}
