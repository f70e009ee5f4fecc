//! Two replicas share one Redis: a delivery handled by one is a duplicate for
//! the other. Needs Redis 7 at `REDIS_URL` (default `redis://127.0.0.1:6379/`).
//!
//! ```sh
//! cargo run -p hookgate --features redis --example redis_two_replicas
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

use hookgate::redis::{connect, RedisStore};
use hookgate::{Receiver, Secret};

use hookgate::adapter::{Admission, HeaderList, Inbound};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
    // One delivery, as the sender signs it (a fresh id, so every run starts anew).
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64;
    let id = format!("msg_example_{now}_{}", std::process::id());
    let body = br#"{"status":"Completed","job_id":"job_1","metadata":{}}"#;
    let signature = Secret::parse(SECRET)?.sign(&id, now, body);
    let headers = HeaderList::new()
        .with("svix-id", id.as_str())
        .with("svix-timestamp", now.to_string())
        .with("svix-signature", signature);

    // Each replica is its own process in production; here, two receivers in turn.
    for replica in 1..=2 {
        let store = RedisStore::new(connect(&url).await?);
        let receiver = Receiver::builder().secret(SECRET).store(store).build()?;
        let inbound = Inbound {
            headers: &headers,
            body: body.to_vec().into(),
            peer: None,
        };
        match receiver.admit(inbound).await {
            Admission::Proceed(_delivery, claim) => {
                println!("replica {replica}: handled {id}");
                if let Err(answer) = claim.settle(true).await {
                    println!("replica {replica}: not marked done, {}", answer.status());
                }
            }
            Admission::Respond(outcome) => {
                // 200 duplicate
                println!("replica {replica}: {} {}", outcome.status(), outcome.code());
            }
        }
    }
    Ok(())
}
