//! THE table: black-box cases every example receiver must pass, covering every
//! row of `docs/contract.md` and every invariant of `docs/design.md`. Each
//! case starts fresh receiver process(es) with its environment, sends requests
//! over real HTTP, and checks statuses, JSON bodies, and how many times the
//! handler ran (`GET /events`).

use std::path::Path;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hookgate::signing::HeaderFamily;
use serde_json::{json, Value};

use crate::expect::Expect;
use crate::ids::unique_id;
use crate::process::ReceiverProcess;
use crate::redis_server::RedisServer;
use crate::request::{client, Reply, Req, Sign, Timestamp};
use crate::store::{in_ci, Store};
use hookgate_vectors::Vectors;

/// How a case's receiver must start.
#[derive(Debug, Clone)]
pub enum Start {
    /// It prints `listening on <addr>` and serves.
    Listens,
    /// It refuses to start: exits with `code`, and stderr mentions `stderr_has`.
    Exits {
        /// The exit code.
        code: i32,
        /// Text its stderr must contain.
        stderr_has: &'static str,
    },
}

/// One step of a case.
#[derive(Debug, Clone)]
pub enum Step {
    /// Sends `req` to replica `to` and checks the answer.
    Send {
        /// Replica index.
        to: usize,
        /// The request.
        req: Req,
        /// The expected answer.
        expect: Expect,
    },
    /// Sends `n` copies of `req` at once, spread over the replicas: exactly one
    /// is processed; each other one is `409` with `Retry-After` (in flight) or
    /// `200 {"duplicate": true}` (done).
    Concurrent {
        /// How many copies.
        n: usize,
        /// The request.
        req: Req,
    },
    /// Reads `GET /events` (replica `to`, or every replica summed when `None`):
    /// the handler ran `count` times.
    Events {
        /// Replica index, or all.
        to: Option<usize>,
        /// How many events.
        count: usize,
        /// When set, the events in order must match these (a subset of fields
        /// of each event).
        events: Option<Vec<Value>>,
        /// Strings that must not appear anywhere in the answer (secrets).
        hidden: Vec<String>,
    },
    /// Stops the case's private `redis-server` (see [`Case::private_redis`]).
    StopRedis,
}

/// One row of the table.
#[derive(Debug, Clone)]
pub struct Case {
    /// A unique name.
    pub name: String,
    /// What it pins (a row of docs/contract.md or an invariant of docs/design.md).
    pub pins: &'static str,
    /// The environment (on top of `BIND=127.0.0.1:0`, `RUST_LOG=warn` and the
    /// store's `REDIS_URL`).
    pub env: Vec<(String, String)>,
    /// How many receiver processes share the store.
    pub replicas: usize,
    /// Only meaningful with Redis (shared between processes).
    pub redis_only: bool,
    /// Runs against a private `redis-server` (started for the case on a free
    /// loopback port, `REDIS_URL` pointing at it) that [`Step::StopRedis`] stops.
    pub private_redis: bool,
    /// How the receiver must start.
    pub start: Start,
    /// What to do once started.
    pub steps: Vec<Step>,
}

/// Secrets used by the table (the first two are the published vectors').
const S1: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const S2: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const S3: &str = "whsec_dGhpcmQtc2VjcmV0LW5vdC1jb25maWd1cmVk";

pub(crate) fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

pub(crate) fn case(
    name: impl Into<String>,
    pins: &'static str,
    env: Vec<(String, String)>,
    steps: Vec<Step>,
) -> Case {
    Case {
        name: name.into(),
        pins,
        env,
        replicas: 1,
        redis_only: false,
        private_redis: false,
        start: Start::Listens,
        steps,
    }
}

pub(crate) fn exits(
    name: impl Into<String>,
    pins: &'static str,
    env: Vec<(String, String)>,
    stderr_has: &'static str,
) -> Case {
    Case {
        start: Start::Exits {
            code: 2,
            stderr_has,
        },
        ..case(name, pins, env, Vec::new())
    }
}

pub(crate) fn send(req: Req, expect: Expect) -> Step {
    Step::Send { to: 0, req, expect }
}

fn send_to(to: usize, req: Req, expect: Expect) -> Step {
    Step::Send { to, req, expect }
}

pub(crate) fn events(count: usize) -> Step {
    Step::Events {
        to: None,
        count,
        events: None,
        hidden: Vec::new(),
    }
}

pub(crate) fn events_are(list: Vec<Value>) -> Step {
    Step::Events {
        to: None,
        count: list.len(),
        events: Some(list),
        hidden: Vec::new(),
    }
}

