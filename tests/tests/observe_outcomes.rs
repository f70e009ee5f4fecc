//! Issue 16: every outcome code, driven through each adapter, moves
//! `hookgate_deliveries_total{outcome=<code>, mode}` by exactly one, and no
//! other series of it moves. Each case runs against a fresh in-process
//! recorder (`metrics-util`'s debugging recorder, installed for this thread
//! only: every runtime here is single-threaded).
//!
//! Not driven: `receiver_not_installed` (a wiring mistake answered by an
//! extractor without a receiver: no delivery is counted), and, where the
//! framework cannot produce it, `handler_error` (a Rocket route's
//! `Outcome::Error(status)` reaches the fairing as the catcher's response
//! with that status: `handler_failed`; the Rocket `fail` handler below is
//! one, returning `Status::InternalServerError`) and `body_unreadable`
//! (Rocket's local client cannot break a body mid-stream). Each adapter's list below says which
//! codes it drives; the last test checks together they cover the table.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use hookgate::observe::{DELIVERIES_TOTAL, OUTCOME_CODES};
use hookgate::queue::{MemoryQueue, QueueConfig};
use hookgate::signing::KeyRing;
use hookgate::store::{ClaimOutcome, ClaimToken, IdempotencyStore, MemoryStore};
use hookgate::testing::TestDelivery;
use hookgate::verify::{KeySource, SourceError, TenantFrom, Tenants};
use hookgate::{DirectPolicy, Receiver, StoreError};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use metrics_util::MetricKind;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER_SECRET: &str = "whsec_dGhpcyBpcyBhbm90aGVyIHNlY3JldCBrZXkh";
const TOKEN: &str = "s3cret-token";
/// The handler's deadline in every receiver here: `slow` handlers run past it.
const DEADLINE: Duration = Duration::from_secs(1);

/// Set by a `hang` handler once it runs: the driver then drops the request.
static HANGING: AtomicBool = AtomicBool::new(false);

// ---------------------------------------------------------------------------
// The store: an in-memory store with faults chosen by the message id.

/// Claims through a [`MemoryStore`], except for message ids that ask for a
/// fault: `busy` (in flight), `store_down` (unreachable), `lost` (the claim
/// expired before the done marker).
struct Scripted(MemoryStore);

#[derive(Debug, thiserror::Error)]
#[error("down on purpose")]
struct Down;

#[async_trait::async_trait]
impl IdempotencyStore for Scripted {
    async fn claim(
        &self,
        key: &str,
        token: ClaimToken,
        ttl: Duration,
    ) -> Result<ClaimOutcome, StoreError> {
        if key.contains("busy") {
            return Ok(ClaimOutcome::InFlight);
        }
        if key.contains("store_down") {
            return Err(StoreError::Backend(Box::new(Down)));
        }
        self.0.claim(key, token, ttl).await
    }
    async fn complete(
        &self,
        key: &str,
        token: ClaimToken,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        if key.contains("lost") {
            return Ok(false);
        }
        self.0.complete(key, token, ttl).await
    }
    async fn renew(&self, key: &str, token: ClaimToken, ttl: Duration) -> Result<bool, StoreError> {
        self.0.renew(key, token, ttl).await
    }
    async fn release(&self, key: &str, token: ClaimToken) -> Result<bool, StoreError> {
        self.0.release(key, token).await
    }
}

/// Per-tenant keys for [`Kind::Tenants`]: `acme` signs with [`SECRET`],
/// `down` is a tenant the source fails on, any other is unknown.
struct TenantSecrets;

#[async_trait::async_trait]
impl KeySource for TenantSecrets {
    async fn keys(&self, tenant: &str) -> Result<Option<KeyRing>, SourceError> {
        match tenant {
            "acme" => KeyRing::parse(SECRET).map(Some).map_err(SourceError::new),
            "down" => Err(SourceError::new("down on purpose")),
            _ => Ok(None),
        }
    }
}

// ---------------------------------------------------------------------------
// The cases.

/// Which receiver a case needs.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Signed,
    HeaderAuth,
    SmallBody,
    DirectToken,
    DirectKnownJobs,
    DirectSources,
    Queue,
    /// Per-tenant keys, the tenant in `x-tenant`.
    Tenants,
}

