//! The review findings of issue 17, each pinned by a test that failed before
//! its fix (see docs/security.md).

mod common;

use std::time::Duration;

use common::*;
use hookgate::adapter::{Admission, HeaderList};
use hookgate::clock::FixedClock;
use hookgate::direct::Token;
use hookgate::signing::{KeyRing, SigningKey, VerifyingKey, MAX_V1A_ATTEMPTS_PER_KEY};
use hookgate::{BuildError, DirectPolicy, HeaderAuthError, Receiver};

fn direct_body(job: &str, status: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({"status": status, "job_id": job, "metadata": {}}))
        .unwrap()
}

// Finding 1: an empty required header value (an unset environment variable)
// or empty basic-auth credentials must not build: a request sending the header
// empty would pass.
#[test]
fn finding_1_empty_required_header_values_are_refused_at_build() {
    let direct = || Receiver::builder().direct(DirectPolicy::new());
    let err = direct()
        .require_header("x-hook-auth", "")
        .build()
        .unwrap_err();
    assert!(
        matches!(err, BuildError::RequiredHeader(HeaderAuthError::EmptyValue { ref name }) if name == "x-hook-auth"),
        "{err:?}"
    );
    for (user, password) in [("", ""), ("reducto", "")] {
        let err = direct().basic_auth(user, password).build().unwrap_err();
        assert!(
            matches!(
                err,
                BuildError::RequiredHeader(HeaderAuthError::EmptyValue { .. })
            ),
            "{err:?}"
        );
    }
    // A user name with a colon is ambiguous in basic auth ("a:b" + "c" and
    // "a" + "b:c" send the same header).
    let err = direct().basic_auth("a:b", "c").build().unwrap_err();
    assert!(
        matches!(
            err,
            BuildError::RequiredHeader(HeaderAuthError::ColonInUser)
        ),
        "{err:?}"
    );
    // Signed mode refuses them too.
    let err = Receiver::builder()
        .secret(SECRET)
        .require_header("x-hook-auth", "")
        .build()
        .unwrap_err();
    assert!(
        matches!(
            err,
            BuildError::RequiredHeader(HeaderAuthError::EmptyValue { .. })
        ),
        "{err:?}"
    );
    // An empty token never matches anything.
    assert!(!Token::new("").matches(b""));
    // Non-empty values still work.
    assert!(direct().require_header("x-hook-auth", "v").build().is_ok());
    assert!(direct().basic_auth("", "pw").build().is_ok());
}

#[tokio::test]
async fn finding_1_an_empty_header_never_authenticates() {
    // Even a header built by hand with an empty value (no builder check in
    // between) refuses a request sending the header empty.
    let r = Receiver::builder()
        .direct(DirectPolicy::new())
        .require_header("x-hook-auth", "s3cret")
        .build()
        .unwrap();
    let empty = HeaderList::new().with("x-hook-auth", "");
    let a = respond(admit(&r, &empty, &direct_body("j", "Completed"), None).await);
    assert_eq!(a.status(), 401);
}

// Finding 3: direct-mode dedupe keys are injective: a job id or status
// holding the separator cannot make another event look processed.
#[tokio::test]
async fn finding_3_direct_keys_do_not_collide_through_the_separator() {
    let r = Receiver::builder()
        .direct(DirectPolicy::new().accept_unauthenticated(true))
        .build()
        .unwrap();
    let none = HeaderList::new();
    let (_, c) = proceed(admit(&r, &none, &direct_body("a", "b:completed"), None).await);
    c.settle(true).await.unwrap();
    // The real event of job `a:b` is not a duplicate of the one above.
    let (_, c) = proceed(admit(&r, &none, &direct_body("a:b", "Completed"), None).await);
    c.settle(true).await.unwrap();
    let (_, c) = proceed(admit(&r, &none, &direct_body("a:b:", "completed"), None).await);
    c.settle(true).await.unwrap();
    let (_, c) = proceed(admit(&r, &none, &direct_body("a%3Ab", "completed"), None).await);
    c.settle(true).await.unwrap();
}

/// The hash tag Redis Cluster takes from a key: from the first `{` to the
/// first `}` after it, when not empty.
fn hash_tag(key: &str) -> Option<&str> {
    let open = key.find('{')?;
    let close = key[open + 1..].find('}')? + open + 1;
    (close > open + 1).then(|| &key[open + 1..close])
}

