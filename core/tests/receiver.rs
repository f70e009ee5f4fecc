//! The receiver's decisions, one invariant of docs/design.md at a time.

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use hookgate::{BuildError, DirectPolicy, JobEvent, Mode, Receiver, StoreError};

use hookgate::adapter::{Admission, HeaderList};

use hookgate::clock::FixedClock;

use hookgate::store::MemoryStore;

fn signed_receiver() -> Receiver {
    Receiver::builder()
        .secret(SECRET)
        .clock(FixedClock::new(NOW))
        .build()
        .unwrap()
}

const BODY: &[u8] = br#"{"status":"Completed","job_id":"job_1","metadata":{"user":"u1"}}"#;

// Invariant 1: the raw bytes are verified before parsing; the handler gets the
// same buffer (no copy).
#[tokio::test]
async fn handler_gets_the_verified_buffer_itself() {
    let r = signed_receiver();
    let h = signed("msg_1", NOW, BODY);
    let body = bytes::Bytes::from_static(BODY);
    let a = r
        .admit(hookgate::adapter::Inbound {
            headers: &h,
            body: body.clone(),
            peer: None,
        })
        .await;
    let (delivery, claim) = proceed(a);
    assert_eq!(delivery.body().as_ptr(), body.as_ptr(), "body was copied");
    let ev: JobEvent = delivery.event().unwrap();
    assert_eq!(ev.job_id, "job_1");
    assert_eq!(delivery.mode(), Mode::Signed);
    claim.settle(true).await.unwrap();
}

#[tokio::test]
async fn invalid_json_that_is_signed_is_verified_first_then_400_on_parse() {
    let r = signed_receiver();
    let body = b"\xff not json";
    // Unsigned garbage: 401, never a parse error (nothing parsed before verifying).
    let h = HeaderList::new()
        .with("svix-id", "m")
        .with("svix-timestamp", NOW.to_string())
        .with("svix-signature", "v1,AAAA");
    assert_eq!(
        code(&respond(admit(&r, &h, body, None).await)),
        "invalid_signature"
    );
    // Signed garbage: admitted, and the typed parse is a 400 JSON refusal.
    let (delivery, claim) = proceed(admit(&r, &signed("m", NOW, body), body, None).await);
    let err = delivery.event::<JobEvent>().unwrap_err();
    assert_eq!(err.status(), 400);
    assert_eq!(err.code(), "malformed_payload");
    claim.settle(false).await.unwrap();
}

// Invariant 2 + 3: done → duplicate 200, handler not called; in flight → 409 +
// Retry-After; failure releases so the retry is processed.
#[tokio::test]
async fn two_phase_claim_lifecycle() {
    let r = signed_receiver();
    let h = signed("msg_2", NOW, BODY);
    let (_, first) = proceed(admit(&r, &h, BODY, None).await);

    let busy = respond(admit(&r, &h, BODY, None).await);
    assert_eq!(busy.status(), 409);
    assert_eq!(busy.retry_after(), Some(5));
    assert_eq!(code(&busy), "in_flight");

    // Handler failed: released; the retry is processed.
    first.settle(false).await.unwrap();
    let (_, second) = proceed(admit(&r, &h, BODY, None).await);
    second.settle(true).await.unwrap();

    let dup = respond(admit(&r, &h, BODY, None).await);
    assert_eq!(dup.status(), 200);
    let v: serde_json::Value = serde_json::from_slice(dup.body()).unwrap();
    assert_eq!(v, serde_json::json!({"received": true, "duplicate": true}));
}

