//! `RedisStore` and `RedisJobRegistry` against the real, shared Redis at
//! `REDIS_URL` (default `redis://127.0.0.1:6379/`). Every test uses its own key
//! prefix, so tests (and runs) never see each other's keys.
#![cfg(feature = "redis")]

#[path = "redis_support.rs"]
mod support;

use std::time::Duration;

use hookgate::redis::{ConnectionManager, RedisJobRegistry, RedisStore};
use hookgate::{DirectPolicy, Receiver};

use hookgate::adapter::{Admission, Inbound};

use hookgate::store::{ClaimOutcome, ClaimToken, IdempotencyStore, JobRegistry};
use support::{admit, code, shared_redis, unique_prefix, SECRET};

const IN_FLIGHT: Duration = Duration::from_secs(30);
const DONE: Duration = Duration::from_secs(28 * 3600);

async fn pttl(conn: &ConnectionManager, key: &str) -> i64 {
    let mut conn = conn.clone();
    redis::cmd("PTTL")
        .arg(key)
        .query_async(&mut conn)
        .await
        .expect("PTTL")
}

async fn raw_get(conn: &ConnectionManager, key: &str) -> Option<String> {
    let mut conn = conn.clone();
    redis::cmd("GET")
        .arg(key)
        .query_async(&mut conn)
        .await
        .expect("GET")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thousand_concurrent_claims_of_one_key_give_exactly_one_fresh() {
    let Some(conn) = shared_redis("thousand_concurrent_claims").await else {
        return;
    };
    // Several connections, so claims really race on the server, not only in
    // one connection's queue.
    let mut stores = vec![RedisStore::new(conn)];
    for _ in 0..7 {
        stores.push(RedisStore::new(
            hookgate::redis::connect(&support::redis_url())
                .await
                .expect("connect"),
        ));
    }
    let key = format!("{}msg:race", unique_prefix("race"));
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(1000));
    let mut tasks = Vec::new();
    for i in 0..1000 {
        let store = stores[i % stores.len()].clone();
        let key = key.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let token = ClaimToken::random();
            (token, store.claim(&key, token, IN_FLIGHT).await)
        }));
    }
    // [fresh, in flight, done]
    let mut counts = [0usize; 3];
    let mut winner = None;
    for t in tasks {
        let (token, outcome) = t.await.expect("task");
        match outcome.expect("claim against a live Redis") {
            ClaimOutcome::Fresh => {
                winner = Some(token);
                counts[0] += 1;
            }
            ClaimOutcome::InFlight => counts[1] += 1,
            ClaimOutcome::Done => counts[2] += 1,
        }
    }
    assert_eq!(counts, [1, 999, 0], "[fresh, in flight, done]");
    // The one winner, and only it, owns the key.
    let winner = winner.expect("one winner");
    assert!(stores[0].complete(&key, winner, DONE).await.unwrap());
    assert_eq!(
        stores[1]
            .claim(&key, ClaimToken::random(), IN_FLIGHT)
            .await
            .unwrap(),
        ClaimOutcome::Done
    );
}