// Finding 3: ids holding `{` or `}` cannot move a key's Redis hash tag (every
// such id would otherwise share one slot, or choose its own).
#[tokio::test]
async fn finding_3_braces_in_ids_do_not_reach_the_key() {
    let direct = Receiver::builder()
        .direct(DirectPolicy::new().accept_unauthenticated(true))
        .build()
        .unwrap();
    for job in ["}x", "{x}", "a}{b", "{", "}"] {
        let (_, c) = proceed(
            admit(
                &direct,
                &HeaderList::new(),
                &direct_body(job, "Completed"),
                None,
            )
            .await,
        );
        let key = c.key().unwrap().to_owned();
        assert!(!key.contains(['{', '}']), "{key}");
        c.settle(false).await.unwrap();
    }
    let signed = Receiver::builder()
        .secret(SECRET)
        .clock(FixedClock::new(NOW))
        .build()
        .unwrap();
    for id in ["msg_}x", "msg_{a}", "}"] {
        let body = direct_body("j", "Completed");
        let (_, c) = proceed(admit(&signed, &signed_headers(id, &body), &body, None).await);
        let key = c.key().unwrap().to_owned();
        assert!(!key.contains(['{', '}']), "{key}");
        c.settle(false).await.unwrap();
    }
    // A key prefix with a brace would move every key's tag: refused.
    let err = Receiver::builder()
        .secret(SECRET)
        .key_prefix("app{1}:")
        .build()
        .unwrap_err();
    assert!(matches!(err, BuildError::KeyPrefixBrace), "{err:?}");
    assert_eq!(hash_tag("p:{k}"), Some("k"));
}

// Finding 3, in the Redis backends: the hash tag of every key is the whole
// (escaped) identity, whatever braces an id holds.
#[cfg(feature = "redis")]
#[tokio::test]
async fn finding_3_redis_hash_tags_are_the_whole_identity() {
    use hookgate::redis::{connect_lazy, RedisJobRegistry, RedisStore};
    let conn = connect_lazy("redis://127.0.0.1:6379/").unwrap();
    let jobs = RedisJobRegistry::new(conn.clone());
    for job in ["}x", "{x}", "a}{b", "plain"] {
        let key = jobs.redis_key(job);
        let tag = hash_tag(&key).unwrap();
        assert!(key.ends_with(&format!("{{{tag}}}")), "{key}");
        assert_ne!(jobs.redis_key(job), jobs.redis_key("x"));
    }
    let store = RedisStore::new(conn);
    let r = Receiver::builder()
        .direct(DirectPolicy::new().accept_unauthenticated(true))
        .build()
        .unwrap();
    for job in ["}x", "{x}"] {
        let (_, c) =
            proceed(admit(&r, &HeaderList::new(), &direct_body(job, "Completed"), None).await);
        let key = c.key().unwrap().to_owned();
        assert_eq!(hash_tag(&store.redis_key(&key)), Some(key.as_str()));
        c.settle(false).await.unwrap();
    }
}

fn signed_headers(id: &str, body: &[u8]) -> HeaderList {
    signed(id, NOW, body)
}

