//! `hookgate queue stats|dead|requeue|forget`: operations on the Redis queue
//! of receivers in queue mode.
//!
//! Built on the core's own queue operations ([`Receiver::queue_stats`],
//! [`Receiver::dead_letters`], [`Receiver::requeue_dead`],
//! [`Receiver::forget_message`], …) on a [`RedisQueue`] named and sharded as
//! the receivers' is, so the keys are computed exactly as the receivers
//! compute them.

use std::time::{Duration, SystemTime};

use hookgate::queue::{DeadLetter, DeadLetterId, QueueConfig, QueueStats};
use hookgate::redis::{connect, connect_lazy, ConnectionManager, RedisQueue};
use hookgate::{DirectPolicy, JobEvent, Receiver};
use serde_json::json;

use crate::args::{QueueCommand, QueueTarget};
use crate::error::CliError;

/// Runs `hookgate queue …`.
pub async fn run(command: &QueueCommand, json_out: bool) -> Result<(), CliError> {
    match command {
        QueueCommand::Stats { queue } => {
            let stats = operator(queue).await?.queue_stats().await?;
            print_stats(&stats, json_out);
            Ok(())
        }
        QueueCommand::Dead { queue, limit } => {
            let dead = operator(queue).await?.dead_letters(*limit).await?;
            print_dead(&dead, json_out);
            Ok(())
        }
        QueueCommand::Requeue {
            id: Some(id),
            all: false,
            queue,
        } => {
            // A malformed id is bad usage: say so before connecting.
            let id: DeadLetterId = id
                .parse()
                .map_err(|e: hookgate::queue::QueueError| CliError::Usage(e.to_string()))?;
            let requeued = operator(queue).await?.requeue_dead(&id).await?;
            if json_out {
                println!("{}", json!({"id": id.to_string(), "requeued": requeued}));
            } else if requeued {
                println!("requeued {id}");
            }
            if requeued {
                Ok(())
            } else {
                Err(CliError::Negative(format!(
                    "{id} is not a dead letter (any more): requeued already, or not in this queue (check --queue-name and --shards)"
                )))
            }
        }
        QueueCommand::Requeue { queue, .. } => {
            let n = operator(queue).await?.requeue_all_dead().await?;
            if json_out {
                println!("{}", json!({ "requeued": n }));
            } else {
                println!("requeued {n} dead letter{}", plural(n));
            }
            Ok(())
        }
        QueueCommand::Forget { id, key, queue } => {
            let receiver = operator(queue).await?;
            let forgotten = if *key {
                receiver.forget_key(id).await?
            } else {
                receiver.forget_message(id).await?
            };
            if json_out {
                println!("{}", json!({"id": id, "forgotten": forgotten}));
            } else if forgotten {
                println!("forgot {id}: the same delivery sent again will be processed again");
            }
            if forgotten {
                Ok(())
            } else {
                Err(CliError::Negative(format!(
                    "no processed delivery {id} to forget: never processed, its done marker expired, or still queued, running or dead (see `hookgate queue dead`); check --key-prefix, --queue-name and --shards"
                )))
            }
        }
    }
}

/// A receiver in queue mode on the receivers' Redis queue, for its operations
/// only.
async fn operator(target: &QueueTarget) -> Result<Receiver, CliError> {
    if !(target.timeout > 0.0 && target.timeout.is_finite()) {
        return Err(CliError::Usage(
            "--timeout must be a positive number of seconds".into(),
        ));
    }
    let timeout = Duration::from_secs_f64(target.timeout);
    // Bad usage (exit 2) shows before Redis is tried: a malformed URL (the
    // message does not repeat it: it may hold a password), a queue name with
    // `{`, zero shards, a prefix with `{`.
    let lazy = connect_lazy(&target.redis).map_err(|e| CliError::Usage(format!("--redis: {e}")))?;
    operator_on(lazy, target, timeout)?;
    // An unreachable Redis is a failure (exit 1).
    let conn = match tokio::time::timeout(timeout, connect(&target.redis)).await {
        Ok(conn) => conn?,
        Err(_) => return Err(hookgate::StoreError::Timeout { after: timeout }.into()),
    };
    operator_on(conn, target, timeout)
}