#[tokio::test]
async fn done_and_in_flight_answers_and_their_ttls() {
    let Some(conn) = shared_redis("done_and_in_flight").await else {
        return;
    };
    let store = RedisStore::new(conn.clone()).with_prefix(unique_prefix("answers"));
    let key = "hookgate:msg:m1";
    let redis_key = store.redis_key(key);
    assert!(redis_key.ends_with("{hookgate:msg:m1}"), "{redis_key}");

    let me = ClaimToken::random();
    assert_eq!(
        store.claim(key, me, IN_FLIGHT).await.unwrap(),
        ClaimOutcome::Fresh
    );
    let ttl = pttl(&conn, &redis_key).await;
    assert!((25_000..=30_000).contains(&ttl), "in-flight PTTL {ttl}");
    assert_eq!(raw_get(&conn, &redis_key).await, Some(format!("f:{me}")));
    // A second claim, by anyone, while in flight.
    assert_eq!(
        store
            .claim(key, ClaimToken::random(), IN_FLIGHT)
            .await
            .unwrap(),
        ClaimOutcome::InFlight
    );
    // The in-flight claim was not overwritten or extended by the losing claim.
    assert_eq!(raw_get(&conn, &redis_key).await, Some(format!("f:{me}")));

    assert!(store.complete(key, me, DONE).await.unwrap());
    let ttl = pttl(&conn, &redis_key).await;
    let done_ms = i64::try_from(DONE.as_millis()).unwrap();
    assert!(
        (done_ms - 60_000..=done_ms).contains(&ttl),
        "done PTTL {ttl}"
    );
    for _ in 0..3 {
        assert_eq!(
            store
                .claim(key, ClaimToken::random(), IN_FLIGHT)
                .await
                .unwrap(),
            ClaimOutcome::Done
        );
    }
    // Once done, the owner can neither release nor renew it, nor complete twice.
    assert!(!store.release(key, me).await.unwrap());
    assert!(!store.renew(key, me, IN_FLIGHT).await.unwrap());
    assert!(!store.complete(key, me, DONE).await.unwrap());
    assert_eq!(
        store.claim(key, me, IN_FLIGHT).await.unwrap(),
        ClaimOutcome::Done
    );
}

#[tokio::test]
async fn a_wrong_token_cannot_complete_renew_or_release() {
    let Some(conn) = shared_redis("wrong_token").await else {
        return;
    };
    let store = RedisStore::new(conn.clone()).with_prefix(unique_prefix("owner"));
    let key = "hookgate:msg:owned";
    let owner = ClaimToken::random();
    let intruder = ClaimToken::random();

    // Nothing to complete, renew or release on an absent key.
    assert!(!store.complete(key, owner, DONE).await.unwrap());
    assert!(!store.renew(key, owner, IN_FLIGHT).await.unwrap());
    assert!(!store.release(key, owner).await.unwrap());
    assert_eq!(raw_get(&conn, &store.redis_key(key)).await, None);

    assert_eq!(
        store
            .claim(key, owner, Duration::from_secs(5))
            .await
            .unwrap(),
        ClaimOutcome::Fresh
    );
    assert!(!store.complete(key, intruder, DONE).await.unwrap());
    assert!(!store.renew(key, intruder, IN_FLIGHT).await.unwrap());
    assert!(!store.release(key, intruder).await.unwrap());
    assert_eq!(
        raw_get(&conn, &store.redis_key(key)).await,
        Some(format!("f:{owner}"))
    );
    assert!(pttl(&conn, &store.redis_key(key)).await <= 5_000);

    // The owner can renew (the TTL grows), then release: the key is free again.
    assert!(store.renew(key, owner, IN_FLIGHT).await.unwrap());
    assert!(pttl(&conn, &store.redis_key(key)).await > 25_000);
    assert!(store.release(key, owner).await.unwrap());
    assert_eq!(raw_get(&conn, &store.redis_key(key)).await, None);
    assert!(!store.release(key, owner).await.unwrap());
    assert_eq!(
        store.claim(key, intruder, IN_FLIGHT).await.unwrap(),
        ClaimOutcome::Fresh
    );
    // The former owner's token no longer counts.
    assert!(!store.complete(key, owner, DONE).await.unwrap());
    assert!(store.complete(key, intruder, DONE).await.unwrap());
}