/// A job event signed with `secret` under a fresh message id; returns the
/// request and its message id.
fn signed_event(secret: &str, family: HeaderFamily, status: &str) -> (Req, String, String) {
    let id = unique_id("msg");
    let job = unique_id("job");
    let sign = match family {
        HeaderFamily::Svix => Sign::svix(id.clone(), secret),
        HeaderFamily::StandardWebhooks => Sign::standard(id.clone(), secret),
    };
    (
        Req::job_event(&job, status, json!({"user": "u1"})).signed(sign),
        id,
        job,
    )
}

fn svix(secret: &str) -> Req {
    signed_event(secret, HeaderFamily::Svix, "Completed").0
}

fn with_sign(mut req: Req, f: impl FnOnce(&mut Sign)) -> Req {
    if let Some(s) = &mut req.sign {
        f(s);
    }
    req
}

/// A direct-mode event for a fresh job id.
fn direct_event(status: &str, metadata: Value) -> (Req, String) {
    let job = unique_id("job");
    (Req::job_event(&job, status, metadata), job)
}

fn signed_cases() -> Vec<Case> {
    let secret = env(&[("WEBHOOK_SECRET", S1)]);
    let mut cases = Vec::new();

    let (req, id, job) = signed_event(S1, HeaderFamily::Svix, "Completed");
    cases.push(case(
        "svix_valid_then_duplicate",
        "CONTRACT POST /webhook/reducto; invariants 1-3: processed once, redelivery 200 duplicate",
        secret.clone(),
        vec![
            send(req.clone(), Expect::processed()),
            send(req, Expect::duplicate().retry_after(false)),
            events_are(vec![
                json!({"id": id, "job_id": job, "status": "Completed", "metadata": {"user": "u1"}}),
            ]),
        ],
    ));

    let (req, id, job) = signed_event(S1, HeaderFamily::StandardWebhooks, "Completed");
    cases.push(case(
        "standard_webhooks_headers",
        "DESIGN: webhook-* header family",
        secret.clone(),
        vec![
            send(req.clone(), Expect::processed()),
            send(req, Expect::duplicate()),
            events_are(vec![json!({"id": id, "job_id": job})]),
        ],
    ));

    let (lower, lower_id, _) = signed_event(S1, HeaderFamily::Svix, "completed");
    let unknown_id = unique_id("msg");
    let unknown = Req::json(&json!({
        "status": "Queued", "job_id": unique_id("job"), "metadata": {}, "result": {"pages": 3}, "extra": [1, 2]
    }))
    .signed(Sign::svix(unknown_id.clone(), S1));
    cases.push(case(
        "status_as_sent_and_unknown_fields",
        "DESIGN payload: status spelling kept, unknown fields/statuses accepted; CONTRACT GET /events",
        secret.clone(),
        vec![
            send(lower, Expect::processed()),
            send(unknown, Expect::processed()),
            events_are(vec![
                json!({"id": lower_id, "status": "completed"}),
                json!({"id": unknown_id, "status": "Queued", "metadata": {}}),
            ]),
        ],
    ));

    cases.push(case(
        "signature_refusals",
        "invariant 5: 401 for missing/invalid signatures, handler not called",
        secret.clone(),
        vec![
            send(svix(S2), Expect::refused(401, "invalid_signature")),
            send(
                with_sign(svix(S1), |s| {
                    s.body_override = Some(Bytes::from_static(b"{\"other\":1}"))
                }),
                Expect::refused(401, "invalid_signature"),
            ),
            send(
                Req::job_event(&unique_id("job"), "Completed", json!({})),
                Expect::refused(401, "missing_signature"),
            ),
            send(
                with_sign(svix(S1), |s| s.omit = vec!["svix-signature"]),
                Expect::refused(401, "missing_signature"),
            ),
            send(
                with_sign(svix(S1), |s| s.omit = vec!["svix-id"]),
                Expect::refused(401, "missing_signature"),
            ),
            send(
                with_sign(svix(S1), |s| s.timestamp_override = Some("soon".into())),
                Expect::refused(401, "invalid_timestamp"),
            ),
            send(
                with_sign(svix(S1), |s| s.timestamp_override = Some("-1".into())),
                Expect::refused(401, "invalid_timestamp"),
            ),
            send(
                with_sign(svix(S1), |s| s.header_override = Some("v1,".into())),
                Expect::refused(401, "invalid_signature"),
            ),
            send(
                svix(S1).header("webhook-id", unique_id("msg")),
                Expect::refused(401, "mixed_signature_headers"),
            ),
            events(0),
        ],
    ));

    cases.push(case(
        "replay_window_default",
        "DESIGN: timestamps outside 5 minutes (both directions) are refused",
        secret.clone(),
        vec![
            send(
                with_sign(svix(S1), |s| s.timestamp = Timestamp::FromNow(-301)),
                Expect::refused(401, "timestamp_too_old"),
            ),
            send(
                with_sign(svix(S1), |s| s.timestamp = Timestamp::FromNow(301)),
                Expect::refused(401, "timestamp_too_new"),
            ),
            send(
                with_sign(svix(S1), |s| s.timestamp = Timestamp::FromNow(-240)),
                Expect::processed(),
            ),
            send(
                with_sign(svix(S1), |s| s.timestamp = Timestamp::FromNow(240)),
                Expect::processed(),
            ),
            events(2),
        ],
    ));

    cases.push(case(
        "replay_window_configured",
        "CONTRACT WEBHOOK_TOLERANCE_SECS",
        env(&[("WEBHOOK_SECRET", S1), ("WEBHOOK_TOLERANCE_SECS", "60")]),
        vec![
            send(
                with_sign(svix(S1), |s| s.timestamp = Timestamp::FromNow(-120)),
                Expect::refused(401, "timestamp_too_old"),
            ),
            send(
                with_sign(svix(S1), |s| s.timestamp = Timestamp::FromNow(120)),
                Expect::refused(401, "timestamp_too_new"),
            ),
            send(
                with_sign(svix(S1), |s| s.timestamp = Timestamp::FromNow(-30)),
                Expect::processed(),
            ),
            events(1),
        ],
    ));

    for (label, list) in [
        ("spaces", format!("{S1} {S2}")),
        ("commas", format!("{S1},{S2}")),
    ] {
        cases.push(case(
            format!("rotation_two_secrets_{label}"),
            "CONTRACT WEBHOOK_SECRET rotation: any configured secret verifies",
            vec![("WEBHOOK_SECRET".to_owned(), list)],
            vec![
                send(svix(S1), Expect::processed()),
                send(svix(S2), Expect::processed()),
                send(svix(S3), Expect::refused(401, "invalid_signature")),
                events(2),
            ],
        ));
    }

    cases.push(case(
        "rotation_several_signature_entries",
        "DESIGN: several space-separated entries, any one matching is enough",
        secret.clone(),
        vec![
            send(
                with_sign(svix(S1), |s| {
                    s.secrets = vec![S3.to_owned(), S1.to_owned()];
                }),
                Expect::processed(),
            ),
            send(
                with_sign(svix(S1), |s| {
                    s.extra_before = vec!["v2,abc".to_owned(), "garbage".to_owned()];
                }),
                Expect::processed(),
            ),
            send(
                with_sign(svix(S1), |s| s.secrets = vec![S2.to_owned(), S3.to_owned()]),
                Expect::refused(401, "invalid_signature"),
            ),
            events(2),
        ],
    ));

    let malformed = Req::raw(&b"{\"status\": \"Completed\", \"job_id\": "[..])
        .signed(Sign::svix(unique_id("msg"), S1));
    let no_job = Req::json(&json!({"status": "Completed", "metadata": {}}))
        .signed(Sign::svix(unique_id("msg"), S1));
    let wrong_type =
        Req::json(&json!({"status": "Completed", "job_id": {"nested": "s3cr3t-value"}}))
            .signed(Sign::svix(unique_id("msg"), S1));
    cases.push(case(
        "malformed_payload_signed",
        "invariant 5: 400 malformed_payload after verification; never echoes values",
        secret.clone(),
        vec![
            send(malformed.clone(), Expect::refused(400, "malformed_payload")),
            // Released, not done: the same delivery is refused the same way.
            send(malformed, Expect::refused(400, "malformed_payload")),
            send(no_job, Expect::refused(400, "malformed_payload")),
            send(wrong_type, Expect::refused(400, "malformed_payload")),
            events(0),
        ],
    ));

    cases.push(oversized(
        "oversized_signed",
        env(&[("WEBHOOK_SECRET", S1), ("MAX_BODY_BYTES", "1024")]),
        |len| {
            let padding = "x".repeat(len.saturating_sub(90));
            Req::job_event(&unique_id("job"), "Completed", json!({"pad": padding}))
                .signed(Sign::svix(unique_id("msg"), S1))
        },
    ));

    let (req, _, _) = signed_event(S1, HeaderFamily::Svix, "Completed");
    cases.push(case(
        "concurrent_duplicates",
        "invariant 3: concurrent copies: one processed, others 409 + Retry-After or duplicate",
        secret.clone(),
        vec![Step::Concurrent { n: 8, req }, events(1)],
    ));

    let mut steps = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..5 {
        let (req, id, _) = signed_event(S1, HeaderFamily::Svix, "Completed");
        steps.push(send(req, Expect::processed()));
        ids.push(id);
    }
    steps.push(events_are(
        ids[2..].iter().map(|id| json!({"id": id})).collect(),
    ));
    cases.push(case(
        "events_limit",
        "CONTRACT EVENTS_LIMIT: GET /events keeps the most recent, oldest first",
        env(&[("WEBHOOK_SECRET", S1), ("EVENTS_LIMIT", "3")]),
        steps,
    ));

    cases.push(case(
        "healthz",
        "CONTRACT GET /healthz",
        secret.clone(),
        vec![
            send(Req::get("/healthz"), Expect::status(200).any_body()),
            events(0),
        ],
    ));

    cases.push(exits(
        "missing_secret_exits_2",
        "CONTRACT WEBHOOK_SECRET required: clear error, exit code 2",
        Vec::new(),
        "WEBHOOK_SECRET",
    ));
    cases.push(exits(
        "malformed_secret_exits_2",
        "CONTRACT WEBHOOK_SECRET malformed: clear error, exit code 2",
        env(&[("WEBHOOK_SECRET", "whsec_abcde")]), // 5 base64 characters: no signer accepts it
        "secret",
    ));
    cases.push(exits(
        "direct_without_checks_exits_2",
        "DESIGN direct mode needs a check: refuse to start",
        env(&[("WEBHOOK_MODE", "direct")]),
        "direct",
    ));
    cases.push(exits(
        "invalid_cidr_exits_2",
        "CONTRACT ALLOWED_IPS malformed: exit code 2",
        env(&[("WEBHOOK_MODE", "direct"), ("ALLOWED_IPS", "10.0.0.0/99")]),
        "10.0.0.0/99",
    ));
    cases
}