/// The operations' receiver on `conn`. It never admits a delivery, so its own
/// authentication is moot (direct mode, nothing checked); the key prefix and
/// the queue's name and shards are what matter.
fn operator_on(
    conn: ConnectionManager,
    target: &QueueTarget,
    timeout: Duration,
) -> Result<Receiver, CliError> {
    let queue = RedisQueue::new(conn)
        .named(target.queue_name.clone())
        .shards(target.shards);
    Receiver::builder()
        .direct(DirectPolicy::new().accept_unauthenticated(true))
        .key_prefix(target.key_prefix.clone())
        .store_deadline(timeout)
        .queue(QueueConfig::new(queue))
        .build()
        .map_err(|e| CliError::Usage(e.to_string()))
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `1.5 s`, `3 min 20 s`, `2 h 5 min`.
fn age(ms: u64) -> String {
    let secs = ms / 1000;
    if secs < 60 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else if secs < 3600 {
        format!("{} min {} s", secs / 60, secs % 60)
    } else {
        format!("{} h {} min", secs / 3600, secs % 3600 / 60)
    }
}

fn print_stats(stats: &QueueStats, json_out: bool) {
    if json_out {
        println!("{}", json!(stats));
        return;
    }
    println!("ready      {}", stats.ready);
    println!("scheduled  {}", stats.scheduled);
    println!("running    {}", stats.running);
    println!("dead       {}", stats.dead);
    match stats.oldest_age_ms {
        Some(ms) => println!("oldest     {}", age(ms)),
        None => println!("oldest     -"),
    }
}

/// What `queue dead` shows of one dead letter.
struct Shown<'a> {
    dead: &'a DeadLetter,
    job_id: Option<String>,
    status: Option<String>,
    received_ago_ms: u64,
}

impl<'a> Shown<'a> {
    fn of(dead: &'a DeadLetter) -> Self {
        let delivery = dead.entry.delivery();
        // Direct mode carries the job id and status; signed mode in the body.
        let event = delivery.event::<JobEvent>().ok();
        let job_id = delivery
            .job_id()
            .map(str::to_owned)
            .or_else(|| event.as_ref().map(|e| e.job_id.clone()));
        let status = delivery
            .status()
            .map(str::to_owned)
            .or_else(|| event.as_ref().map(|e| e.status.as_str().to_owned()));
        let received_ago_ms = SystemTime::now()
            .duration_since(dead.entry.received_at())
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        Self {
            dead,
            job_id,
            status,
            received_ago_ms,
        }
    }

    fn json(&self) -> serde_json::Value {
        let entry = &self.dead.entry;
        let received_at_ms = entry
            .received_at()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        json!({
            "dead_id": self.dead.id.to_string(),
            "key": entry.key(),
            "message_id": entry.delivery().message_id(),
            "job_id": self.job_id,
            "status": self.status,
            "attempts": entry.attempts(),
            "last_error": entry.last_error(),
            "received_at_ms": received_at_ms,
        })
    }
}

fn print_dead(dead: &[DeadLetter], json_out: bool) {
    let shown: Vec<Shown<'_>> = dead.iter().map(Shown::of).collect();
    if json_out {
        let items: Vec<_> = shown.iter().map(Shown::json).collect();
        println!("{}", json!({ "dead_letters": items }));
        return;
    }
    println!("{} dead letter{}", shown.len(), plural(shown.len()));
    for s in &shown {
        let entry = &s.dead.entry;
        println!();
        println!("{}", s.dead.id);
        if let Some(id) = entry.delivery().message_id() {
            println!("  message   {id}");
        }
        println!("  key       {}", entry.key());
        if let Some(job) = &s.job_id {
            match &s.status {
                Some(status) => println!("  job       {job} ({status})"),
                None => println!("  job       {job}"),
            }
        }
        println!("  attempts  {}", entry.attempts());
        println!("  received  {} ago", age(s.received_ago_ms));
        println!("  error     {}", entry.last_error().unwrap_or("-"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_a_person_would_say_them() {
        assert_eq!(age(1_500), "1.5 s");
        assert_eq!(age(200_000), "3 min 20 s");
        assert_eq!(age(7_500_000), "2 h 5 min");
    }
}