#[tokio::test]
async fn an_in_flight_claim_expires_by_itself() {
    let Some(conn) = shared_redis("expiry").await else {
        return;
    };
    let store = RedisStore::new(conn).with_prefix(unique_prefix("expiry"));
    let key = "hookgate:msg:crashed-worker";
    let crashed = ClaimToken::random();
    let ttl = Duration::from_secs(1);
    assert_eq!(
        store.claim(key, crashed, ttl).await.unwrap(),
        ClaimOutcome::Fresh
    );
    assert_eq!(
        store.claim(key, ClaimToken::random(), ttl).await.unwrap(),
        ClaimOutcome::InFlight
    );
    // The worker never settles; the claim lapses and the retry is processed.
    let mut fresh = false;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if store.claim(key, ClaimToken::random(), ttl).await.unwrap() == ClaimOutcome::Fresh {
            fresh = true;
            break;
        }
    }
    assert!(fresh, "the in-flight claim did not expire within 3 s");
    // A late completion by the crashed worker cannot overwrite the new claim.
    assert!(!store.complete(key, crashed, DONE).await.unwrap());

    // A done marker also expires with its own TTL.
    let done_key = "hookgate:msg:short-done";
    let me = ClaimToken::random();
    store.claim(done_key, me, IN_FLIGHT).await.unwrap();
    assert!(store
        .complete(done_key, me, Duration::from_millis(200))
        .await
        .unwrap());
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        store
            .claim(done_key, ClaimToken::random(), IN_FLIGHT)
            .await
            .unwrap(),
        ClaimOutcome::Fresh
    );
}

#[tokio::test]
async fn a_foreign_value_is_an_error_never_a_duplicate() {
    let Some(conn) = shared_redis("foreign_value").await else {
        return;
    };
    let store = RedisStore::new(conn.clone()).with_prefix(unique_prefix("foreign"));
    let key = "hookgate:msg:foreign";
    let mut raw = conn.clone();
    let _: () = redis::cmd("SET")
        .arg(store.redis_key(key))
        .arg("not-hookgate")
        .arg("PX")
        .arg(60_000)
        .query_async(&mut raw)
        .await
        .unwrap();
    let err = store
        .claim(key, ClaimToken::random(), IN_FLIGHT)
        .await
        .expect_err("a value hookgate did not write is not a claim outcome");
    assert!(
        matches!(err, hookgate::StoreError::UnexpectedReply(_)),
        "{err:?}"
    );
}

#[tokio::test]
async fn job_registry_registers_checks_forgets_and_expires() {
    let Some(conn) = shared_redis("job_registry").await else {
        return;
    };
    let jobs = RedisJobRegistry::new(conn.clone()).with_prefix(unique_prefix("jobs"));
    assert!(!jobs.is_known("job_1").await.unwrap());
    jobs.register("job_1", Duration::from_secs(60))
        .await
        .unwrap();
    assert!(jobs.is_known("job_1").await.unwrap());
    assert!(!jobs.is_known("job_2").await.unwrap());
    let key = jobs.redis_key("job_1");
    assert!(key.ends_with("{job_1}"), "{key}");
    let ttl = pttl(&conn, &key).await;
    assert!((55_000..=60_000).contains(&ttl), "job PTTL {ttl}");
    // Registering again refreshes the TTL.
    jobs.register("job_1", Duration::from_secs(3600))
        .await
        .unwrap();
    assert!(pttl(&conn, &key).await > 3_500_000);
    jobs.forget("job_1").await.unwrap();
    assert!(!jobs.is_known("job_1").await.unwrap());
    // Forgetting an unknown job is fine.
    jobs.forget("job_never").await.unwrap();

    jobs.register("job_short", Duration::from_secs(1))
        .await
        .unwrap();
    assert!(jobs.is_known("job_short").await.unwrap());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(!jobs.is_known("job_short").await.unwrap());

    // The default prefix is documented and used.
    assert_eq!(
        RedisJobRegistry::new(conn).redis_key("j"),
        "hookgate:known-job:{j}"
    );
}

fn replica(conn: &ConnectionManager, prefix: &str) -> Receiver {
    // Each replica has its own store object; they share only Redis.
    Receiver::builder()
        .secret(SECRET)
        .key_prefix(prefix)
        .store(RedisStore::new(conn.clone()))
        .build()
        .expect("receiver")
}

