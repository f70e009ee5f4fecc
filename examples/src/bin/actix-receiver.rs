//! The actix-web example receiver. It keeps `docs/contract.md`: the same
//! environment, routes and answers as `axum-receiver` and `rocket-receiver`.
//!
//! ```sh
//! WEBHOOK_SECRET=whsec_… cargo run --release -p hookgate-examples --bin actix-receiver
//! ```

use actix_web::{web, App, HttpResponse, HttpServer};
use hookgate_actix::{answer_response, JobEvent, Receiver, Webhook, WebhookMiddleware};
use hookgate_examples::{EventLog, RecordedEvent};

/// `POST /webhook/reducto`: reached only by admitted deliveries.
async fn on_job(hook: Webhook<JobEvent>, events: web::Data<EventLog>) -> HttpResponse {
    let (event, delivery) = hook.into_parts();
    tracing::info!(job = %event.job_id, status = %event.status, id = ?delivery.message_id(), "job event");
    events.push(RecordedEvent::new(&delivery, event));
    HttpResponse::Ok().json(serde_json::json!({ "received": true }))
}

/// `GET /events`: the most recent events, oldest first.
async fn list_events(events: web::Data<EventLog>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(hookgate::JSON_CONTENT_TYPE)
        .body(events.to_json())
}

/// `POST /jobs/{job_id}`: registers a job id as known (direct mode).
async fn register_job(job_id: web::Path<String>, receiver: web::Data<Receiver>) -> HttpResponse {
    match receiver.register_job(&job_id).await {
        Ok(()) => HttpResponse::Created().json(serde_json::json!({ "registered": true })),
        Err(source) => answer_response(&receiver.store_unavailable(source)),
    }
}

/// `GET /healthz`.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    hookgate_examples::init_tracing();
    let (config, receiver) = hookgate_examples::start().await;
    let events = web::Data::new(EventLog::new(config.events_limit));
    let shared_receiver = web::Data::new(receiver.clone());

    let server = HttpServer::new(move || {
        App::new()
            .app_data(events.clone())
            .app_data(shared_receiver.clone())
            .service(
                web::resource("/webhook/reducto")
                    .wrap(WebhookMiddleware::new(receiver.clone()))
                    .route(web::post().to(on_job)),
            )
            .route("/events", web::get().to(list_events))
            .route("/jobs/{job_id}", web::post().to(register_job))
            .route("/healthz", web::get().to(healthz))
    })
    .bind(config.bind)?;

    // The actual address (BIND may ask for port 0).
    match server.addrs().first() {
        Some(addr) => hookgate_examples::listening(*addr),
        None => {
            return Err(std::io::Error::other(format!(
                "bound nothing on {}",
                config.bind
            )))
        }
    }
    server.run().await
}