#[tokio::test]
async fn dropped_claim_releases_itself() {
    let r = signed_receiver();
    let h = signed("msg_drop", NOW, BODY);
    let (_, claim) = proceed(admit(&r, &h, BODY, None).await);
    drop(claim); // handler panicked or its future was cancelled
                 // The release runs on the runtime; give it a moment.
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        match admit(&r, &h, BODY, None).await {
            Admission::Proceed(_, c) => {
                c.settle(true).await.unwrap();
                break;
            }
            Admission::Respond(a) => {
                assert_eq!(a.status(), 409);
                assert!(Instant::now() < deadline, "dropped claim never released");
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    }
}

/// A memory store whose `complete` never answers: marking done hangs.
struct HangingComplete(MemoryStore);

#[async_trait::async_trait]
impl hookgate::store::IdempotencyStore for HangingComplete {
    async fn claim(
        &self,
        key: &str,
        token: hookgate::store::ClaimToken,
        ttl: Duration,
    ) -> Result<hookgate::store::ClaimOutcome, StoreError> {
        self.0.claim(key, token, ttl).await
    }
    async fn complete(
        &self,
        _key: &str,
        _token: hookgate::store::ClaimToken,
        _ttl: Duration,
    ) -> Result<bool, StoreError> {
        std::future::pending().await
    }
    async fn renew(
        &self,
        key: &str,
        token: hookgate::store::ClaimToken,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        self.0.renew(key, token, ttl).await
    }
    async fn release(
        &self,
        key: &str,
        token: hookgate::store::ClaimToken,
    ) -> Result<bool, StoreError> {
        self.0.release(key, token).await
    }
}

// Invariant 2: a settle that is itself dropped (the client went away while the
// done marker was being written) leaves the claim released, as a dropped
// claim does, so the sender's retry is processed at once, not after the TTL.
#[tokio::test]
async fn a_settle_dropped_midway_releases_the_claim() {
    let r = Receiver::builder()
        .secret(SECRET)
        .clock(FixedClock::new(NOW))
        .store(HangingComplete(MemoryStore::new()))
        .store_deadline(Duration::from_secs(10))
        .build()
        .unwrap();
    let h = signed("msg_settle_drop", NOW, BODY);
    let (_, claim) = proceed(admit(&r, &h, BODY, None).await);
    let settling = tokio::time::timeout(Duration::from_millis(30), claim.settle(true)).await;
    assert!(settling.is_err(), "complete hangs, so settle cannot finish");
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        match admit(&r, &h, BODY, None).await {
            Admission::Proceed(..) => break,
            Admission::Respond(a) => {
                assert_eq!(a.status(), 409);
                assert!(
                    Instant::now() < deadline,
                    "the dropped settle never released"
                );
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    }
}

#[tokio::test]
async fn in_flight_claim_expires_by_itself() {
    // The receiver's clock drives its default store's TTLs: moving it, not
    // sleeping, lets the claim lapse.
    let clock = Arc::new(FixedClock::new(NOW));
    let r = Receiver::builder()
        .secret(SECRET)
        .clock(Arc::clone(&clock))
        .in_flight_ttl(Duration::from_secs(30))
        .build()
        .unwrap();
    let h = signed("msg_crash", NOW, BODY);
    let (_, claim) = proceed(admit(&r, &h, BODY, None).await);
    std::mem::forget(claim); // a crashed worker never settles nor releases
    clock.advance(30);
    assert_eq!(respond(admit(&r, &h, BODY, None).await).status(), 409);
    clock.advance_by(Duration::from_millis(2));
    let (_, c) = proceed(admit(&r, &h, BODY, None).await);
    c.settle(true).await.unwrap();
}

#[tokio::test]
async fn expired_claim_cannot_be_marked_done_answers_503() {
    let clock = Arc::new(FixedClock::new(NOW));
    let r = Receiver::builder()
        .secret(SECRET)
        .clock(Arc::clone(&clock))
        .in_flight_ttl(Duration::from_secs(30))
        .build()
        .unwrap();
    let h = signed("msg_slow", NOW, BODY);
    let (_, claim) = proceed(admit(&r, &h, BODY, None).await);
    clock.advance(31); // past the in-flight TTL

    let a = claim.settle(true).await.unwrap_err().to_answer();
    assert_eq!(a.status(), 503);
    assert_eq!(code(&a), "claim_lost");
    assert!(a.retry_after().is_some());
}

// Invariant 4: store down → 503 + Retry-After within the deadline; fail-open
// is an explicit opt-in.
#[tokio::test]
async fn store_failure_fails_closed() {
    for hang in [false, true] {
        let store = Arc::new(BrokenStore {
            hang,
            ..Default::default()
        });
        let r = Receiver::builder()
            .secret(SECRET)
            .clock(FixedClock::new(NOW))
            .store(store.clone())
            .store_deadline(Duration::from_millis(100))
            .build()
            .unwrap();
        let started = Instant::now();
        let a = respond(admit(&r, &signed("m", NOW, BODY), BODY, None).await);
        assert!(started.elapsed() < Duration::from_millis(1000));
        assert_eq!(a.status(), 503);
        assert_eq!(a.retry_after(), Some(5));
        assert_eq!(code(&a), "store_unavailable");
        // The store's error text never reaches the sender.
        assert!(!String::from_utf8_lossy(a.body()).contains("refused"));
        assert_eq!(store.calls.load(Ordering::SeqCst), 1);
    }
}

#[tokio::test]
async fn fail_open_proceeds_unclaimed() {
    let r = Receiver::builder()
        .secret(SECRET)
        .clock(FixedClock::new(NOW))
        .store(BrokenStore::default())
        .fail_open(true)
        .build()
        .unwrap();
    let (_, claim) = proceed(admit(&r, &signed("m", NOW, BODY), BODY, None).await);
    assert!(!claim.is_held());
    claim.settle(true).await.unwrap();
    // Still refuses forgeries: fail-open skips only the store.
    let forged = HeaderList::new()
        .with("svix-id", "m")
        .with("svix-timestamp", NOW.to_string())
        .with(
            "svix-signature",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        );
    assert_eq!(respond(admit(&r, &forged, BODY, None).await).status(), 401);
}

#[tokio::test]
async fn settle_when_store_fails_answers_503_not_2xx() {
    // Claim succeeds on a working store, then the store breaks before settle.
    struct FlakyStore {
        inner: MemoryStore,
        broken: std::sync::atomic::AtomicBool,
    }
    #[async_trait::async_trait]
    impl hookgate::store::IdempotencyStore for FlakyStore {
        async fn claim(
            &self,
            k: &str,
            t: hookgate::store::ClaimToken,
            d: Duration,
        ) -> Result<hookgate::store::ClaimOutcome, StoreError> {
            self.inner.claim(k, t, d).await
        }
        async fn complete(
            &self,
            k: &str,
            t: hookgate::store::ClaimToken,
            d: Duration,
        ) -> Result<bool, StoreError> {
            if self.broken.load(Ordering::SeqCst) {
                return Err(StoreError::Backend("down".into()));
            }
            self.inner.complete(k, t, d).await
        }
        async fn renew(
            &self,
            k: &str,
            t: hookgate::store::ClaimToken,
            d: Duration,
        ) -> Result<bool, StoreError> {
            self.inner.renew(k, t, d).await
        }
        async fn release(
            &self,
            k: &str,
            t: hookgate::store::ClaimToken,
        ) -> Result<bool, StoreError> {
            self.inner.release(k, t).await
        }
    }
    let store = Arc::new(FlakyStore {
        inner: MemoryStore::new(),
        broken: false.into(),
    });
    let r = Receiver::builder()
        .secret(SECRET)
        .clock(FixedClock::new(NOW))
        .store(store.clone())
        .build()
        .unwrap();
    let (_, claim) = proceed(admit(&r, &signed("m", NOW, BODY), BODY, None).await);
    store.broken.store(true, Ordering::SeqCst);
    let a = claim.settle(true).await.unwrap_err().to_answer();
    assert_eq!(a.status(), 503);
    assert_eq!(code(&a), "store_unavailable");
}

// Invariant 5: refusals are JSON with the right status and never echo secrets.
#[tokio::test]
async fn refusal_statuses_and_codes() {
    let r = Receiver::builder()
        .secret(SECRET)
        .clock(FixedClock::new(NOW))
        .max_body_bytes(64)
        .build()
        .unwrap();
    let cases: Vec<(HeaderList, Vec<u8>, u16, &str)> = vec![
        (HeaderList::new(), BODY.to_vec(), 401, "missing_signature"),
        (
            HeaderList::new()
                .with("svix-id", "m")
                .with("svix-timestamp", "1"),
            BODY.to_vec(),
            401,
            "missing_signature",
        ),
        (
            signed("m", NOW, BODY).with("webhook-id", "m"),
            BODY.to_vec(),
            401,
            "mixed_signature_headers",
        ),
        (
            signed("m", NOW - 301, BODY),
            BODY.to_vec(),
            401,
            "timestamp_too_old",
        ),
        (
            signed("m", NOW + 301, BODY),
            BODY.to_vec(),
            401,
            "timestamp_too_new",
        ),
        (
            signed("m", NOW, b"other"),
            BODY.to_vec(),
            401,
            "invalid_signature",
        ),
        (
            signed("", NOW, BODY),
            BODY.to_vec(),
            401,
            "invalid_message_id",
        ),
        (
            signed("m", NOW, &[b'x'; 65]),
            vec![b'x'; 65],
            413,
            "payload_too_large",
        ),
    ];
    for (h, body, status, expected) in cases {
        let a = respond(admit(&r, &h, &body, None).await);
        assert_eq!(a.status(), status, "{expected}");
        assert_eq!(code(&a), expected);
        let text = String::from_utf8_lossy(a.body()).to_string();
        assert!(!text.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
    }
    assert_eq!(r.check_content_length(Some(65)).unwrap_err().status(), 413);
    assert!(r.check_content_length(Some(64)).is_ok());
}

#[tokio::test]
async fn rotation_any_key_matches_and_webhook_headers_work() {
    let r = Receiver::builder()
        .secret("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD, ".to_owned() + SECRET)
        .clock(FixedClock::new(NOW))
        .build()
        .unwrap();
    let sig = hookgate::Secret::parse(SECRET)
        .unwrap()
        .sign("m", NOW, BODY);
    let h = HeaderList::new()
        .with("Webhook-Id", "m")
        .with("Webhook-Timestamp", NOW.to_string())
        .with("Webhook-Signature", format!("v1,bm9wZQ== {sig}"));
    let (d, c) = proceed(admit(&r, &h, BODY, None).await);
    assert_eq!(
        d.header_family(),
        Some(hookgate::signing::HeaderFamily::StandardWebhooks)
    );
    c.settle(true).await.unwrap();
}

#[tokio::test]
async fn required_header_and_source_networks() {
    let r = Receiver::builder()
        .secret(SECRET)
        .clock(FixedClock::new(NOW))
        .basic_auth("reducto", "pw")
        .allowed_sources("203.0.113.0/24")
        .trusted_proxies("10.0.0.0/8")
        .build()
        .unwrap();
    let auth = "Basic cmVkdWN0bzpwdw==";
    let h = signed("m1", NOW, BODY).with("authorization", auth);
    // direct peer inside the allowed network
    let (_, c) = proceed(admit(&r, &h, BODY, Some("203.0.113.7")).await);
    c.settle(true).await.unwrap();
    // missing auth
    let a = respond(admit(&r, &signed("m2", NOW, BODY), BODY, Some("203.0.113.7")).await);
    assert_eq!(
        (a.status().as_u16(), code(&a).as_str()),
        (401, "unauthorized")
    );
    // peer outside, forged XFF from an untrusted peer is ignored
    let h2 = signed("m3", NOW, BODY)
        .with("authorization", auth)
        .with("x-forwarded-for", "203.0.113.7");
    let a = respond(admit(&r, &h2, BODY, Some("198.51.100.1")).await);
    assert_eq!(
        (a.status().as_u16(), code(&a).as_str()),
        (403, "source_not_allowed")
    );
    // the same header through a trusted proxy is believed
    let (d, c) = proceed(admit(&r, &h2, BODY, Some("10.1.2.3")).await);
    assert_eq!(d.client_addr(), Some("203.0.113.7".parse().unwrap()));
    c.settle(true).await.unwrap();
    // unknown peer address → refused when an allow-list is set
    let h4 = signed("m4", NOW, BODY).with("authorization", auth);
    assert_eq!(respond(admit(&r, &h4, BODY, None).await).status(), 403);
}

fn direct(policy: DirectPolicy) -> Receiver {
    Receiver::builder().direct(policy).build().unwrap()
}

fn direct_body(job: &str, status: &str, token: Option<&str>) -> Vec<u8> {
    let mut meta = serde_json::json!({"user": "u1"});
    if let Some(t) = token {
        meta["webhook_secret"] = t.into();
    }
    serde_json::to_vec(&serde_json::json!({"status": status, "job_id": job, "metadata": meta}))
        .unwrap()
}

#[tokio::test]
async fn direct_token() {
    let r = direct(DirectPolicy::new().token("t0ken-value"));
    let none = HeaderList::new();
    let ok = direct_body("j1", "Completed", Some("t0ken-value"));
    let (d, c) = proceed(admit(&r, &none, &ok, None).await);
    assert_eq!(d.mode(), Mode::Direct);
    assert_eq!(d.message_id(), None);
    assert_eq!((d.job_id(), d.status()), (Some("j1"), Some("Completed")));
    let ev: JobEvent = d.event().unwrap();
    assert!(
        !ev.metadata.contains_key("webhook_secret"),
        "token leaked to handler"
    );
    assert_eq!(ev.metadata["user"], "u1");
    assert!(!format!("{d:?}").contains("t0ken"));
    c.settle(true).await.unwrap();

    // Same job + status in another letter case is the same event: duplicate.
    let again = direct_body("j1", "completed", Some("t0ken-value"));
    assert_eq!(respond(admit(&r, &none, &again, None).await).status(), 200);
    // A different status of the same job is a different event.
    let failed = direct_body("j1", "Failed", Some("t0ken-value"));
    let (_, c) = proceed(admit(&r, &none, &failed, None).await);
    c.settle(true).await.unwrap();

    for (body, status, expected) in [
        (direct_body("j2", "Completed", None), 401, "missing_token"),
        (
            direct_body("j2", "Completed", Some("wrong")),
            401,
            "invalid_token",
        ),
        (
            direct_body("j2", "Completed", Some("")),
            401,
            "invalid_token",
        ),
        (b"{not json".to_vec(), 400, "malformed_payload"),
        (br#"{"status":"Completed"}"#.to_vec(), 401, "missing_token"),
        (
            br#"{"status":"Completed","metadata":{"webhook_secret":"t0ken-value"}}"#.to_vec(),
            400,
            "malformed_payload",
        ),
    ] {
        let a = respond(admit(&r, &none, &body, None).await);
        assert_eq!(a.status(), status, "{expected}");
        assert_eq!(code(&a), expected);
        assert!(!String::from_utf8_lossy(a.body()).contains("t0ken"));
    }
}

#[tokio::test]
async fn direct_custom_token_field() {
    let r = direct(DirectPolicy::new().token("abc").token_field("hook_token"));
    let body = br#"{"status":"Completed","job_id":"j","metadata":{"hook_token":"abc","webhook_secret":"keep"}}"#;
    let (d, c) = proceed(admit(&r, &HeaderList::new(), body, None).await);
    let ev: JobEvent = d.event().unwrap();
    assert!(!ev.metadata.contains_key("hook_token"));
    assert_eq!(ev.metadata["webhook_secret"], "keep");
    c.settle(true).await.unwrap();
}

#[tokio::test]
async fn direct_known_jobs_registered_checked_and_forgotten() {
    let r = direct(DirectPolicy::new().known_jobs(true));
    let none = HeaderList::new();
    let a = respond(admit(&r, &none, &direct_body("jk", "Processing", None), None).await);
    assert_eq!(
        (a.status().as_u16(), code(&a).as_str()),
        (404, "unknown_job")
    );
    r.register_job("jk").await.unwrap();
    // A non-final status keeps the job known.
    let (_, c) = proceed(admit(&r, &none, &direct_body("jk", "Processing", None), None).await);
    c.settle(true).await.unwrap();
    // A final status, once processed, forgets it.
    let (_, c) = proceed(admit(&r, &none, &direct_body("jk", "Completed", None), None).await);
    c.settle(true).await.unwrap();
    let a = respond(admit(&r, &none, &direct_body("jk", "Failed", None), None).await);
    assert_eq!(a.status(), 404);
    // A retry of the processed final event is still a duplicate, not a 404.
    let a = respond(admit(&r, &none, &direct_body("jk", "Completed", None), None).await);
    assert_eq!(a.status(), 200, "{}", String::from_utf8_lossy(a.body()));
    // An unknown job leaves no claim behind: once registered, it is processed.
    let a = respond(admit(&r, &none, &direct_body("late", "Completed", None), None).await);
    assert_eq!(a.status(), 404);
    r.register_job("late").await.unwrap();
    let (_, c) = proceed(admit(&r, &none, &direct_body("late", "Completed", None), None).await);
    c.settle(true).await.unwrap();
    // A failed handler does not forget the job: the retry still passes.
    r.register_job("jf").await.unwrap();
    let (_, c) = proceed(admit(&r, &none, &direct_body("jf", "Completed", None), None).await);
    c.settle(false).await.unwrap();
    let (_, c) = proceed(admit(&r, &none, &direct_body("jf", "Completed", None), None).await);
    c.settle(true).await.unwrap();
}

// The receiver's clock reaches its default job registry: a known job expires
// after the policy's job TTL on that clock, no sleep needed.
#[tokio::test]
async fn a_known_job_expires_by_the_receivers_clock() {
    let clock = Arc::new(FixedClock::new(NOW));
    let r = Receiver::builder()
        .direct(
            DirectPolicy::new()
                .known_jobs(true)
                .job_ttl(Duration::from_secs(60)),
        )
        .clock(Arc::clone(&clock))
        .build()
        .unwrap();
    let none = HeaderList::new();
    r.register_job("jt").await.unwrap();
    clock.advance(59);
    let (_, c) = proceed(admit(&r, &none, &direct_body("jt", "Processing", None), None).await);
    c.settle(true).await.unwrap();
    clock.advance(1);
    let a = respond(admit(&r, &none, &direct_body("jt", "Completed", None), None).await);
    assert_eq!(
        (a.status().as_u16(), code(&a).as_str()),
        (404, "unknown_job")
    );
}

#[tokio::test]
async fn direct_registry_failure_is_503() {
    struct DownRegistry;
    #[async_trait::async_trait]
    impl hookgate::store::JobRegistry for DownRegistry {
        async fn register(&self, _: &str, _: Duration) -> Result<(), StoreError> {
            Err(StoreError::Backend("down".into()))
        }
        async fn is_known(&self, _: &str) -> Result<bool, StoreError> {
            Err(StoreError::Backend("down".into()))
        }
        async fn forget(&self, _: &str) -> Result<(), StoreError> {
            Err(StoreError::Backend("down".into()))
        }
    }
    let r = Receiver::builder()
        .direct(DirectPolicy::new().known_jobs(true))
        .job_registry(DownRegistry)
        .build()
        .unwrap();
    let a = respond(
        admit(
            &r,
            &HeaderList::new(),
            &direct_body("j", "Completed", None),
            None,
        )
        .await,
    );
    assert_eq!(a.status(), 503);
    assert!(a.retry_after().is_some());
    assert!(r.register_job("j").await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_concurrent_admits_one_proceeds() {
    let r = signed_receiver();
    let h = Arc::new(signed("msg_race", NOW, BODY));
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let r = r.clone();
            let h = h.clone();
            tokio::spawn(async move {
                match admit(&r, &h, BODY, None).await {
                    Admission::Proceed(_, c) => {
                        // hold the claim until every task has tried
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        c.settle(true).await.unwrap();
                        1
                    }
                    Admission::Respond(a) => {
                        assert!(a.status() == 409 || a.status() == 200);
                        0
                    }
                }
            })
        })
        .collect();
    let mut proceeded = 0;
    for t in tasks {
        proceeded += t.await.unwrap();
    }
    assert_eq!(proceeded, 1);
}

#[test]
fn build_errors_say_what_is_wrong() {
    let cases: Vec<(hookgate::ReceiverBuilder, &str)> = vec![
        (Receiver::builder(), "at least one secret"),
        (Receiver::builder().secret("whsec_"), "empty"),
        (Receiver::builder().secret("whsec_***"), "base64"),
        (
            Receiver::builder().secret("whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg=="),
            "whpk_",
        ),
        (Receiver::builder().direct(DirectPolicy::new()), "no check"),
        (Receiver::builder().direct(DirectPolicy::new().token("")), "empty"),
        (
            Receiver::builder().secret(SECRET).trusted_proxies("10.0.0.0/8, bogus"),
            "bogus",
        ),
        (
            Receiver::builder().secret(SECRET).handler_deadline(Duration::from_secs(30)),
            "outlive",
        ),
        (Receiver::builder().secret(SECRET).done_ttl(Duration::from_secs(1)), "done TTL"),
        (Receiver::builder().secret(SECRET).require_header("bad name", "x"), "header name"),
        (Receiver::builder().secret(SECRET).max_body_bytes(0), "greater than zero"),
    ];
    for (builder, needle) in cases {
        let err: BuildError = builder.build().unwrap_err();
        assert!(
            err.to_string().contains(needle),
            "{err} (wanted {needle:?})"
        );
        assert!(!err.to_string().contains("MfKQ9r8"));
    }
    // explicit opt-in to an unauthenticated direct receiver
    assert!(Receiver::builder()
        .direct(DirectPolicy::new().accept_unauthenticated(true))
        .build()
        .is_ok());
}

#[test]
fn debug_shows_no_secret() {
    let r = Receiver::builder().secret(SECRET).build().unwrap();
    let d = direct(DirectPolicy::new().token("super-secret-token"));
    let text = format!(
        "{r:?} {d:?} {:?}",
        DirectPolicy::new().token("super-secret-token")
    );
    assert!(
        !text.contains("MfKQ9r8") && !text.contains("super-secret"),
        "{text}"
    );
}

/// Headers a framework keeps in a type that is not `Sync` (here a `RefCell`
/// that counts lookups, as an `Rc`-based adapter might hold them).
struct CountingHeaders {
    inner: HeaderList,
    lookups: std::cell::RefCell<usize>,
}

impl hookgate::adapter::HeaderLookup for CountingHeaders {
    fn first(&self, name: &str) -> Option<&[u8]> {
        *self.lookups.borrow_mut() += 1;
        self.inner.first(name)
    }

    fn each(&self, name: &str, f: &mut dyn FnMut(&[u8])) {
        *self.lookups.borrow_mut() += 1;
        self.inner.each(name, f)
    }
}

fn assert_send<T: Send>(t: T) -> T {
    t
}

// An adapter's header type need not be `Sync`: admission reads the headers
// when `admit` is called, and its future, which holds none of them, stays
// `Send` for multi-threaded runtimes.
#[tokio::test]
async fn headers_need_not_be_sync_and_the_admit_future_stays_send() {
    let r = signed_receiver();
    let headers = CountingHeaders {
        inner: signed("msg_not_sync", NOW, BODY),
        lookups: std::cell::RefCell::new(0),
    };
    let future = assert_send(r.admit(hookgate::adapter::Inbound {
        headers: &headers,
        body: bytes::Bytes::from_static(BODY),
        peer: None,
    }));
    assert!(
        *headers.lookups.borrow() > 0,
        "the headers are read when admit is called"
    );
    drop(headers);
    let (delivery, claim) = proceed(future.await);
    assert_eq!(delivery.message_id(), Some("msg_not_sync"));
    claim.settle(true).await.unwrap();
}
