//! The axum example receiver: keeps `docs/contract.md` (environment, routes,
//! answers) with `hookgate-tower`.
//!
//! ```sh
//! WEBHOOK_SECRET=whsec_… cargo run --release -p hookgate-examples --bin axum-receiver
//! ```

use std::net::SocketAddr;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use hookgate_examples::{init_tracing, listening, queue, start, EventLog, Metrics, RecordedEvent};
use hookgate_tower::{queue_route, start_workers, JobEvent, Receiver, Webhook, WebhookLayer};
use serde_json::json;

/// What the routes share.
#[derive(Clone)]
struct AppState {
    receiver: Receiver,
    events: EventLog,
    metrics: Metrics,
}

/// `POST /webhook/reducto`: hookgate admitted the delivery; record the event.
async fn on_event(
    State(state): State<AppState>,
    webhook: Webhook<JobEvent>,
) -> Json<serde_json::Value> {
    let (event, delivery) = webhook.into_parts();
    // The message id comes with the `hookgate.delivery` span around it.
    tracing::info!(job = %event.job_id, status = %event.status, "job event");
    state.events.push(RecordedEvent::new(&delivery, event));
    Json(json!({"received": true}))
}

/// `GET /events`: the most recent events, oldest first.
async fn list_events(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.events.to_json(),
    )
        .into_response()
}

/// `POST /jobs/{job_id}`: registers a job id as known (direct mode).
async fn register_job(State(state): State<AppState>, Path(job_id): Path<String>) -> Response {
    match state.receiver.register_job(&job_id).await {
        Ok(()) => (
            StatusCode::CREATED,
            Json(json!({"registered": true, "job_id": job_id})),
        )
            .into_response(),
        Err(source) => state
            .receiver
            .store_unavailable(source)
            .to_answer()
            .into_response::<axum::body::Body>(),
    }
}

/// An operations route's reply as a response.
fn reply(reply: queue::Reply) -> Response {
    match reply {
        Ok((status, body)) => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response(),
        Err(answer) => answer.into_response::<axum::body::Body>(),
    }
}

/// `GET /queue`: queue statistics.
async fn queue_stats(State(state): State<AppState>) -> Response {
    reply(queue::stats(&state.receiver).await)
}

/// `GET /dead`: dead letters.
async fn dead_letters(State(state): State<AppState>) -> Response {
    reply(queue::dead(&state.receiver).await)
}

/// `POST /dead/requeue`: requeues every dead letter.
async fn requeue_dead(State(state): State<AppState>) -> Response {
    reply(queue::requeue(&state.receiver).await)
}

/// `GET /metrics`: the Prometheus text format.
async fn scrape(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            hookgate_examples::metrics::CONTENT_TYPE,
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// `GET /healthz`.
async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"ok": true}))
}

/// The whole app.
fn app(receiver: Receiver, events: EventLog, metrics: Metrics) -> Router {
    let state = AppState {
        receiver: receiver.clone(),
        events,
        metrics,
    };
    // Queue mode: the ready route answers 202 once queued; the workers run
    // the handler (see `main`).
    let protected = if let Ok(queue) = receiver.queue_receiver() {
        Router::new().route("/webhook/reducto", queue_route(queue))
    } else {
        Router::new()
            .route("/webhook/reducto", post(on_event))
            .layer(WebhookLayer::new(receiver))
    };
    Router::new()
        .route("/events", get(list_events))
        .route("/queue", get(queue_stats))
        .route("/dead", get(dead_letters))
        .route("/dead/requeue", post(requeue_dead))
        .route("/jobs/{job_id}", post(register_job))
        .route("/healthz", get(healthz))
        .route("/metrics", get(scrape))
        .merge(protected)
        .with_state(state)
}

/// Resolves on SIGTERM or ctrl-c.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

#[tokio::main]
async fn main() {
    init_tracing();
    let metrics = Metrics::install();
    let (config, receiver) = start().await;
    let listener = match tokio::net::TcpListener::bind(config.bind).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", config.bind);
            std::process::exit(1);
        }
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: cannot read the bound address: {e}");
            std::process::exit(1);
        }
    };
    let events = EventLog::new(config.events_limit);
    let workers = if receiver.queue_mode() {
        match start_workers(&receiver, queue::handler(events.clone())) {
            Ok(w) => Some(w),
            Err(e) => {
                eprintln!("error: cannot start the queue workers: {e}");
                std::process::exit(1);
            }
        }
    } else {
        None
    };
    let app = app(receiver, events, metrics);
    listening(addr);
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await;
    if let Some(workers) = workers {
        workers.shutdown(std::time::Duration::from_secs(10)).await;
    }
    if let Err(e) = served {
        eprintln!("error: the server failed: {e}");
        std::process::exit(1);
    }
}
