//! Opening Redis connections the way hookgate needs them: a `ConnectionManager`
//! that reconnects by itself, with short connection and response time-outs.

use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::backend;
use crate::idempotency::StoreError;

/// The `ConnectionManager` settings hookgate uses: 1 s to connect, 1 s per
/// response, reconnect attempts with a short back-off.
pub fn connection_config() -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(1)))
        .set_response_timeout(Some(Duration::from_secs(1)))
        .set_number_of_retries(2)
        .set_min_delay(Duration::from_millis(50))
        .set_max_delay(Duration::from_millis(500))
}

/// Connects to `url` (`redis://host:port/db`, `rediss://…`) with
/// [`connection_config`]. Fails if the server cannot be reached now; once
/// connected, the manager reconnects by itself after outages.
///
/// One connection is multiplexed: share it between a
/// [`RedisStore`](super::RedisStore) and a [`RedisJobRegistry`](super::RedisJobRegistry)
/// by cloning it.
pub async fn connect(url: &str) -> Result<ConnectionManager, StoreError> {
    let client = ::redis::Client::open(url).map_err(backend)?;
    ConnectionManager::new_with_config(client, connection_config())
        .await
        .map_err(backend)
}

/// Connects to a Redis Cluster through any of its nodes.
#[cfg(feature = "redis-cluster")]
pub async fn connect_cluster<I, T>(
    nodes: I,
) -> Result<::redis::cluster_async::ClusterConnection, StoreError>
where
    I: IntoIterator<Item = T>,
    T: ::redis::IntoConnectionInfo,
{
    ::redis::cluster::ClusterClientBuilder::new(nodes)
        .connection_timeout(Duration::from_secs(1))
        .response_timeout(Duration::from_secs(1))
        .build()
        .map_err(backend)?
        .get_async_connection()
        .await
        .map_err(backend)
}
