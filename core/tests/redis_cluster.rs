//! The Redis backends against a real Redis Cluster: three masters started by
//! the test on free loopback ports (`redis-server --cluster-enabled yes` ×3 and
//! `redis-cli --cluster create`), torn down when the test ends, pass or fail.
#![cfg(feature = "redis-cluster")]

#[path = "redis_support.rs"]
mod support;

use std::time::Duration;

use hookgate::redis::{connect_cluster, ClusterConnection, RedisJobRegistry, RedisStore};
use hookgate::Receiver;

use hookgate::adapter::Admission;

use hookgate::store::{ClaimOutcome, ClaimToken, IdempotencyStore, JobRegistry};
use support::{admit, raw_command, redis_binaries, unique_prefix, RedisCluster, SECRET};

const IN_FLIGHT: Duration = Duration::from_secs(30);
const DONE: Duration = Duration::from_secs(28 * 3600);

/// How many keys each node holds (`DBSIZE`).
fn keys_per_node(cluster: &RedisCluster) -> Vec<u64> {
    cluster
        .ports()
        .into_iter()
        .map(|p| {
            let reply = raw_command(p, "DBSIZE").unwrap_or_default();
            reply
                .trim()
                .trim_start_matches(':')
                .parse()
                .unwrap_or_else(|_| panic!("DBSIZE on {p}: {reply:?}"))
        })
        .collect()
}

