//! The Rocket example receiver. It keeps `docs/contract.md`: the same
//! environment, routes and answers as `axum-receiver` and `actix-receiver`.
//!
//! ```sh
//! WEBHOOK_SECRET=whsec_… cargo run --release -p hookgate-examples --bin rocket-receiver
//! ```

use std::net::SocketAddr;

use hookgate_examples::{queue, EventLog, Metrics, RecordedEvent};
use hookgate_rocket::{
    queue_route, start_workers, with_deadline, AnswerResponder, JobEvent, Receiver, Webhook,
    WebhookFairing,
};
use rocket::config::LogLevel;
use rocket::fairing::AdHoc;
use rocket::http::{ContentType, Status};
use rocket::response::content::RawJson;
use rocket::{get, post, routes, State};

/// `POST /webhook/reducto`: reached only by admitted deliveries.
#[post("/webhook/reducto", data = "<hook>")]
fn on_job(hook: Webhook<JobEvent>, events: &State<EventLog>) -> RawJson<&'static str> {
    let (event, delivery) = hook.into_parts();
    // The message id comes with the `hookgate.delivery` span around it.
    tracing::info!(job = %event.job_id, status = %event.status, "job event");
    events.push(RecordedEvent::new(&delivery, event));
    RawJson(r#"{"received":true}"#)
}

/// `GET /events`: the most recent events, oldest first.
#[get("/events")]
fn list_events(events: &State<EventLog>) -> RawJson<Vec<u8>> {
    RawJson(events.to_json())
}

/// `POST /jobs/<job_id>`: registers a job id as known (direct mode).
#[post("/jobs/<job_id>")]
async fn register_job(
    job_id: &str,
    receiver: &State<Receiver>,
) -> Result<(Status, RawJson<&'static str>), AnswerResponder> {
    match receiver.register_job(job_id).await {
        Ok(()) => Ok((Status::Created, RawJson(r#"{"registered":true}"#))),
        Err(source) => Err(AnswerResponder(
            receiver.store_unavailable(source).to_answer(),
        )),
    }
}

/// `GET /metrics`: the Prometheus text format.
#[get("/metrics")]
fn metrics(metrics: &State<Metrics>) -> (ContentType, String) {
    let prometheus =
        ContentType::new("text", "plain").with_params([("version", "0.0.4"), ("charset", "utf-8")]);
    (prometheus, metrics.render())
}

/// An operations route's reply.
fn reply(reply: queue::Reply) -> Result<(Status, RawJson<Vec<u8>>), AnswerResponder> {
    match reply {
        Ok((status, body)) => Ok((Status::new(status), RawJson(body))),
        Err(answer) => Err(AnswerResponder(answer)),
    }
}

/// `GET /queue`: queue statistics.
#[get("/queue")]
async fn queue_stats(
    receiver: &State<Receiver>,
) -> Result<(Status, RawJson<Vec<u8>>), AnswerResponder> {
    reply(queue::stats(receiver).await)
}

/// `GET /dead`: dead letters.
#[get("/dead")]
async fn dead_letters(
    receiver: &State<Receiver>,
) -> Result<(Status, RawJson<Vec<u8>>), AnswerResponder> {
    reply(queue::dead(receiver).await)
}

/// `POST /dead/requeue`: requeues every dead letter.
#[post("/dead/requeue")]
async fn requeue_dead(
    receiver: &State<Receiver>,
) -> Result<(Status, RawJson<Vec<u8>>), AnswerResponder> {
    reply(queue::requeue(receiver).await)
}

/// `GET /healthz`.
#[get("/healthz")]
fn healthz() -> Status {
    Status::Ok
}

#[rocket::main]
async fn main() {
    let metrics = Metrics::install();
    let (config, receiver) = hookgate_examples::start().await;

    let rocket_config = rocket::Config {
        address: config.bind.ip(),
        port: config.bind.port(),
        // No `limits.webhook`: the guard then reads bodies up to the
        // receiver's max_body_bytes (MAX_BODY_BYTES).
        // hookgate decides about X-Forwarded-For (TRUSTED_PROXIES); Rocket's
        // own client-IP header is not used.
        ip_header: None,
        // Rocket's banner and request log stay quiet: stdout carries only the
        // `listening on` line, and logs go through `tracing` (RUST_LOG).
        log_level: LogLevel::Off,
        cli_colors: false,
        ..rocket::Config::release_default()
    };
    let events = EventLog::new(config.events_limit);
    let queue_mode = receiver.queue_mode();
    let worker_receiver = receiver.clone();
    let worker_events = events.clone();
    let rocket = rocket::custom(rocket_config)
        .attach(WebhookFairing::new(receiver.clone()))
        .attach(AdHoc::on_liftoff("listening", |rocket| {
            Box::pin(async move {
                let config = rocket.config();
                hookgate_examples::listening(SocketAddr::new(config.address, config.port));
            })
        }))
        .manage(events.clone())
        .manage(metrics)
        .mount(
            "/",
            routes![
                list_events,
                register_job,
                healthz,
                metrics,
                queue_stats,
                dead_letters,
                requeue_dead
            ],
        );
    // Queue mode: the ready route answers 202 once queued; the workers run the
    // handler. Otherwise `with_deadline`: a route past the receiver's handler
    // deadline is cancelled and answered 503, as in the other adapters.
    let rocket = if queue_mode {
        rocket.mount("/webhook/reducto", queue_route())
    } else {
        rocket.mount("/", with_deadline(routes![on_job]))
    };

    // Igniting installs Rocket's logger (off); tracing is set up after it so
    // Rocket's own records do not flow into the `tracing` output.
    let rocket = match rocket.ignite().await {
        Ok(rocket) => rocket,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(2);
        }
    };
    hookgate_examples::init_tracing();
    // Started once `tracing` is set up: what the workers log at start (the
    // durability warning) goes to stderr, never through Rocket's logger to
    // stdout, where the `listening on` line must come first.
    let workers = if queue_mode {
        match start_workers(&worker_receiver, queue::handler(worker_events)) {
            Ok(w) => Some(w),
            Err(e) => {
                eprintln!("error: cannot start the queue workers: {e}");
                std::process::exit(1);
            }
        }
    } else {
        None
    };
    let launched = rocket.launch().await;
    if let Some(workers) = workers {
        workers.shutdown(std::time::Duration::from_secs(10)).await;
    }
    if let Err(error) = launched {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}