fn receiver(kind: Kind) -> Receiver {
    let signed = || {
        Receiver::builder()
            .secret(SECRET)
            .store(Scripted(MemoryStore::new()))
            .handler_deadline(DEADLINE)
    };
    let built = match kind {
        Kind::Signed => signed(),
        Kind::HeaderAuth => signed().require_header("x-api-key", "k3y"),
        Kind::SmallBody => signed().max_body_bytes(64),
        Kind::DirectToken => Receiver::builder().direct(DirectPolicy::new().token(TOKEN)),
        Kind::DirectKnownJobs => Receiver::builder().direct(DirectPolicy::new().known_jobs(true)),
        Kind::DirectSources => Receiver::builder()
            .direct(DirectPolicy::new())
            .allowed_sources("10.0.0.0/8"),
        Kind::Queue => signed().queue(QueueConfig::new(MemoryQueue::new()).allow_volatile(true)),
        Kind::Tenants => Receiver::builder()
            .verifier(Tenants::new(
                TenantSecrets,
                TenantFrom::Header("x-tenant".into()),
            ))
            .store(Scripted(MemoryStore::new()))
            .handler_deadline(DEADLINE),
    };
    built.build().expect("a valid receiver")
}

/// One request as every driver sends it: `x-behave` tells the handler what
/// to do (`ok`, `fail`, `error`, `slow`, `hang`).
#[derive(Debug, Clone)]
struct Req {
    headers: Vec<(String, String)>,
    body: Bytes,
    /// The body breaks mid-stream (`body_unreadable`).
    broken: bool,
}