#[tokio::test]
async fn two_receivers_sharing_redis_see_each_others_deliveries() {
    let Some(conn) = shared_redis("two_receivers").await else {
        return;
    };
    let second = hookgate::redis::connect(&support::redis_url())
        .await
        .expect("connect");
    let prefix = unique_prefix("replicas");
    let a = replica(&conn, &prefix);
    let b = replica(&second, &prefix);

    // Admitted on A, still running: B answers 409 in flight with Retry-After.
    let Admission::Proceed(delivery, claim) = admit(&a, "msg_shared").await else {
        panic!("the first delivery must proceed");
    };
    assert_eq!(delivery.message_id(), Some("msg_shared"));
    let Admission::Respond(answer) = admit(&b, "msg_shared").await else {
        panic!("a delivery in flight on A must not proceed on B");
    };
    let answer = answer.to_answer();
    assert_eq!(answer.status(), 409);
    assert_eq!(code(&answer), "in_flight");
    assert!(answer.retry_after().is_some());

    // A's handler succeeds: B now answers 200 duplicate, without the handler.
    claim.settle(true).await.expect("done marker written");
    let Admission::Respond(answer) = admit(&b, "msg_shared").await else {
        panic!("a processed delivery must not proceed again");
    };
    let answer = answer.to_answer();
    assert_eq!(answer.status(), 200);
    assert_eq!(
        answer.body().as_ref(),
        br#"{"received":true,"duplicate":true}"#
    );
    assert_eq!(answer.retry_after(), None);
    let Admission::Respond(answer) = admit(&a, "msg_shared").await else {
        panic!("a processed delivery must not proceed again on A either");
    };
    let answer = answer.to_answer();
    assert_eq!(answer.status(), 200);

    // A's handler fails: the claim is released and B processes the retry.
    let Admission::Proceed(_, claim) = admit(&a, "msg_failing").await else {
        panic!("a new delivery must proceed");
    };
    claim.settle(false).await.expect("release");
    let Admission::Proceed(_, claim) = admit(&b, "msg_failing").await else {
        panic!("the retry of a failed delivery must proceed on B");
    };
    // A claim dropped unsettled (a panicking handler) releases itself too.
    drop(claim);
    let mut proceeded = false;
    for _ in 0..100 {
        match admit(&a, "msg_failing").await {
            Admission::Proceed(_, claim) => {
                claim.settle(true).await.expect("done");
                proceeded = true;
                break;
            }
            Admission::Respond(answer) => assert_eq!(answer.status(), 409),
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(proceeded, "a dropped claim was not released within 2.5 s");
}

#[tokio::test]
async fn direct_mode_known_jobs_live_in_redis() {
    let Some(conn) = shared_redis("direct_known_jobs").await else {
        return;
    };
    let prefix = unique_prefix("direct");
    let build = || {
        Receiver::builder()
            .direct(DirectPolicy::new().known_jobs(true))
            .key_prefix(&prefix)
            .store(RedisStore::new(conn.clone()))
            .job_registry(RedisJobRegistry::new(conn.clone()).with_prefix(format!("{prefix}job:")))
            .build()
            .expect("receiver")
    };
    let (a, b) = (build(), build());
    let deliver = |r: &Receiver, status: &str| {
        let body = format!(r#"{{"status":"{status}","job_id":"job_7","metadata":{{}}}}"#);
        let r = r.clone();
        async move {
            r.admit(Inbound {
                headers: &hookgate::adapter::HeaderList::new(),
                body: body.into_bytes().into(),
                peer: None,
            })
            .await
        }
    };
    let Admission::Respond(answer) = deliver(&b, "Completed").await else {
        panic!("an unknown job must be refused");
    };
    let answer = answer.to_answer();
    assert_eq!(answer.status(), 404);

    // Registered through A, known to B.
    a.register_job("job_7").await.expect("register");
    let Admission::Proceed(_, claim) = deliver(&b, "Completed").await else {
        panic!("a job registered on another replica must be known");
    };
    claim.settle(true).await.expect("done");
    // The final status was processed: the job is forgotten everywhere, and
    // its completion is remembered as done.
    let jobs = RedisJobRegistry::new(conn.clone()).with_prefix(format!("{prefix}job:"));
    assert!(!jobs.is_known("job_7").await.unwrap());
    // A retry of the processed completion is a duplicate on any replica…
    let Admission::Respond(answer) = deliver(&a, "Completed").await else {
        panic!("a retry of a processed delivery must not proceed");
    };
    let answer = answer.to_answer();
    assert_eq!(answer.status(), 200);
    // …while a new event for the forgotten job is refused.
    let Admission::Respond(answer) = deliver(&a, "Failed").await else {
        panic!("a forgotten job's new delivery must not proceed");
    };
    let answer = answer.to_answer();
    assert_eq!(answer.status(), 404);
}

#[tokio::test]
async fn connect_checks_the_server_and_fails_fast_when_nothing_listens() {
    let Some(_conn) = shared_redis("connect").await else {
        return;
    };
    let port = support::free_port();
    let started = std::time::Instant::now();
    let result = hookgate::redis::connect(&format!("redis://hg:pa55word@127.0.0.1:{port}/3")).await;
    let err = result.expect_err("connecting to a closed port must fail");
    assert!(
        matches!(err, hookgate::StoreError::Connect { what: "Redis", .. }),
        "{err:#?}"
    );
    // What a failed start-up prints (`Error: {err:?}`): Redis, where, why —
    // and never the password.
    let shown = format!("{err:?}");
    assert!(
        shown.starts_with(&format!(
            "could not connect to Redis at redis://127.0.0.1:{port}/3: "
        )),
        "{shown}"
    );
    assert!(!shown.contains("pa55word"), "{shown}");
    let malformed = hookgate::redis::connect("redis://hg:pa55word@[::1/").await;
    let shown = format!("{:?}", malformed.expect_err("a malformed URL"));
    assert!(shown.contains("could not connect to Redis"), "{shown}");
    assert!(!shown.contains("pa55word"), "{shown}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "connect took {:?}",
        started.elapsed()
    );
    // A lazy connection is created at once; its calls fail until a server is up.
    let lazy = hookgate::redis::connect_lazy(&format!("redis://127.0.0.1:{port}/"))
        .expect("a well-formed URL");
    let store = RedisStore::new(lazy);
    assert!(store
        .claim("k", ClaimToken::random(), IN_FLIGHT)
        .await
        .is_err());
    assert!(hookgate::redis::connect_lazy("not a url").is_err());
}

/// Per-tenant keys over the Redis store: one message id sent to two tenants
/// is processed once for each (the dedupe key holds the tenant), and its
/// retry is a duplicate within each.
#[tokio::test]
async fn a_message_id_is_deduplicated_per_tenant_in_redis() {
    let Some(conn) = shared_redis("per_tenant_dedupe").await else {
        return;
    };
    let ring = hookgate::signing::KeyRing::parse(SECRET).unwrap();
    let keys = std::collections::HashMap::from([
        ("acme".to_owned(), ring.clone()),
        ("globex".to_owned(), ring),
    ]);
    let receiver = Receiver::builder()
        .verifier(hookgate::verify::Tenants::new(
            keys,
            hookgate::verify::TenantFrom::Header("x-tenant".into()),
        ))
        .store(RedisStore::new(conn).with_prefix(unique_prefix("tenants")))
        .build()
        .unwrap();
    let id = format!("m_{}", unique_prefix("tenant_id"));
    let send = |tenant: &'static str| {
        let (headers, body) = support::signed_delivery(&id);
        let headers = headers.with("x-tenant", tenant);
        let receiver = receiver.clone();
        async move {
            match receiver
                .admit(Inbound {
                    headers: &headers,
                    body: body.into(),
                    peer: None,
                })
                .await
            {
                Admission::Proceed(_, claim) => {
                    claim.settle(true).await.unwrap();
                    "processed".to_owned()
                }
                Admission::Respond(outcome) => outcome.code().to_owned(),
            }
        }
    };
    for tenant in ["acme", "globex"] {
        assert_eq!(send(tenant).await, "processed", "{tenant}");
    }
    for tenant in ["acme", "globex"] {
        assert_eq!(send(tenant).await, "duplicate", "{tenant}");
    }
}
