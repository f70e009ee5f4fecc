//! The actix-web example receiver. It keeps `docs/contract.md`: the same
//! environment, routes and answers as `axum-receiver` and `rocket-receiver`.
//!
//! ```sh
//! WEBHOOK_SECRET=whsec_… cargo run --release -p hookgate-examples --bin actix-receiver
//! ```

use actix_web::{web, App, HttpResponse, HttpServer};
use hookgate_actix::{
    answer_response, queue_route, start_workers, JobEvent, Receiver, Webhook, WebhookMiddleware,
};
use hookgate_examples::{queue, EventLog, Metrics, RecordedEvent};

/// `POST /webhook/reducto`: reached only by admitted deliveries.
async fn on_job(hook: Webhook<JobEvent>, events: web::Data<EventLog>) -> HttpResponse {
    let (event, delivery) = hook.into_parts();
    // The message id comes with the `hookgate.delivery` span around it.
    tracing::info!(job = %event.job_id, status = %event.status, "job event");
    events.push(RecordedEvent::new(&delivery, event));
    HttpResponse::Ok().json(serde_json::json!({ "received": true }))
}

/// `GET /events`: the most recent events, oldest first.
async fn list_events(events: web::Data<EventLog>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(hookgate::adapter::JSON_CONTENT_TYPE)
        .body(events.to_json())
}

/// `POST /jobs/{job_id}`: registers a job id as known (direct mode).
async fn register_job(job_id: web::Path<String>, receiver: web::Data<Receiver>) -> HttpResponse {
    match receiver.register_job(&job_id).await {
        Ok(()) => HttpResponse::Created().json(serde_json::json!({ "registered": true })),
        Err(source) => answer_response(&receiver.store_unavailable(source).to_answer()),
    }
}

/// An operations route's reply as a response.
fn reply(reply: queue::Reply) -> HttpResponse {
    match reply {
        Ok((status, body)) => HttpResponse::build(
            actix_web::http::StatusCode::from_u16(status)
                .unwrap_or(actix_web::http::StatusCode::OK),
        )
        .content_type(hookgate::adapter::JSON_CONTENT_TYPE)
        .body(body),
        Err(answer) => answer_response(&answer),
    }
}

/// `GET /queue`: queue statistics.
async fn queue_stats(receiver: web::Data<Receiver>) -> HttpResponse {
    reply(queue::stats(&receiver).await)
}

/// `GET /dead`: dead letters.
async fn dead_letters(receiver: web::Data<Receiver>) -> HttpResponse {
    reply(queue::dead(&receiver).await)
}

/// `POST /dead/requeue`: requeues every dead letter.
async fn requeue_dead(receiver: web::Data<Receiver>) -> HttpResponse {
    reply(queue::requeue(&receiver).await)
}

/// `GET /metrics`: the Prometheus text format.
async fn metrics(metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(hookgate_examples::metrics::CONTENT_TYPE)
        .body(metrics.render())
}

/// `GET /healthz`.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    hookgate_examples::init_tracing();
    let metrics = web::Data::new(Metrics::install());
    let (config, receiver) = hookgate_examples::start().await;
    let log = EventLog::new(config.events_limit);
    // Queue mode: the ready resource answers 202 once queued; the workers run
    // the handler.
    let workers = if receiver.queue_mode() {
        Some(start_workers(&receiver, queue::handler(log.clone())).map_err(std::io::Error::other)?)
    } else {
        None
    };
    let events = web::Data::new(log);
    let shared_receiver = web::Data::new(receiver.clone());

    let server = HttpServer::new(move || {
        let app = App::new()
            .app_data(events.clone())
            .app_data(shared_receiver.clone())
            .app_data(metrics.clone());
        let app = if let Ok(queue) = receiver.queue_receiver() {
            app.service(queue_route("/webhook/reducto", queue))
        } else {
            app.service(
                web::resource("/webhook/reducto")
                    .wrap(WebhookMiddleware::new(receiver.clone()))
                    .route(web::post().to(on_job)),
            )
        };
        app.route("/events", web::get().to(list_events))
            .route("/queue", web::get().to(queue_stats))
            .route("/dead", web::get().to(dead_letters))
            .route("/dead/requeue", web::post().to(requeue_dead))
            .route("/jobs/{job_id}", web::post().to(register_job))
            .route("/healthz", web::get().to(healthz))
            .route("/metrics", web::get().to(self::metrics))
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
    let served = server.run().await;
    if let Some(workers) = workers {
        workers.shutdown(std::time::Duration::from_secs(10)).await;
    }
    served
}