impl Req {
    fn from(delivery: &TestDelivery) -> Self {
        let built = delivery.build();
        Self {
            headers: built
                .headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), v.clone()))
                .collect(),
            body: built.body,
            broken: false,
        }
    }

    fn behave(self, how: &str) -> Self {
        self.set("x-behave", how)
    }

    fn set(mut self, name: &str, value: &str) -> Self {
        self.headers.retain(|(n, _)| n != name);
        self.headers.push((name.into(), value.into()));
        self
    }

    fn without(mut self, names: &[&str]) -> Self {
        self.headers.retain(|(n, _)| !names.contains(&n.as_str()));
        self
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn signed(id: &str) -> TestDelivery {
    TestDelivery::signed(SECRET).id(id)
}

/// One case: the receiver, requests sent first (not measured), the measured
/// request, and the one series that must move.
struct Case {
    code: &'static str,
    mode: &'static str,
    kind: Kind,
    before: Vec<Req>,
    req: Req,
}

fn case(code: &'static str, kind: Kind, req: Req) -> Case {
    let mode = match kind {
        Kind::DirectToken | Kind::DirectKnownJobs | Kind::DirectSources => "direct",
        _ => "signed",
    };
    Case {
        code,
        mode,
        kind,
        before: Vec::new(),
        req,
    }
}

/// Every case; `codes` picks those an adapter drives.
fn cases(codes: &[&str]) -> Vec<Case> {
    let ok = |id: &str| Req::from(&signed(id)).behave("ok");
    let all = vec![
        case("processed", Kind::Signed, ok("msg_processed")),
        Case {
            before: vec![ok("msg_dup")],
            ..case("duplicate", Kind::Signed, ok("msg_dup"))
        },
        case("queued", Kind::Queue, ok("msg_queued")),
        case(
            "handler_failed",
            Kind::Signed,
            ok("msg_fail").behave("fail"),
        ),
        case(
            "handler_error",
            Kind::Signed,
            ok("msg_error").behave("error"),
        ),
        case(
            "handler_timeout",
            Kind::Signed,
            ok("msg_slow").behave("slow"),
        ),
        case("dropped", Kind::Signed, ok("msg_hang").behave("hang")),
        case("claim_lost", Kind::Signed, ok("msg_lost")),
        case("store_unavailable", Kind::Signed, ok("msg_store_down")),
        case("in_flight", Kind::Signed, ok("msg_busy")),
        case(
            "missing_signature",
            Kind::Signed,
            ok("msg_nosig").without(&["svix-id", "svix-timestamp", "svix-signature"]),
        ),
        case(
            "mixed_signature_headers",
            Kind::Signed,
            ok("msg_mixed").set("webhook-id", "msg_mixed"),
        ),
        case("invalid_message_id", Kind::Signed, ok("msg bad id")),
        case(
            "invalid_timestamp",
            Kind::Signed,
            ok("msg_ts").set("svix-timestamp", "yesterday"),
        ),
        case(
            "timestamp_too_old",
            Kind::Signed,
            Req::from(&signed("msg_old").at(now() - 100_000)),
        ),
        case(
            "timestamp_too_new",
            Kind::Signed,
            Req::from(&signed("msg_new").at(now() + 100_000)),
        ),
        case(
            "invalid_signature",
            Kind::Signed,
            Req::from(&TestDelivery::signed(OTHER_SECRET).id("msg_forged")),
        ),
        case("unauthorized", Kind::HeaderAuth, ok("msg_auth")),
        case(
            "payload_too_large",
            Kind::SmallBody,
            Req::from(&signed("msg_big").metadata("pad", "x".repeat(200))),
        ),
        case(
            "body_unreadable",
            Kind::Signed,
            Req {
                broken: true,
                ..ok("msg_broken")
            },
        ),
        case(
            "missing_token",
            Kind::DirectToken,
            Req::from(&TestDelivery::direct()),
        ),
        case(
            "invalid_token",
            Kind::DirectToken,
            Req::from(&TestDelivery::direct().token("wrong")),
        ),
        case(
            "malformed_payload",
            Kind::DirectToken,
            Req::from(&TestDelivery::direct().body("not json")),
        ),
        case(
            "unknown_job",
            Kind::DirectKnownJobs,
            Req::from(&TestDelivery::direct().event("job_nobody_knows", "Completed")),
        ),
        case(
            "source_not_allowed",
            Kind::DirectSources,
            Req::from(&TestDelivery::direct()),
        ),
        case(
            "unknown_tenant",
            Kind::Tenants,
            ok("msg_tenant").set("x-tenant", "initech"),
        ),
        case(
            "key_source_unavailable",
            Kind::Tenants,
            ok("msg_tenant").set("x-tenant", "down"),
        ),
    ];
    let picked: Vec<Case> = all
        .into_iter()
        .filter(|c| codes.contains(&c.code))
        .collect();
    assert_eq!(picked.len(), codes.len(), "a code without a case");
    picked
}

/// The `hookgate_deliveries_total` series with a non-zero value, by
/// `(outcome, mode)`.
fn deliveries(recorder: &DebuggingRecorder) -> BTreeMap<(String, String), u64> {
    let mut seen = BTreeMap::new();
    for (key, _, _, value) in recorder.snapshotter().snapshot().into_vec() {
        let (kind, key) = key.into_parts();
        if kind != MetricKind::Counter || key.name() != DELIVERIES_TOTAL {
            continue;
        }
        let DebugValue::Counter(n) = value else {
            continue;
        };
        let label = |name: &str| {
            key.labels()
                .find(|l| l.key() == name)
                .map(|l| l.value().to_owned())
                .unwrap_or_default()
        };
        if n > 0 {
            *seen.entry((label("outcome"), label("mode"))).or_default() += n;
        }
    }
    seen
}

/// Runs every case through `send` (which answers the status, or `None` when
/// the request was dropped on purpose), each against a fresh recorder.
async fn drive<F, Fut>(framework: &str, codes: &[&str], mut send: F)
where
    F: FnMut(Receiver, Req) -> Fut,
    Fut: std::future::Future<Output = Option<u16>>,
{
    for case in cases(codes) {
        let receiver = receiver(case.kind);
        for req in case.before.clone() {
            // Unmeasured: under a recorder of its own.
            let warmup = DebuggingRecorder::new();
            let _guard = metrics::set_default_local_recorder(&warmup);
            send(receiver.clone(), req).await;
        }
        let recorder = DebuggingRecorder::new();
        let want = BTreeMap::from([((case.code.to_owned(), case.mode.to_owned()), 1)]);
        // A snapshot takes the counts (it resets them): add them up.
        let mut moved = BTreeMap::new();
        let take = |moved: &mut BTreeMap<_, u64>| {
            for (series, n) in deliveries(&recorder) {
                *moved.entry(series).or_insert(0) += n;
            }
        };
        let status = {
            let _guard = metrics::set_default_local_recorder(&recorder);
            let status = send(receiver, case.req.clone()).await;
            // Let a dropped claim's release task run under the recorder too:
            // until the series moved (a loaded machine may take a while),
            // then a little longer, so a second move would be seen.
            let waited = std::time::Instant::now();
            take(&mut moved);
            while moved.is_empty() && waited.elapsed() < Duration::from_secs(5) {
                tokio::time::sleep(Duration::from_millis(5)).await;
                take(&mut moved);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            take(&mut moved);
            status
        };
        assert_eq!(
            moved, want,
            "{framework}: the `{}` case (answered {status:?}) moved these series",
            case.code
        );
    }
}

/// The codes every adapter drives.
const COMMON: &[&str] = &[
    "processed",
    "duplicate",
    "queued",
    "handler_failed",
    "handler_timeout",
    "dropped",
    "claim_lost",
    "store_unavailable",
    "in_flight",
    "missing_signature",
    "mixed_signature_headers",
    "invalid_message_id",
    "invalid_timestamp",
    "timestamp_too_old",
    "timestamp_too_new",
    "invalid_signature",
    "unauthorized",
    "payload_too_large",
    "missing_token",
    "invalid_token",
    "malformed_payload",
    "unknown_job",
    "source_not_allowed",
    "unknown_tenant",
    "key_source_unavailable",
];

fn with(extra: &[&'static str]) -> Vec<&'static str> {
    COMMON.iter().chain(extra).copied().collect()
}

#[test]
fn the_cases_cover_every_code_but_a_wiring_mistake() {
    let driven = with(&["handler_error", "body_unreadable"]);
    for code in OUTCOME_CODES {
        assert!(
            driven.contains(code) || *code == "receiver_not_installed",
            "no adapter drives `{code}`"
        );
    }
}

// ---------------------------------------------------------------------------
// tower (axum's layer) over a plain service, so it can also fail with an error.

mod tower_driver {
    use super::*;
    use hookgate_tower::WebhookLayer;
    use http::{Request, Response};
    use http_body_util::{BodyExt as _, Full, StreamBody};
    use tower::{Layer as _, ServiceExt as _};

    type BoxBody = http_body_util::combinators::UnsyncBoxBody<Bytes, std::io::Error>;

    async fn handler(req: Request<Full<Bytes>>) -> Result<Response<Full<Bytes>>, std::io::Error> {
        let how = req
            .headers()
            .get("x-behave")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("ok")
            .to_owned();
        let status = match how.as_str() {
            "fail" => 500,
            "error" => return Err(std::io::Error::other("the handler failed")),
            "slow" => {
                tokio::time::sleep(Duration::from_secs(10)).await;
                200
            }
            "hang" => {
                HANGING.store(true, Ordering::SeqCst);
                std::future::pending::<()>().await;
                200
            }
            _ => 200,
        };
        Ok(Response::builder()
            .status(status)
            .body(Full::new(Bytes::new()))
            .unwrap())
    }

    pub(super) async fn send(receiver: Receiver, req: Req) -> Option<u16> {
        let service = WebhookLayer::new(receiver).layer(tower::service_fn(handler));
        let mut builder = Request::post("/webhook");
        for (n, v) in &req.headers {
            builder = builder.header(n, v);
        }
        let body: BoxBody = if req.broken {
            let frames = futures_util::stream::iter([Err::<http_body::Frame<Bytes>, _>(
                std::io::Error::other("the connection broke"),
            )]);
            StreamBody::new(frames).boxed_unsync()
        } else {
            Full::new(req.body)
                .map_err(|never| match never {})
                .boxed_unsync()
        };
        let call = service.oneshot(builder.body(body).unwrap());
        run(call, |r| r.map(|res| res.status().as_u16()).unwrap_or(500)).await
    }
}

/// Awaits `call`, or drops it once a `hang` handler runs.
async fn run<F: std::future::Future>(
    call: F,
    status: impl FnOnce(F::Output) -> u16,
) -> Option<u16> {
    HANGING.store(false, Ordering::SeqCst);
    let hung = async {
        while !HANGING.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    };
    tokio::select! {
        out = call => Some(status(out)),
        () = hung => None,
    }
}

#[tokio::test]
async fn every_outcome_through_the_tower_layer_moves_its_counter_once() {
    drive(
        "tower",
        &with(&["handler_error", "body_unreadable"]),
        tower_driver::send,
    )
    .await;
}

// ---------------------------------------------------------------------------
// actix-web: the middleware over a plain service, so it can also fail with
// an error.

mod actix_driver {
    use super::*;
    use actix_web::dev::{
        fn_service, Payload, Service as _, ServiceFactory as _, ServiceRequest, ServiceResponse,
        Transform as _,
    };
    use actix_web::error::PayloadError;
    use actix_web::{test, HttpResponse};
    use futures_util::future::LocalBoxFuture;
    use hookgate_actix::WebhookMiddleware;

    fn handle(
        req: ServiceRequest,
    ) -> LocalBoxFuture<'static, Result<ServiceResponse, actix_web::Error>> {
        Box::pin(async move {
            let how = req
                .headers()
                .get("x-behave")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("ok")
                .to_owned();
            let res = match how.as_str() {
                "fail" => HttpResponse::InternalServerError().finish(),
                "error" => {
                    return Err(actix_web::error::ErrorInternalServerError(
                        "the handler failed",
                    ))
                }
                "slow" => {
                    tokio::time::sleep(Duration::from_secs(10)).await;
                    HttpResponse::Ok().finish()
                }
                "hang" => {
                    HANGING.store(true, Ordering::SeqCst);
                    std::future::pending::<()>().await;
                    HttpResponse::Ok().finish()
                }
                _ => HttpResponse::Ok().finish(),
            };
            Ok(req.into_response(res))
        })
    }

    pub(super) async fn send(receiver: Receiver, req: Req) -> Option<u16> {
        let route = fn_service(handle).new_service(()).await.unwrap();
        let service = WebhookMiddleware::new(receiver)
            .new_transform(route)
            .await
            .unwrap();
        let mut test_req = test::TestRequest::post().uri("/webhook");
        for (n, v) in &req.headers {
            test_req = test_req.insert_header((n.as_str(), v.as_str()));
        }
        let mut srv_req = test_req.set_payload(req.body.clone()).to_srv_request();
        if req.broken {
            let stream =
                futures_util::stream::iter([Err::<Bytes, _>(PayloadError::Incomplete(None))]);
            srv_req.set_payload(Payload::Stream {
                payload: Box::pin(stream),
            });
        }
        run(service.call(srv_req), |r| {
            r.map(|res| res.status().as_u16()).unwrap_or(500)
        })
        .await
    }
}

#[actix_web::test]
async fn every_outcome_through_the_actix_middleware_moves_its_counter_once() {
    drive(
        "actix",
        &with(&["handler_error", "body_unreadable"]),
        actix_driver::send,
    )
    .await;
}

// ---------------------------------------------------------------------------
// Rocket: the fairing, the guard and the deadline wrapper.

mod rocket_driver {
    use super::*;
    use hookgate_rocket::{queue_route, with_deadline, Webhook, WebhookFairing};
    use rocket::http::{Header, Status};
    use rocket::local::asynchronous::Client;
    use rocket::request::{self, FromRequest, Request};

    struct Behave(String);

    #[rocket::async_trait]
    impl<'r> FromRequest<'r> for Behave {
        type Error = ();
        async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, ()> {
            let how = req.headers().get_one("x-behave").unwrap_or("ok").to_owned();
            request::Outcome::Success(Behave(how))
        }
    }

    #[rocket::post("/webhook", data = "<_hook>")]
    async fn hook(behave: Behave, _hook: Webhook) -> Status {
        match behave.0.as_str() {
            "fail" => Status::InternalServerError,
            "slow" => {
                tokio::time::sleep(Duration::from_secs(10)).await;
                Status::Ok
            }
            "hang" => {
                HANGING.store(true, Ordering::SeqCst);
                std::future::pending::<()>().await;
                Status::Ok
            }
            _ => Status::Ok,
        }
    }

    pub(super) async fn send(receiver: Receiver, req: Req) -> Option<u16> {
        let queue = receiver.queue_mode();
        let rocket = rocket::custom(rocket::Config::figment().merge(("log_level", "off")))
            .attach(WebhookFairing::new(receiver));
        let rocket = if queue {
            rocket.mount("/webhook", queue_route())
        } else {
            rocket.mount("/", with_deadline(rocket::routes![hook]))
        };
        let client = Client::untracked(rocket).await.unwrap();
        let mut local = client.post("/webhook").body(&req.body);
        for (n, v) in req.headers {
            local = local.header(Header::new(n, v));
        }
        run(local.dispatch(), |res| res.status().code).await
    }
}

#[tokio::test]
async fn every_outcome_through_the_rocket_fairing_moves_its_counter_once() {
    drive("rocket", COMMON, rocket_driver::send).await;
}