/// Oversized bodies, declared and chunked, plus one that fits.
fn oversized(name: &str, env: Vec<(String, String)>, body_of_len: impl Fn(usize) -> Req) -> Case {
    let big = body_of_len(4096);
    let fits = body_of_len(1000);
    case(
        name,
        "invariant 5 / CONTRACT MAX_BODY_BYTES: 413 over the limit, declared or streamed",
        env,
        vec![
            send(big.clone(), Expect::refused(413, "payload_too_large")),
            send(big.chunked(512), Expect::refused(413, "payload_too_large")),
            send(fits.clone().chunked(100), Expect::processed()),
            events(1),
        ],
    )
}

fn vector_cases(vectors: &Vectors) -> Vec<Case> {
    let mut cases = Vec::new();
    // A huge tolerance lets the vectors' old timestamps through; their bodies
    // are not job events, so a verified vector is 400 malformed_payload (the
    // handler is not called) while a refused one is 401.
    let huge = "3000000000";
    for (i, v) in vectors.signed.iter().enumerate() {
        let req = Req::raw(v.body.clone().into_bytes()).signed(Sign {
            header_override: Some(v.signature.clone()),
            ..Sign::svix(v.id.clone(), S1).at(Timestamp::At(v.timestamp))
        });
        let std_req = Req::raw(v.body.clone().into_bytes()).signed(Sign {
            header_override: Some(v.signature.clone()),
            ..Sign::standard(v.id.clone(), S1).at(Timestamp::At(v.timestamp))
        });
        let key = vec![
            ("WEBHOOK_SECRET".to_owned(), v.verify_key.clone()),
            ("WEBHOOK_TOLERANCE_SECS".to_owned(), huge.to_owned()),
        ];
        cases.push(case(
            format!("vector_{i}_verifies"),
            "invariant 1: published vectors verify over the raw bytes",
            key.clone(),
            vec![
                send(req, Expect::refused(400, "malformed_payload")),
                send(std_req, Expect::refused(400, "malformed_payload")),
                send(
                    Req::raw(v.body.clone().into_bytes()).signed(Sign {
                        header_override: Some(v.signature.clone()),
                        ..Sign::svix(v.id.clone(), S1).at(Timestamp::At(v.timestamp + 1))
                    }),
                    Expect::refused(401, "invalid_signature"),
                ),
                events(0),
            ],
        ));
        // The default tolerance refuses the vector's (old) timestamp.
        cases.push(case(
            format!("vector_{i}_stale_with_default_tolerance"),
            "DESIGN replay window",
            vec![("WEBHOOK_SECRET".to_owned(), v.verify_key.clone())],
            vec![send(
                Req::raw(v.body.clone().into_bytes()).signed(Sign {
                    header_override: Some(v.signature.clone()),
                    ..Sign::svix(v.id.clone(), S1).at(Timestamp::At(v.timestamp))
                }),
                Expect::refused(401, "timestamp_too_old"),
            )],
        ));
    }
    let first = &vectors.signed[0];
    let with_header = |header: &str| {
        Req::raw(first.body.clone().into_bytes()).signed(Sign {
            header_override: Some(header.to_owned()),
            ..Sign::svix(first.id.clone(), &first.verify_key).at(Timestamp::At(first.timestamp))
        })
    };
    let mut steps = Vec::new();
    for h in &vectors.several_must_pass {
        steps.push(send(
            with_header(h),
            Expect::refused(400, "malformed_payload"),
        ));
    }
    for h in vectors
        .several_must_fail
        .iter()
        .chain(&vectors.rejected_signatures)
    {
        let want = if h.is_empty() {
            // An empty header value: the header is present but has no entry.
            Expect::status(401)
        } else {
            Expect::refused(401, "invalid_signature")
        };
        steps.push(send(with_header(h), want));
    }
    steps.push(events(0));
    cases.push(case(
        "vector_header_lists",
        "DESIGN: several entries (any one matching); rejected and truncated signatures",
        vec![
            ("WEBHOOK_SECRET".to_owned(), first.verify_key.clone()),
            ("WEBHOOK_TOLERANCE_SECS".to_owned(), huge.to_owned()),
        ],
        steps,
    ));
    for (i, s) in vectors.rejected_secrets.iter().enumerate() {
        cases.push(exits(
            format!("rejected_secret_{i}_exits_2"),
            "CONTRACT: a malformed or empty secret is a clear error, exit code 2",
            vec![("WEBHOOK_SECRET".to_owned(), s.clone())],
            "WEBHOOK_SECRET",
        ));
    }
    cases
}

