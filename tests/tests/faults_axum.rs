//! The shared fault cases against `hookgate-tower` in an axum app.

use std::net::SocketAddr;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use hookgate_conformance::{run_faults, FaultApp, Handler, RunningApp, StartError, FAULT_PATH};
use hookgate_tower::{JobEvent, Receiver, Webhook, WebhookLayer};

/// Serves the fault app with axum + `WebhookLayer`.
struct Axum;

async fn route(State(handler): State<Handler>, webhook: Webhook<JobEvent>) -> impl IntoResponse {
    let reply = handler.call(&webhook.event).await;
    (
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        [(header::CONTENT_TYPE, "application/json")],
        reply.body,
    )
}

impl FaultApp for Axum {
    fn name(&self) -> &'static str {
        "axum"
    }

    fn start(&self, receiver: Receiver, handler: Handler) -> Result<RunningApp, StartError> {
        let app = Router::new()
            .route(FAULT_PATH, post(route))
            .layer(WebhookLayer::new(receiver))
            .with_state(handler);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        let addr = listener.local_addr()?;
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            runtime.block_on(async move {
                let served = axum::serve(
                    listener,
                    app.into_make_service_with_connect_info::<SocketAddr>(),
                )
                .with_graceful_shutdown(async {
                    let _ = stop_rx.await;
                });
                // Stop waiting for open connections shortly after the signal.
                let _ = served.await;
            });
            runtime.shutdown_timeout(std::time::Duration::from_secs(1));
        });
        Ok(RunningApp::new(addr, move || {
            let _ = stop_tx.send(());
            let _ = thread.join();
        }))
    }
}

#[test]
fn axum_passes_the_fault_cases() {
    run_faults(&Axum);
}
