//! Shared pieces of the hookgate-rocket tests: a signed sender, a scripted
//! route guarded by `Webhook`, and a quiet rocket around it.
#![allow(dead_code)] // each test file uses a different subset

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hookgate_rocket::testing::{request, TestDelivery};
use hookgate_rocket::{with_deadline, Receiver, Webhook, WebhookFairing};
use rocket::figment::Figment;
use rocket::http::Status;
use rocket::local::asynchronous::{Client, LocalRequest, LocalResponse};
use rocket::response::content::RawJson;
use rocket::{post, routes, Build, Rocket, State};

/// The secret every signed test receiver uses.
pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// What the scripted route does on one call.
#[derive(Debug, Clone, Copy)]
pub enum Act {
    /// `200 {"received":true}`.
    Ok,
    /// This status with `{"failed":true}`.
    Fail(u16),
    /// Panics.
    Panic,
    /// Sleeps, then answers like `Ok`.
    Sleep(Duration),
    /// Sleeps, then answers like `Fail`.
    SlowFail(Duration, u16),
}

/// The scripted route's state: what it saw and what it does next.
#[derive(Debug, Default)]
pub struct Seen {
    calls: AtomicUsize,
    jobs: Mutex<Vec<String>>,
    script: Mutex<VecDeque<Act>>,
}

impl Seen {
    /// How many times the route ran.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// The job ids of the events the route was given.
    pub fn jobs(&self) -> Vec<String> {
        self.jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The next calls do these, in order (then `Ok`).
    pub fn script(&self, acts: impl IntoIterator<Item = Act>) {
        self.script
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(acts);
    }

    fn next(&self) -> Act {
        self.script
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front()
            .unwrap_or(Act::Ok)
    }

    /// Waits (at most 5 s) until the route has run `n` times.
    pub async fn wait_calls(&self, n: usize) {
        let started = Instant::now();
        while self.calls() < n {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "the route did not run {n} times"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

#[post("/hook", data = "<hook>")]
async fn hook(hook: Webhook, seen: &State<Seen>) -> (Status, RawJson<&'static str>) {
    seen.calls.fetch_add(1, Ordering::SeqCst);
    seen.jobs
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(hook.job_id.clone());
    match seen.next() {
        Act::Ok => (Status::Ok, RawJson(r#"{"received":true}"#)),
        Act::Fail(code) => (Status::new(code), RawJson(r#"{"failed":true}"#)),
        Act::Panic => panic!("the test route panics on purpose"),
        Act::Sleep(d) => {
            tokio::time::sleep(d).await;
            (Status::Ok, RawJson(r#"{"received":true}"#))
        }
        Act::SlowFail(d, code) => {
            tokio::time::sleep(d).await;
            (Status::new(code), RawJson(r#"{"failed":true}"#))
        }
    }
}

/// An event type stricter than `JobEvent`: `attempt` is required.
#[derive(Debug, serde::Deserialize)]
pub struct Strict {
    pub job_id: String,
    pub attempt: u32,
}

#[post("/strict", data = "<hook>")]
async fn strict(hook: Webhook<Strict>, seen: &State<Seen>) -> Status {
    seen.calls.fetch_add(1, Ordering::SeqCst);
    seen.jobs
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(format!("{}#{}", hook.job_id, hook.attempt));
    Status::Ok
}

/// Rocket's configuration with its own logging off.
pub fn quiet() -> Figment {
    rocket::Config::figment().merge(("log_level", "off"))
}

/// A signed-mode receiver with [`SECRET`].
pub fn signed_receiver() -> Receiver {
    Receiver::builder()
        .secret(SECRET)
        .build()
        .expect("valid receiver")
}

/// The test app: `POST /hook` and `POST /strict`, plus `POST /deadline/hook`
/// mounted `with_deadline`, on `figment`.
pub fn app_with(figment: Figment, receiver: Receiver) -> Rocket<Build> {
    rocket::custom(figment)
        .attach(WebhookFairing::new(receiver))
        .manage(Seen::default())
        .mount("/", routes![hook, strict])
        .mount("/deadline", with_deadline(routes![hook]))
}

/// A tracked client on the test app.
pub async fn client(receiver: Receiver) -> Client {
    Client::tracked(app_with(quiet(), receiver))
        .await
        .expect("the test rocket launches")
}

/// The route's state of `client`'s app.
pub fn seen(client: &Client) -> &Seen {
    client.rocket().state::<Seen>().expect("Seen is managed")
}

/// Now, in Unix seconds.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A job event body.
pub fn job_body(job_id: &str, status: &str) -> String {
    format!(r#"{{"status":"{status}","job_id":"{job_id}","metadata":{{"user":"u1"}}}}"#)
}

/// `body` posted to `path`, signed with [`SECRET`] as message `id`, now.
pub fn signed<'c>(
    client: &'c Client,
    path: &'static str,
    id: &str,
    body: &str,
) -> LocalRequest<'c> {
    signed_at(client, path, id, now(), body)
}

/// `body` posted to `path`, signed with [`SECRET`] as message `id` at `ts`.
pub fn signed_at<'c>(
    client: &'c Client,
    path: &'static str,
    id: &str,
    ts: i64,
    body: &str,
) -> LocalRequest<'c> {
    let delivery = TestDelivery::signed(SECRET)
        .id(id)
        .at(ts)
        .body(body.to_owned())
        .build();
    request(client, path, &delivery)
}

/// A response's parts: status, `Content-Type`, `Retry-After` and body.
pub struct Got {
    pub status: u16,
    pub content_type: Option<String>,
    pub retry_after: Option<String>,
    pub body: String,
}

impl Got {
    /// Reads `response`.
    pub async fn from(response: LocalResponse<'_>) -> Self {
        let status = response.status().code;
        let content_type = response
            .headers()
            .get_one("Content-Type")
            .map(str::to_owned);
        let retry_after = response.headers().get_one("Retry-After").map(str::to_owned);
        let body = response.into_string().await.unwrap_or_default();
        Self {
            status,
            content_type,
            retry_after,
            body,
        }
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("the body is not JSON ({e}): {}", self.body))
    }

    /// Asserts this is exactly `answer`: status, JSON content type,
    /// `Retry-After` and body bytes.
    pub fn assert_is(&self, answer: &hookgate_rocket::Answer) {
        assert_eq!(self.status, answer.status().as_u16(), "body: {}", self.body);
        assert_eq!(self.content_type.as_deref(), Some("application/json"));
        assert_eq!(
            self.retry_after,
            answer.retry_after().map(|s| s.to_string()),
            "Retry-After"
        );
        assert_eq!(self.body.as_bytes(), &answer.body()[..]);
    }

    /// Asserts `200 {"received":true}` from the route.
    pub fn assert_processed(&self) {
        assert_eq!(self.status, 200, "body: {}", self.body);
        assert_eq!(self.json(), serde_json::json!({"received": true}));
    }
}

/// Sends `request` and reads the response.
pub async fn send(request: LocalRequest<'_>) -> Got {
    Got::from(request.dispatch().await).await
}