fn direct_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let token = unique_id("tok_secret");
    let direct_token = vec![
        ("WEBHOOK_MODE".to_owned(), "direct".to_owned()),
        ("DIRECT_TOKEN".to_owned(), token.clone()),
    ];
    let (ok, job) = direct_event("Completed", json!({"webhook_secret": token, "user": "u1"}));
    cases.push(case(
        "direct_token",
        "CONTRACT DIRECT_TOKEN: ok / missing / wrong; the token never appears in GET /events",
        direct_token.clone(),
        vec![
            send(ok.clone(), Expect::processed()),
            send(ok, Expect::duplicate()),
            send(
                direct_event("Completed", json!({"user": "u1"})).0,
                Expect::refused(401, "missing_token"),
            ),
            send(
                direct_event("Completed", json!({"webhook_secret": "wrong", "user": "u1"})).0,
                Expect::refused(401, "invalid_token"),
            ),
            send(
                direct_event("Completed", json!({"webhook_secret": format!("{token}x")})).0,
                Expect::refused(401, "invalid_token"),
            ),
            Step::Events {
                to: None,
                count: 1,
                events: Some(vec![json!({"id": null, "job_id": job, "status": "Completed", "metadata": {"user": "u1"}})]),
                hidden: vec![token.clone()],
            },
        ],
    ));

    let job = unique_id("job");
    let ev = |status: &str| Req::job_event(&job, status, json!({"webhook_secret": token}));
    cases.push(case(
        "direct_dedupe_by_job_and_status",
        "DESIGN identify: direct dedupe key is job id + status (case-insensitive)",
        direct_token.clone(),
        vec![
            send(ev("Processing"), Expect::processed()),
            send(ev("Completed"), Expect::processed()),
            send(ev("completed"), Expect::duplicate()),
            events_are(vec![
                json!({"job_id": job, "status": "Processing", "metadata": {}}),
                json!({"job_id": job, "status": "Completed", "metadata": {}}),
            ]),
        ],
    ));

    cases.push(case(
        "direct_malformed",
        "invariant 5: 400 for malformed direct payloads",
        direct_token.clone(),
        vec![
            send(
                Req::raw(&b"not json"[..]),
                Expect::refused(400, "malformed_payload"),
            ),
            send(
                Req::json(&json!({"status": "Completed", "metadata": {"webhook_secret": token}})),
                Expect::refused(400, "malformed_payload"),
            ),
            send(
                Req::json(
                    &json!({"job_id": unique_id("job"), "metadata": {"webhook_secret": token}}),
                ),
                Expect::refused(400, "malformed_payload"),
            ),
            events(0),
        ],
    ));

    let mut big_env = direct_token.clone();
    big_env.push(("MAX_BODY_BYTES".to_owned(), "1024".to_owned()));
    let t = token.clone();
    cases.push(oversized("oversized_direct", big_env, move |len| {
        let padding = "x".repeat(len.saturating_sub(150));
        direct_event("Completed", json!({"webhook_secret": t, "pad": padding})).0
    }));

    let (req, _) = direct_event("Completed", json!({"webhook_secret": token}));
    cases.push(case(
        "direct_concurrent_duplicates",
        "invariant 3 in direct mode",
        direct_token.clone(),
        vec![Step::Concurrent { n: 8, req }, events(1)],
    ));

    let known = env(&[("WEBHOOK_MODE", "direct"), ("DIRECT_KNOWN_JOBS", "1")]);
    let (req, job) = direct_event("Completed", json!({}));
    cases.push(case(
        "direct_known_jobs",
        "CONTRACT DIRECT_KNOWN_JOBS + POST /jobs/{id}: unregistered 404, registered accepted",
        known.clone(),
        vec![
            send(req.clone(), Expect::refused(404, "unknown_job")),
            send(
                Req::post(&format!("/jobs/{job}")),
                Expect::status(201).any_body(),
            ),
            send(req.clone(), Expect::processed()),
            // The final status made the receiver forget the job; its retry
            // must still be a duplicate, not a 404 the sender retries forever.
            send(req, Expect::duplicate()),
            events_are(vec![json!({"id": null, "job_id": job})]),
        ],
    ));

    let direct_ips = |allowed: &str, trusted: Option<&str>| {
        let mut e = env(&[("WEBHOOK_MODE", "direct"), ("ALLOWED_IPS", allowed)]);
        if let Some(t) = trusted {
            e.push(("TRUSTED_PROXIES".to_owned(), t.to_owned()));
        }
        e
    };
    let ev = || direct_event("Completed", json!({})).0;
    cases.push(case(
        "allowed_ips_peer",
        "CONTRACT ALLOWED_IPS: the TCP peer must be in the list; X-Forwarded-For from an untrusted peer is ignored",
        direct_ips("127.0.0.1/32", None),
        vec![
            send(ev(), Expect::processed()),
            send(ev().header("x-forwarded-for", "198.51.100.7"), Expect::processed()),
            events(2),
        ],
    ));
    cases.push(case(
        "allowed_ips_refused",
        "invariant 5: 403 for a source outside ALLOWED_IPS",
        direct_ips("10.0.0.0/8, 192.0.2.0/24", None),
        vec![
            send(ev(), Expect::refused(403, "source_not_allowed")),
            send(
                ev().header("x-forwarded-for", "10.1.2.3"),
                Expect::refused(403, "source_not_allowed"),
            ),
            events(0),
        ],
    ));
    cases.push(case(
        "trusted_proxy_forwarded_for",
        "CONTRACT TRUSTED_PROXIES: X-Forwarded-For is believed only from a trusted peer",
        direct_ips("203.0.113.0/24", Some("127.0.0.1/32")),
        vec![
            send(
                ev().header("x-forwarded-for", "203.0.113.7"),
                Expect::processed(),
            ),
            send(
                ev().header("x-forwarded-for", "203.0.113.7, 198.51.100.1"),
                Expect::refused(403, "source_not_allowed"),
            ),
            send(
                ev().header("x-forwarded-for", "198.51.100.1"),
                Expect::refused(403, "source_not_allowed"),
            ),
            send(ev(), Expect::refused(403, "source_not_allowed")),
            events(1),
        ],
    ));
    cases.push(case(
        "untrusted_forwarded_for_ignored",
        "DESIGN: a forged X-Forwarded-For from an untrusted peer does not choose the address",
        direct_ips("203.0.113.0/24", Some("10.0.0.0/8")),
        vec![
            send(
                ev().header("x-forwarded-for", "203.0.113.7"),
                Expect::refused(403, "source_not_allowed"),
            ),
            events(0),
        ],
    ));
    cases
}

