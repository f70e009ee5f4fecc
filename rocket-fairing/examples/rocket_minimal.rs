//! The smallest Rocket receiver: one protected route, in-memory dedupe.
//!
//! ```sh
//! WEBHOOK_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw \
//!   cargo run -p hookgate-rocket --example rocket_minimal
//! ```

use hookgate_rocket::{JobEvent, Receiver, Webhook, WebhookFairing};
use rocket::{http::Status, launch, post, routes};

/// Runs only for an authenticated, fresh delivery.
#[post("/webhook/reducto", data = "<event>")]
async fn on_job(event: Webhook<JobEvent>) -> Status {
    println!("job {} is {}", event.job_id, event.status);
    Status::Ok // 2xx: marked done; anything else: released, the sender retries
}

#[launch]
fn rocket() -> _ {
    let receiver = Receiver::builder()
        .secret_from_env("WEBHOOK_SECRET")
        .build()
        .expect("a webhook configuration"); // the message says what is wrong
    rocket::build()
        .attach(WebhookFairing::new(receiver))
        .mount("/", routes![on_job])
}
