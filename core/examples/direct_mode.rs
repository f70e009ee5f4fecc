//! Direct (unsigned) deliveries: the app proves authenticity itself, here with
//! a token it put in the job's metadata and the job ids it submitted.
//! Framework-free, so every answer is printed.
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

    let event = |job: &str, token: &str| {
        format!(
            r#"{{"status":"Completed","job_id":"{job}","metadata":{{"webhook_secret":"{token}"}}}}"#
        )
    };
    let no_headers = HeaderList::new();
    for body in [
        event("job_1", "guess"),
        event("job_2", TOKEN),
        event("job_1", TOKEN),
    ] {
        let inbound = Inbound {
            headers: &no_headers,
            body: body.into(),
            peer: None,
        };
        match receiver.admit(inbound).await {
            Admission::Proceed(delivery, claim) => {
                let job: JobEvent = delivery.event()?; // the token is already removed
                println!(
                    "handled {} ({}), metadata {:?}",
                    job.job_id, job.status, job.metadata
                );
                if let Err(answer) = claim.settle(true).await {
                    println!("could not mark it done: {}", answer.status());
                }
            }
            Admission::Respond(outcome) => {
                println!("{} {}", outcome.status(), outcome.code());
            }
        }
    }
    Ok(())
}