fn redis_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let (req, _, _) = signed_event(S1, HeaderFamily::Svix, "Completed");
    let (req2, _, _) = signed_event(S1, HeaderFamily::StandardWebhooks, "Completed");
    let (req3, _, _) = signed_event(S1, HeaderFamily::Svix, "Completed");
    cases.push(Case {
        replicas: 2,
        redis_only: true,
        ..case(
            "two_replicas_share_redis",
            "invariant 3 across replicas sharing REDIS_URL",
            env(&[("WEBHOOK_SECRET", S1)]),
            vec![
                send_to(0, req.clone(), Expect::processed()),
                send_to(1, req.clone(), Expect::duplicate()),
                send_to(1, req2.clone(), Expect::processed()),
                send_to(0, req2, Expect::duplicate()),
                Step::Concurrent { n: 8, req: req3 },
                // req on A, req2 on B, one concurrent copy on either.
                events(3),
            ],
        )
    });
    let (before, _, _) = signed_event(S1, HeaderFamily::Svix, "Completed");
    let (after, _, _) = signed_event(S1, HeaderFamily::Svix, "Completed");
    cases.push(Case {
        redis_only: true,
        private_redis: true,
        ..case(
            "redis_down_fails_closed",
            "invariant 4: Redis unreachable → 503 + Retry-After, handler not called; POST /jobs/{id} → 503",
            env(&[("WEBHOOK_SECRET", S1)]),
            vec![
                send(before, Expect::processed()),
                send(Req::post(&format!("/jobs/{}", unique_id("job"))), Expect::status(201).any_body()),
                Step::StopRedis,
                send(after, Expect::refused(503, "store_unavailable")),
                send(Req::post(&format!("/jobs/{}", unique_id("job"))), Expect::status(503).any_body()),
                events(1),
            ],
        )
    });
    let (req, job) = direct_event("Completed", json!({}));
    cases.push(Case {
        replicas: 2,
        redis_only: true,
        ..case(
            "two_replicas_share_known_jobs",
            "CONTRACT POST /jobs/{id} with REDIS_URL: a job registered on one replica is known to the other",
            env(&[("WEBHOOK_MODE", "direct"), ("DIRECT_KNOWN_JOBS", "1")]),
            vec![
                send_to(1, req.clone(), Expect::refused(404, "unknown_job")),
                send_to(0, Req::post(&format!("/jobs/{job}")), Expect::status(201).any_body()),
                send_to(1, req.clone(), Expect::processed()),
                Step::Events { to: Some(1), count: 1, events: None, hidden: Vec::new() },
                events(1),
            ],
        )
    });
    cases
}

