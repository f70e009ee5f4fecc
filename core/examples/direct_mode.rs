//! Direct (unsigned) deliveries: the app proves authenticity itself, here with
//! a token it put in the job's metadata and the job ids it submitted.
//!
//! ```sh
//! cargo run -p hookgate --example direct_mode
//! ```

use hookgate::{DirectPolicy, JobEvent, Receiver};

use hookgate::adapter::{Admission, HeaderList, Inbound};

const TOKEN: &str = "a-long-random-value";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let receiver = Receiver::builder()
        .direct(DirectPolicy::new().token(TOKEN).known_jobs(true))
        .build()?;
    // When submitting job_1: register it and send {"webhook_secret": TOKEN} as its metadata.
    receiver.register_job("job_1").await?;

    let headers = HeaderList::new(); // nothing is signed
    for (job, token) in [("job_1", "guess"), ("job_2", TOKEN), ("job_1", TOKEN)] {
        let body = format!(
            r#"{{"status":"Completed","job_id":"{job}","metadata":{{"webhook_secret":"{token}"}}}}"#
        );
        let inbound = Inbound {
            headers: &headers,
            body: body.into(),
            peer: None,
        };
        match receiver.admit(inbound).await {
            Admission::Proceed(delivery, claim) => {
                let event: JobEvent = delivery.event()?; // the token is already removed
                println!("{job}: handled, metadata {:?}", event.metadata);
                if let Err(answer) = claim.settle(true).await {
                    println!("{job}: not marked done, answer {}", answer.status());
                }
            }
            Admission::Respond(outcome) => {
                // 401 invalid_token, 404 unknown_job
                println!("{job}: {} {}", outcome.status(), outcome.code());
            }
        }
    }
    Ok(())
}