async fn claim_done_release(store: &RedisStore<ClusterConnection>, keys: &[String]) {
    for key in keys {
        let me = ClaimToken::random();
        let other = ClaimToken::random();
        assert_eq!(
            store.claim(key, me, IN_FLIGHT).await.unwrap(),
            ClaimOutcome::Fresh,
            "{key}"
        );
        assert_eq!(
            store.claim(key, other, IN_FLIGHT).await.unwrap(),
            ClaimOutcome::InFlight,
            "{key}"
        );
        assert!(!store.complete(key, other, DONE).await.unwrap(), "{key}");
        assert!(!store.renew(key, other, IN_FLIGHT).await.unwrap(), "{key}");
        assert!(!store.release(key, other).await.unwrap(), "{key}");
        assert!(store.renew(key, me, IN_FLIGHT).await.unwrap(), "{key}");
        assert!(store.complete(key, me, DONE).await.unwrap(), "{key}");
        assert_eq!(
            store.claim(key, other, IN_FLIGHT).await.unwrap(),
            ClaimOutcome::Done,
            "{key}"
        );
        assert!(!store.release(key, me).await.unwrap(), "{key}");
    }
    // Release: a failed handler frees the key for the retry.
    for key in keys {
        let key = format!("{key}:released");
        let me = ClaimToken::random();
        assert_eq!(
            store.claim(&key, me, IN_FLIGHT).await.unwrap(),
            ClaimOutcome::Fresh
        );
        assert!(store.release(&key, me).await.unwrap(), "{key}");
        assert_eq!(
            store
                .claim(&key, ClaimToken::random(), IN_FLIGHT)
                .await
                .unwrap(),
            ClaimOutcome::Fresh,
            "{key}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_done_and_release_work_on_a_three_master_cluster() {
    if !redis_binaries("redis_cluster") {
        return;
    }
    let cluster = RedisCluster::start();
    let conn = connect_cluster(cluster.urls())
        .await
        .expect("connect to the cluster");
    let prefix = unique_prefix("cluster");
    let store = RedisStore::new(conn.clone());

    // 60 deliveries: their keys spread over slots on every master.
    let keys: Vec<String> = (0..60).map(|i| format!("{prefix}msg:m{i}")).collect();
    claim_done_release(&store, &keys).await;
    let per_node = keys_per_node(&cluster);
    assert!(
        per_node.iter().all(|&n| n > 0),
        "keys did not spread over the masters: {per_node:?}"
    );
    assert_eq!(per_node.iter().sum::<u64>(), 120);

    // A store prefix stays outside the hash tag: same spread, no CROSSSLOT.
    let prefixed = RedisStore::new(conn.clone()).with_prefix("app:");
    claim_done_release(&prefixed, &keys[..10]).await;

    // 300 concurrent claims of one key: exactly one fresh.
    let key = format!("{prefix}msg:race");
    let mut tasks = Vec::new();
    for _ in 0..300 {
        let store = store.clone();
        let key = key.clone();
        tasks.push(tokio::spawn(async move {
            store.claim(&key, ClaimToken::random(), IN_FLIGHT).await
        }));
    }
    let mut fresh = 0;
    for t in tasks {
        match t.await.expect("task").expect("claim") {
            ClaimOutcome::Fresh => fresh += 1,
            ClaimOutcome::InFlight => {}
            ClaimOutcome::Done => panic!("nothing completed this key"),
        }
    }
    assert_eq!(fresh, 1);

    // Known jobs in the cluster.
    let jobs = RedisJobRegistry::new(conn.clone()).with_prefix(format!("{prefix}job:"));
    for i in 0..20 {
        jobs.register(&format!("job_{i}"), Duration::from_secs(60))
            .await
            .unwrap();
    }
    for i in 0..20 {
        assert!(jobs.is_known(&format!("job_{i}")).await.unwrap());
    }
    jobs.forget("job_3").await.unwrap();
    assert!(!jobs.is_known("job_3").await.unwrap());
    assert!(jobs.is_known("job_4").await.unwrap());

    // Through two receivers sharing the cluster.
    let replica = || {
        Receiver::builder()
            .secret(SECRET)
            .key_prefix(&prefix)
            .store(RedisStore::new(conn.clone()))
            .build()
            .expect("receiver")
    };
    let (a, b) = (replica(), replica());
    for i in 0..10 {
        let id = format!("msg_cluster_{i}");
        let Admission::Proceed(_, claim) = admit(&a, &id).await else {
            panic!("{id}: a fresh delivery must proceed");
        };
        let Admission::Respond(busy) = admit(&b, &id).await else {
            panic!("{id}: in flight on A, it must not proceed on B");
        };
        let busy = busy.to_answer();
        assert_eq!(busy.status(), 409);
        claim.settle(true).await.expect("done");
        let Admission::Respond(dup) = admit(&b, &id).await else {
            panic!("{id}: done on A, it must not proceed on B");
        };
        let dup = dup.to_answer();
        assert_eq!(dup.status(), 200);
    }
}

// Issue 20 item 1: a failed start-up names Redis Cluster and the nodes it
// tried (what `Error: {err:?}` prints), never their passwords. Nothing needs
// to run: the nodes are closed loopback ports.
#[tokio::test]
async fn connect_cluster_names_the_cluster_and_its_nodes_without_passwords() {
    let (a, b) = (support::free_port(), support::free_port());
    let started = std::time::Instant::now();
    let err = connect_cluster([
        format!("redis://hg:pa55word@127.0.0.1:{a}"),
        format!("redis://:pa55word@127.0.0.1:{b}"),
    ])
    .await
    .err()
    .expect("nothing listens there");
    assert!(
        matches!(
            err,
            hookgate::StoreError::Connect {
                what: "Redis Cluster",
                ..
            }
        ),
        "{err:#?}"
    );
    let shown = format!("{err:?}");
    assert!(
        shown.starts_with(&format!(
            "could not connect to Redis Cluster at redis://127.0.0.1:{a}, redis://127.0.0.1:{b}: "
        )),
        "{shown}"
    );
    assert!(!shown.contains("pa55word"), "{shown}");
    let malformed = connect_cluster(["redis://hg:pa55word@[::1/"]).await;
    let shown = format!("{:?}", malformed.err().expect("a malformed URL"));
    assert!(
        shown.starts_with("could not connect to Redis Cluster at the configured URLs"),
        "{shown}"
    );
    assert!(!shown.contains("pa55word"), "{shown}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}