/// The whole table. Message and job ids are fresh on every call, so runs that
/// share one Redis never collide.
///
/// Fails when the signature vectors (`vectors/signatures.json`) are malformed.
pub fn contract_cases() -> Result<Vec<Case>, hookgate_vectors::VectorsError> {
    let vectors = Vectors::published()?;
    let mut cases = signed_cases();
    cases.extend(vector_cases(&vectors));
    cases.extend(direct_cases());
    cases.extend(redis_cases());
    cases.extend(crate::schemes::scheme_cases());
    Ok(cases)
}

/// Runs the whole table against the receiver binary `bin` with `store`, then
/// panics listing every failing case. Redis-only cases run only with
/// [`Store::Redis`]. `CONTRACT_FILTER=<text>` runs only the cases whose name
/// contains it (e.g. `CONTRACT_FILTER=scheme`).
pub async fn run_contract(bin: &Path, store: Store) {
    let mut cases = contract_cases().unwrap_or_else(|e| panic!("{e}"));
    if let Some(filter) = std::env::var("CONTRACT_FILTER")
        .ok()
        .filter(|f| !f.is_empty())
    {
        cases.retain(|c| c.name.contains(&filter));
        assert!(
            !cases.is_empty(),
            "CONTRACT_FILTER={filter:?} matches no case"
        );
    }
    let total = cases.len();
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in cases {
        if case.redis_only && !store.is_redis() {
            continue;
        }
        ran += 1;
        let started = Instant::now();
        match run_contract_case(bin, &store, &case).await {
            Ok(()) => eprintln!("contract case {}: ok ({:?})", case.name, started.elapsed()),
            Err(e) => {
                eprintln!("contract case {}: FAILED: {e}", case.name);
                failures.push(format!("- {} ({}): {e}", case.name, case.pins));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {ran} contract cases ({total} in the table) failed for {} with {store:?}:\n{}",
        failures.len(),
        bin.display(),
        failures.join("\n")
    );
}

/// Runs one case; `Err` says what went wrong (with the receivers' stderr).
pub async fn run_contract_case(bin: &Path, store: &Store, case: &Case) -> Result<(), String> {
    let mut env = store.env();
    let mut private = None;
    if case.private_redis {
        match RedisServer::start().await {
            Ok(server) => {
                env.retain(|(k, _)| k != "REDIS_URL");
                env.push(("REDIS_URL".to_owned(), server.url()));
                private = Some(server);
            }
            Err(e) if in_ci() => {
                return Err(format!(
                    "a private redis-server is required under CI=true: {e}"
                ))
            }
            Err(e) => {
                eprintln!("note: skipping {}: {e}", case.name);
                return Ok(());
            }
        }
    }
    env.extend(case.env.iter().cloned());
    if let Start::Exits { code, stderr_has } = &case.start {
        let exit = ReceiverProcess::expect_exit(bin, &env)
            .await
            .map_err(|e| e.to_string())?;
        if exit.code != Some(*code) {
            return Err(format!(
                "exit code {:?} (expected {code}); stdout: {:?}; stderr: {:?}",
                exit.code, exit.stdout, exit.stderr
            ));
        }
        if !exit.stderr.contains(stderr_has) {
            return Err(format!(
                "stderr does not mention {stderr_has:?}: {:?}",
                exit.stderr
            ));
        }
        if exit.stdout.contains("listening on") {
            return Err("printed `listening on` although it refused to start".to_owned());
        }
        return Ok(());
    }
    let mut replicas = Vec::new();
    for _ in 0..case.replicas.max(1) {
        replicas.push(
            ReceiverProcess::start(bin, &env)
                .await
                .map_err(|e| e.to_string())?,
        );
    }
    let result = run_steps(&replicas, &case.steps, private.as_mut()).await;
    result.map_err(|e| {
        let logs: Vec<String> = replicas
            .iter()
            .enumerate()
            .map(|(i, r)| format!("  replica {i} stderr: {}", r.stderr().trim()))
            .collect();
        format!("{e}\n{}", logs.join("\n"))
    })
}

async fn run_steps(
    replicas: &[ReceiverProcess],
    steps: &[Step],
    mut private_redis: Option<&mut RedisServer>,
) -> Result<(), String> {
    let client = client();
    let bases: Vec<String> = replicas.iter().map(ReceiverProcess::base_url).collect();
    for (i, step) in steps.iter().enumerate() {
        let n = i + 1;
        match step {
            Step::Send { to, req, expect } => {
                let base = bases.get(*to).ok_or(format!("step {n}: no replica {to}"))?;
                let reply = req.send(&client, base).await.map_err(|e| {
                    format!(
                        "step {n} ({} {}): request failed: {e}",
                        req.method, req.path
                    )
                })?;
                expect
                    .check(&reply)
                    .map_err(|e| format!("step {n} ({} {}): {e}", req.method, req.path))?;
            }
            Step::Concurrent { n: copies, req } => {
                let sends = (0..*copies).map(|k| {
                    let base = bases[k % bases.len()].clone();
                    let client = client.clone();
                    let req = req.clone();
                    tokio::spawn(async move { req.send(&client, &base).await })
                });
                let mut replies: Vec<Reply> = Vec::new();
                for handle in sends.collect::<Vec<_>>() {
                    let reply = handle
                        .await
                        .map_err(|e| format!("step {n}: task failed: {e}"))?
                        .map_err(|e| format!("step {n}: request failed: {e}"))?;
                    replies.push(reply);
                }
                let processed = replies
                    .iter()
                    .filter(|r| Expect::processed().check(r).is_ok())
                    .count();
                if processed != 1 {
                    return Err(format!(
                        "step {n}: {processed} of {copies} concurrent copies were processed (expected 1): {:?}",
                        replies.iter().map(|r| (r.status, r.text())).collect::<Vec<_>>()
                    ));
                }
                for r in &replies {
                    let ok = Expect::processed().check(r).is_ok()
                        || Expect::duplicate().check(r).is_ok()
                        || Expect::refused(409, "in_flight").check(r).is_ok();
                    if !ok {
                        return Err(format!(
                            "step {n}: a concurrent copy answered {} {} (expected 200, 200 duplicate or 409 in_flight with Retry-After)",
                            r.status,
                            r.text()
                        ));
                    }
                }
            }
            Step::StopRedis => match private_redis.as_deref_mut() {
                Some(server) => server.stop(),
                None => {
                    return Err(format!(
                        "step {n}: StopRedis in a case without a private Redis"
                    ))
                }
            },
            Step::Events {
                to,
                count,
                events,
                hidden,
            } => {
                let targets: Vec<&String> = match to {
                    Some(i) => vec![bases.get(*i).ok_or(format!("step {n}: no replica {i}"))?],
                    None => bases.iter().collect(),
                };
                let mut all = Vec::new();
                for base in targets {
                    let reply = read_events(&client, base)
                        .await
                        .map_err(|e| format!("step {n}: {e}"))?;
                    for secret in hidden {
                        if reply.text().contains(secret.as_str()) {
                            return Err(format!("step {n}: GET /events shows a secret"));
                        }
                    }
                    match reply.json() {
                        Value::Array(list) => all.extend(list),
                        other => {
                            return Err(format!(
                                "step {n}: GET /events is not a JSON array: {other}"
                            ))
                        }
                    }
                }
                if all.len() != *count {
                    return Err(format!(
                        "step {n}: the handler ran {} times (expected {count}): {}",
                        all.len(),
                        Value::Array(all)
                    ));
                }
                for e in &all {
                    for field in ["id", "job_id", "status", "metadata"] {
                        if e.get(field).is_none() {
                            return Err(format!("step {n}: an event lacks `{field}`: {e}"));
                        }
                    }
                }
                if let Some(want) = events {
                    for (k, (got, want)) in all.iter().zip(want).enumerate() {
                        let Value::Object(fields) = want else {
                            continue;
                        };
                        for (name, value) in fields {
                            if &got[name] != value {
                                return Err(format!(
                                    "step {n}: event {k} has `{name}` = {} (expected {value}); events: {}",
                                    got[name],
                                    Value::Array(all.clone())
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// `GET /events`, retried briefly: a handler's event is recorded before its
/// answer, so this is a safety margin only.
async fn read_events(client: &reqwest::Client, base: &str) -> Result<Reply, String> {
    let req = Req::get("/events");
    let reply = req
        .send(client, base)
        .await
        .map_err(|e| format!("GET /events failed: {e}"))?;
    if reply.status != 200 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        return Err(format!(
            "GET /events answered {}: {}",
            reply.status,
            reply.text()
        ));
    }
    Ok(reply)
}
