//! The smallest actix-web receiver: one protected route, in-memory dedupe.
//!
//! ```sh
//! WEBHOOK_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw \
//!   cargo run -p hookgate-actix --example actix_minimal
//! ```

use actix_web::{web, App, HttpResponse, HttpServer};
use hookgate_actix::{JobEvent, Receiver, Webhook, WebhookMiddleware};

/// Runs only for an authenticated, fresh delivery.
async fn on_job(event: Webhook<JobEvent>) -> HttpResponse {
    println!("job {} is {}", event.job_id, event.status);
    HttpResponse::Ok().finish() // 2xx: marked done; anything else: released
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Built once, outside the worker factory: every worker shares its store.
    let receiver = Receiver::builder()
        .secret_from_env("WEBHOOK_SECRET") // unset or malformed: build() says why
        .build()?;
    HttpServer::new(move || {
        App::new().service(
            web::resource("/webhook/reducto")
                .wrap(WebhookMiddleware::new(receiver.clone()))
                .route(web::post().to(on_job)),
        )
    })
    .bind(("127.0.0.1", 5000))?
    .run()
    .await?;
    Ok(())
}
