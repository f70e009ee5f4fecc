//! Queue mode on a real 3-master Redis Cluster (started by the test, torn
//! down when it ends): a sharded queue spreads its streams over the masters,
//! every script stays within one slot, and each delivery is handled once; the
//! retry, dead-letter and requeue scenarios hold there too.
#![cfg(feature = "redis-cluster")]

#[path = "redis_support.rs"]
mod support;

#[path = "queue_support.rs"]
mod queue_support;

use std::sync::Arc;
use std::time::Duration;

use hookgate::queue::QueueConfig;
use hookgate::redis::{connect_cluster, RedisQueue};
use queue_support::*;
use support::{raw_command, redis_binaries, RedisCluster};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sharded_queue_works_across_a_three_master_cluster() {
    if !redis_binaries("queue_cluster") {
        return;
    }
    let cluster = RedisCluster::start();
    let conn = connect_cluster(cluster.urls())
        .await
        .expect("connect to the cluster");
    let q = RedisQueue::new(conn).shards(6);
    let r = receiver(fast(QueueConfig::new(q.clone())));

    for i in 0..60 {
        assert_queued(&send(&r, &format!("msg_{i}"), "{}").await, "send");
    }
    assert_duplicate(&send(&r, "msg_7", "{}").await, "duplicate in the cluster");
    // The six shards' streams live on more than one master.
    let nodes_with_streams = cluster
        .ports()
        .into_iter()
        .filter(|&p| {
            (0..6).any(|s| {
                let key = q.stream_key(s);
                raw_command(p, &format!("EXISTS {key}")).is_some_and(|r| r.starts_with(":1"))
            })
        })
        .count();
    assert!(
        nodes_with_streams >= 2,
        "streams on {nodes_with_streams} node(s)"
    );

    let recorder = Arc::new(Recorder::default());
    let w = workers(&r, &recorder);
    recorder
        .wait_for(Duration::from_secs(20), "all 60 handled", |a| a.len() >= 60)
        .await;
    w.shutdown(Duration::from_secs(5)).await;
    let successes = recorder.successes();
    assert_eq!(successes.len(), 60);
    assert!(successes.values().all(|&n| n == 1), "{successes:?}");

    scenario_retry_with_backoff(&r, "msg_retry").await;
    scenario_dead_letter_then_requeue(&r, "msg_dead", false).await;
    scenario_forget_replays(&r, "msg_forget").await;
    let stats = r.queue_stats().await.unwrap();
    assert_eq!(
        stats.ready + stats.running + stats.scheduled + stats.dead,
        0,
        "{stats:?}"
    );
}
