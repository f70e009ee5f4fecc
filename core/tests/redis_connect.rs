//! Connecting as a restricted Redis user (ACL), on a private `redis-server`
//! of this test: a user that may not run `INFO` still connects (the version
//! check is skipped, not failed), and a user that may not write gets 503
//! `store_unavailable`, never a duplicate.
#![cfg(feature = "redis")]

#[path = "redis_support.rs"]
mod support;

use std::time::Duration;

use hookgate::redis::{connect, RedisJobRegistry, RedisStore};
use hookgate::Receiver;

use hookgate::adapter::Admission;

use hookgate::store::{ClaimOutcome, ClaimToken, IdempotencyStore, JobRegistry};
use support::{admit, code, raw_command, redis_binaries, RedisServer, SECRET};

const IN_FLIGHT: Duration = Duration::from_secs(30);
const DONE: Duration = Duration::from_secs(3600);

fn add_user(server: &RedisServer, rules: &str) {
    let reply = raw_command(server.port(), &format!("ACL SETUSER {rules}"));
    assert_eq!(
        reply.as_deref().map(str::trim),
        Some("+OK"),
        "ACL SETUSER {rules}"
    );
}

#[tokio::test]
async fn a_user_without_info_connects_and_claims() {
    if !redis_binaries("acl_without_info") {
        return;
    }
    let server = RedisServer::start();
    add_user(&server, "hg on >secret-pw ~* +@all -info");
    let url = format!("redis://hg:secret-pw@127.0.0.1:{}/", server.port());
    let conn = connect(&url)
        .await
        .expect("INFO refused must not stop connect");

    // The user really may not run INFO.
    let mut raw = conn.clone();
    let info: redis::RedisResult<String> = redis::cmd("INFO").query_async(&mut raw).await;
    assert!(info.is_err(), "INFO must be refused to this user");

    let store = RedisStore::new(conn.clone());
    let me = ClaimToken::random();
    assert_eq!(
        store.claim("k1", me, IN_FLIGHT).await.unwrap(),
        ClaimOutcome::Fresh
    );
    assert!(store.renew("k1", me, IN_FLIGHT).await.unwrap());
    assert!(store.complete("k1", me, DONE).await.unwrap());
    assert_eq!(
        store
            .claim("k1", ClaimToken::random(), IN_FLIGHT)
            .await
            .unwrap(),
        ClaimOutcome::Done
    );
    let other = ClaimToken::random();
    store.claim("k2", other, IN_FLIGHT).await.unwrap();
    assert!(store.release("k2", other).await.unwrap());

    let jobs = RedisJobRegistry::new(conn);
    jobs.register("job_acl", Duration::from_secs(60))
        .await
        .unwrap();
    assert!(jobs.is_known("job_acl").await.unwrap());

    // A wrong password is refused at connect.
    let wrong = format!("redis://hg:wrong@127.0.0.1:{}/", server.port());
    assert!(connect(&wrong).await.is_err());
}

#[tokio::test]
async fn a_user_refused_writes_gets_503_never_a_duplicate() {
    if !redis_binaries("acl_read_only") {
        return;
    }
    let server = RedisServer::start();
    add_user(&server, "reader on >pw ~* +@all -@write -@scripting");
    let conn = connect(&format!("redis://reader:pw@127.0.0.1:{}/", server.port()))
        .await
        .expect("connect");
    let receiver = Receiver::builder()
        .secret(SECRET)
        .store(RedisStore::new(conn))
        .build()
        .expect("receiver");
    for _ in 0..2 {
        match admit(&receiver, "msg_refused").await {
            Admission::Respond(outcome) => {
                let answer = outcome.to_answer();
                assert_eq!(answer.status(), 503, "{answer:?}");
                assert_eq!(code(&answer), "store_unavailable");
                assert!(answer.retry_after().is_some());
            }
            Admission::Proceed(..) => panic!("a claim Redis refused must not proceed"),
        }
    }
}