// Finding 4: the done marker must outlive the replay window, or the same
// signed bytes run again once it expires.
#[test]
fn finding_4_done_ttl_must_outlive_the_replay_window() {
    let err = Receiver::builder()
        .secret(SECRET)
        .tolerance(Duration::from_secs(7 * 24 * 3600))
        .build()
        .unwrap_err();
    assert!(
        matches!(err, BuildError::DoneTtlInsideReplayWindow { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("done TTL"), "{err}");
    // Past and future both count: a timestamp accepted 1 h early stays
    // acceptable 1 h + past after it was first processed.
    let err = Receiver::builder()
        .secret(SECRET)
        .tolerance(hookgate::Tolerance {
            past: Duration::from_secs(3600),
            future: Duration::from_secs(3600),
        })
        .done_ttl(Duration::from_secs(7200))
        .build()
        .unwrap_err();
    assert!(
        matches!(err, BuildError::DoneTtlInsideReplayWindow { .. }),
        "{err:?}"
    );
    assert!(Receiver::builder()
        .secret(SECRET)
        .tolerance(Duration::from_secs(7 * 24 * 3600))
        .done_ttl(Duration::from_secs(15 * 24 * 3600))
        .build()
        .is_ok());
    // Direct mode checks no timestamp: the tolerance does not matter there.
    assert!(Receiver::builder()
        .direct(DirectPolicy::new().token("t"))
        .tolerance(Duration::from_secs(7 * 24 * 3600))
        .build()
        .is_ok());
}

// Finding 5: no configured duration can make arithmetic panic at run time.
#[tokio::test]
async fn finding_5_huge_durations_never_panic() {
    let r = Receiver::builder()
        .direct(DirectPolicy::new().known_jobs(true).job_ttl(Duration::MAX))
        .in_flight_ttl(Duration::MAX - Duration::from_secs(1))
        .handler_deadline(Duration::MAX - Duration::from_secs(2))
        .done_ttl(Duration::MAX)
        .store_deadline(Duration::MAX)
        .retry_after(Duration::MAX)
        .build()
        .unwrap();
    r.register_job("j").await.unwrap();
    let (_, c) = proceed(
        admit(
            &r,
            &HeaderList::new(),
            &direct_body("j", "Processing"),
            None,
        )
        .await,
    );
    c.settle(true).await.unwrap();
    let a = respond(
        admit(
            &r,
            &HeaderList::new(),
            &direct_body("j", "Processing"),
            None,
        )
        .await,
    );
    assert_eq!(a.status(), 200);
    let jobs = hookgate::store::MemoryJobRegistry::new();
    hookgate::store::JobRegistry::register(&jobs, "k", Duration::MAX)
        .await
        .unwrap();
    assert!(hookgate::store::JobRegistry::is_known(&jobs, "k")
        .await
        .unwrap());
    // A signed receiver with the largest tolerance its done TTL allows.
    let r = Receiver::builder()
        .secret(SECRET)
        .tolerance(Duration::MAX / 4)
        .done_ttl(Duration::MAX)
        .clock(FixedClock::new(NOW))
        .build()
        .unwrap();
    let body = direct_body("j", "Completed");
    let (_, c) = proceed(admit(&r, &signed(&"m".repeat(3), 0, &body), &body, None).await);
    c.settle(true).await.unwrap();
    queue_mode_huge_durations().await;
}

// Finding 5 in queue mode: the done TTL (a handled delivery's mark), the retry
// delay, the visibility timeout (heartbeat and settling) and the attempt
// deadline, all `Duration::MAX`, on the in-memory queue and its workers.
async fn queue_mode_huge_durations() {
    use hookgate::queue::{Backoff, MemoryQueue, QueueConfig, Queued};
    use hookgate::JobEvent;
    let r = Receiver::builder()
        .direct(DirectPolicy::new().accept_unauthenticated(true))
        .done_ttl(Duration::MAX)
        .queue(
            QueueConfig::new(MemoryQueue::new())
                .allow_volatile(true)
                .visibility_timeout(Duration::MAX)
                .attempt_deadline(Duration::MAX)
                .backoff(Backoff::new(Duration::MAX, Duration::MAX).jitter(0.0)),
        )
        .build()
        .unwrap();
    let queued = |a: Admission| match a {
        Admission::Respond(answer) => answer.status().as_u16(),
        Admission::Proceed(..) => panic!("queue mode never hands over a delivery"),
    };
    let none = HeaderList::new();
    let handled = direct_body("handled", "Completed");
    let failing = direct_body("failing", "Completed");
    assert_eq!(queued(admit(&r, &none, &handled, None).await), 202);
    assert_eq!(queued(admit(&r, &none, &failing, None).await), 202);
    let workers = r
        .start_workers(|job: Queued<JobEvent>| async move {
            if job.event.job_id == "failing" {
                Err("fails, to be retried after Duration::MAX")
            } else {
                Ok(())
            }
        })
        .unwrap();
    // Settled: the handled one done (a duplicate now), the failing one
    // scheduled for a retry that never comes, nothing left running.
    let settled = async {
        loop {
            let stats = r.queue_stats().await.unwrap();
            if stats.scheduled == 1 && stats.running == 0 && stats.ready == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), settled)
        .await
        .expect("both deliveries settle (a panicking worker settles nothing)");
    assert_eq!(queued(admit(&r, &none, &handled, None).await), 200);
    assert_eq!(workers.shutdown(Duration::from_secs(1)).await, 0);
}

// Finding 6: with a token check, the handler's event is parsed from the raw
// bytes (token removed), exactly as it would be without the check: a `u128`
// field, a number beyond f64, duplicate and escaped keys all behave the same.
#[tokio::test]
async fn finding_6_the_token_check_does_not_change_how_the_event_parses() {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Wide {
        job_id: String,
        status: String,
        big: u128,
        metadata: serde_json::Map<String, serde_json::Value>,
    }
    let checked = Receiver::builder()
        .direct(DirectPolicy::new().token("t0ken-value"))
        .build()
        .unwrap();
    let plain = Receiver::builder()
        .direct(DirectPolicy::new().accept_unauthenticated(true))
        .build()
        .unwrap();
    let big = u128::MAX;
    let with_token = format!(
        r#"{{"job_id":"j6","status":"Completed","big":{big},"metadata":{{"user":"u1","webhook_secret":"t0ken-value","n":7}}}}"#
    );
    let without = format!(
        r#"{{"job_id":"j6","status":"Completed","big":{big},"metadata":{{"user":"u1","n":7}}}}"#
    );
    let (d, c) = proceed(admit(&checked, &HeaderList::new(), with_token.as_bytes(), None).await);
    let got: Wide = d
        .event()
        .expect("a u128 field parses with the token check on");
    c.settle(true).await.unwrap();
    let (d, c) = proceed(admit(&plain, &HeaderList::new(), without.as_bytes(), None).await);
    let expected: Wide = d.event().unwrap();
    c.settle(true).await.unwrap();
    assert_eq!(got, expected);
    assert_eq!(got.big, big);

    // The token is gone however its key is spelled, and wherever it repeats.
    for body in [
        r#"{"job_id":"j7","status":"Completed","metadata":{"webhook\u005fsecret":"t0ken-value"}}"#,
        r#"{"job_id":"j8","status":"Completed","metadata":{"webhook_secret":"x","webhook_secret":"t0ken-value"},"metadata":{"webhook_secret":"t0ken-value"}}"#,
    ] {
        let (d, c) = proceed(admit(&checked, &HeaderList::new(), body.as_bytes(), None).await);
        let v: serde_json::Value = d.event().unwrap();
        assert!(!v.to_string().contains("t0ken"), "{v}");
        c.settle(false).await.unwrap();
    }
}

const WHSK: &str =
    "whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==";

// Finding 2: each ed25519 check hashes the whole body again, so the number of
// `v1a` entries checked per key is bounded: a sender's rotation (old and new
// signature) still verifies in either order; a third well-formed entry is
// never checked; malformed entries cost nothing and do not count.
#[test]
fn finding_2_v1a_attempts_per_key_are_bounded() {
    use base64::Engine as _;
    assert_eq!(MAX_V1A_ATTEMPTS_PER_KEY, 2);
    let key = SigningKey::parse(WHSK).unwrap();
    let other = SigningKey::parse(&format!(
        "whsk_{}",
        base64::engine::general_purpose::STANDARD.encode([7u8; 32])
    ))
    .unwrap();
    let mut ring = KeyRing::new();
    ring.push(VerifyingKey::Ed25519(key.public_key()));
    let body = b"{\"job_id\":\"j\"}";
    let good = key.sign("m", 5, body);
    let bad = other.sign("m", 5, body);
    let verifies = |header: String| ring.verify_signature("m", "5", body, header.as_bytes());
    assert!(verifies(format!("{bad} {good}")));
    assert!(verifies(format!("{good} {bad}")));
    assert!(verifies(format!(
        "v1a,AAAA v1a,!!!! v1,{} {bad} {good}",
        "A".repeat(44)
    )));
    assert!(!verifies(format!("{bad} {bad} {good}")));
    // Every key gets its own budget: the second key finds its signature.
    ring.push(VerifyingKey::Ed25519(other.public_key()));
    let verifies = |header: String| ring.verify_signature("m", "5", body, header.as_bytes());
    assert!(verifies(format!("{good} {bad}")));
}

// Item 7: `fail_open(true)` skips deduplication when the store cannot be
// reached; a *full* in-memory store is not that (anyone holding enough slow
// claims would get duplicates through). It answers 503 like fail-closed.
#[tokio::test]
async fn item_7_fail_open_does_not_open_on_a_full_memory_store() {
    let r = Receiver::builder()
        .secret(SECRET)
        .clock(FixedClock::new(NOW))
        .store(hookgate::store::MemoryStore::with_capacity(1))
        .fail_open(true)
        .build()
        .unwrap();
    let body = direct_body("j", "Completed");
    let mut held = Vec::new();
    let mut full = 0;
    for i in 0..200 {
        let id = format!("msg_{i}");
        match admit(&r, &signed(&id, NOW, &body), &body, None).await {
            hookgate::adapter::Admission::Proceed(_, claim) => {
                assert!(claim.is_held(), "{id} proceeded without a claim");
                held.push(claim);
            }
            hookgate::adapter::Admission::Respond(a) => {
                assert_eq!(
                    (a.status().as_u16(), code(&a.to_answer()).as_str()),
                    (503, "store_unavailable")
                );
                full += 1;
            }
        }
    }
    assert!(full > 0, "the store never filled");
    // An unreachable store still fails open.
    let open = Receiver::builder()
        .secret(SECRET)
        .clock(FixedClock::new(NOW))
        .store(BrokenStore::default())
        .fail_open(true)
        .build()
        .unwrap();
    let (_, c) = proceed(admit(&open, &signed("m", NOW, &body), &body, None).await);
    assert!(!c.is_held());
}

/// A store whose claim is written but whose answer never comes back (the
/// reply lost on the way), counting releases.
struct LostReply {
    inner: hookgate::store::MemoryStore,
    releases: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl hookgate::store::IdempotencyStore for LostReply {
    async fn claim(
        &self,
        key: &str,
        token: hookgate::store::ClaimToken,
        ttl: Duration,
    ) -> Result<hookgate::store::ClaimOutcome, hookgate::StoreError> {
        self.inner.claim(key, token, ttl).await?;
        std::future::pending().await
    }
    async fn complete(
        &self,
        key: &str,
        token: hookgate::store::ClaimToken,
        ttl: Duration,
    ) -> Result<bool, hookgate::StoreError> {
        self.inner.complete(key, token, ttl).await
    }
    async fn renew(
        &self,
        key: &str,
        token: hookgate::store::ClaimToken,
        ttl: Duration,
    ) -> Result<bool, hookgate::StoreError> {
        self.inner.renew(key, token, ttl).await
    }
    async fn release(
        &self,
        key: &str,
        token: hookgate::store::ClaimToken,
    ) -> Result<bool, hookgate::StoreError> {
        self.releases
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.release(key, token).await
    }
}

// Item 7: an admit future dropped after the store wrote the claim but before
// the claim came back (a client gone, a timeout around admit) releases the key
// at once, instead of leaving it in flight for the whole in-flight TTL.
#[tokio::test]
async fn item_7_an_admit_dropped_mid_claim_releases_the_key() {
    use std::sync::atomic::Ordering;
    let store = std::sync::Arc::new(LostReply {
        inner: hookgate::store::MemoryStore::new(),
        releases: Default::default(),
    });
    let r = Receiver::builder()
        .secret(SECRET)
        .clock(FixedClock::new(NOW))
        .store(store.clone())
        .store_deadline(Duration::from_secs(3600))
        .build()
        .unwrap();
    let body = direct_body("j", "Completed");
    let h = signed("msg_lost", NOW, &body);
    let admitted =
        tokio::time::timeout(Duration::from_millis(50), admit(&r, &h, &body, None)).await;
    assert!(admitted.is_err(), "the claim should never have answered");
    // The release runs on the runtime, soon after the drop.
    for _ in 0..200 {
        if store.releases.load(Ordering::SeqCst) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(store.releases.load(Ordering::SeqCst), 1);
    let again = hookgate::store::IdempotencyStore::claim(
        &store.inner,
        "hookgate:msg:msg_lost",
        hookgate::store::ClaimToken::random(),
        Duration::from_secs(30),
    )
    .await
    .unwrap();
    assert_eq!(
        again,
        hookgate::store::ClaimOutcome::Fresh,
        "the key stayed in flight"
    );
}

// Item 7: behind a trusted proxy, a client address that cannot be read never
// becomes the proxy's. Rocket drops a whole `X-Forwarded-For` holding a
// non-UTF-8 byte, so behind an appending proxy the core saw no header and
// took the proxy's address, which an allow-list naming the proxy admitted.
// Now the client is unknown (403 under `allowed_sources`), in every adapter.
#[tokio::test]
async fn item_7_an_unreadable_client_behind_a_trusted_proxy_is_unknown() {
    let r = Receiver::builder()
        .direct(DirectPolicy::new())
        .allowed_sources("127.0.0.1/32, 203.0.113.0/24")
        .trusted_proxies("127.0.0.1/32")
        .build()
        .unwrap();
    let body = direct_body("j", "Completed");
    // What Rocket hands the core after dropping the header: nothing.
    let dropped = HeaderList::new();
    let a = respond(admit(&r, &dropped, &body, Some("127.0.0.1")).await);
    assert_eq!(
        (a.status().as_u16(), code(&a).as_str()),
        (403, "source_not_allowed")
    );
    // Only trusted hops: unknown too.
    let only_proxies = HeaderList::new().with("x-forwarded-for", "127.0.0.1");
    let a = respond(admit(&r, &only_proxies, &body, Some("127.0.0.1")).await);
    assert_eq!(a.status(), 403);
    // The bytes as axum and actix see them: the real client, right of the
    // unreadable part, is found.
    let raw = HeaderList::new().with("x-forwarded-for", b"\xff, 203.0.113.7".as_slice());
    let (d, c) = proceed(admit(&r, &raw, &body, Some("127.0.0.1")).await);
    assert_eq!(d.client_addr(), Some("203.0.113.7".parse().unwrap()));
    c.settle(true).await.unwrap();
}
