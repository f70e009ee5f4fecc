//! Opening Redis connections the way hookgate needs them: a `ConnectionManager`
//! that reconnects by itself, with short connection and response time-outs.

use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::backend;
use super::version::check_reply;
use crate::idempotency::StoreError;

/// The `ConnectionManager` settings hookgate uses: 1 s to connect, 1 s per
/// response, two reconnect retries with a 50–500 ms back-off. A reconnection
/// thus gives up within a few seconds and the next call starts a new one; the
/// receiver's own per-call deadline bounds what a caller waits meanwhile.
pub fn connection_config() -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(1)))
        .set_response_timeout(Some(Duration::from_secs(1)))
        .set_number_of_retries(2)
        .set_min_delay(Duration::from_millis(50))
        .set_max_delay(Duration::from_millis(500))
}

/// Connects to `url` (`redis://[user:password@]host:port/db`) with
/// [`connection_config`] and checks that the server is Redis 7.0 or newer
/// ([`UnsupportedServer`](super::UnsupportedServer) otherwise; a user whose ACL
/// forbids `INFO` is not checked).
///
/// Fails if the server cannot be reached now, so a wrong `REDIS_URL` shows at
/// start-up; once connected, the manager reconnects by itself after outages.
/// To start while Redis may be down, use [`connect_lazy`].
///
/// One connection is multiplexed: share it between a
/// [`RedisStore`](super::RedisStore) and a [`RedisJobRegistry`](super::RedisJobRegistry)
/// by cloning it. `rediss://` (TLS) URLs need one of the `redis` crate's TLS
/// features enabled in the application.
pub async fn connect(url: &str) -> Result<ConnectionManager, StoreError> {
    let client = open(url)?;
    let target = target(&client);
    let fail = |e: ::redis::RedisError| StoreError::Connect {
        what: "Redis",
        target: target.clone(),
        source: Box::new(e),
    };
    let mut conn = ConnectionManager::new_with_config(client, connection_config())
        .await
        .map_err(fail)?;
    check_reply(
        ::redis::cmd("INFO")
            .arg("server")
            .query_async(&mut conn)
            .await,
    )
    .map_err(|e| match e {
        StoreError::Backend(source) => StoreError::Connect {
            what: "Redis",
            target: target.clone(),
            source,
        },
        other => other,
    })?;
    Ok(conn)
}

/// Parses `url`; a malformed one is a [`StoreError::Connect`] that does not
/// repeat the URL (it may hold a password).
fn open(url: &str) -> Result<::redis::Client, StoreError> {
    ::redis::Client::open(url).map_err(|e| StoreError::Connect {
        what: "Redis",
        target: "the configured URL (not shown: it may hold a password)".to_owned(),
        source: Box::new(e),
    })
}

/// Where `client` connects, without credentials: `redis://host:port/db`.
fn target(client: &::redis::Client) -> String {
    let info = client.get_connection_info();
    format!("{}/{}", node(info), info.redis_settings().db())
}

/// A node's address without credentials: `redis://host:port`.
fn node(info: &::redis::ConnectionInfo) -> String {
    let scheme = match info.addr() {
        ::redis::ConnectionAddr::TcpTls { .. } => "rediss",
        ::redis::ConnectionAddr::Unix(_) => "unix",
        _ => "redis",
    };
    format!("{scheme}://{}", info.addr())
}

/// Like [`connect`], but connects on first use: the application starts even
/// while Redis is down, and deliveries are answered 503 until it is up. Fails
/// only on a malformed `url`. The server's version is not checked.
pub fn connect_lazy(url: &str) -> Result<ConnectionManager, StoreError> {
    let client = open(url)?;
    ConnectionManager::new_lazy_with_config(client, connection_config()).map_err(backend)
}

/// Connects to a Redis Cluster through any of its nodes (`redis://host:port`
/// each), with 1 s connection and response time-outs, and checks that the node
/// it asks runs Redis 7.0 or newer. The connection follows slot moves and
/// reconnects to nodes by itself.
///
/// A failure is a [`StoreError::Connect`] naming Redis Cluster and the nodes'
/// URLs (without their passwords); a malformed URL is not repeated.
#[cfg(feature = "redis-cluster")]
pub async fn connect_cluster<I, T>(
    nodes: I,
) -> Result<::redis::cluster_async::ClusterConnection, StoreError>
where
    I: IntoIterator<Item = T>,
    T: ::redis::IntoConnectionInfo,
{
    use ::redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};

    const WHAT: &str = "Redis Cluster";
    let nodes = nodes
        .into_iter()
        .map(::redis::IntoConnectionInfo::into_connection_info)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StoreError::Connect {
            what: WHAT,
            target: "the configured URLs (not shown: they may hold a password)".to_owned(),
            source: Box::new(e),
        })?;
    let target = nodes.iter().map(node).collect::<Vec<_>>().join(", ");
    let fail = |source: Box<dyn std::error::Error + Send + Sync>| StoreError::Connect {
        what: WHAT,
        target: target.clone(),
        source,
    };
    let mut conn = ::redis::cluster::ClusterClientBuilder::new(nodes)
        .connection_timeout(Duration::from_secs(1))
        .response_timeout(Duration::from_secs(1))
        .build()
        .map_err(|e| fail(Box::new(e)))?
        .get_async_connection()
        .await
        .map_err(|e| fail(Box::new(e)))?;
    let mut info = ::redis::cmd("INFO");
    info.arg("server");
    let reply = conn
        .route_command(
            info,
            RoutingInfo::SingleNode(SingleNodeRoutingInfo::RandomPrimary),
        )
        .await
        .and_then(|v| ::redis::from_redis_value(v).map_err(::redis::RedisError::from));
    check_reply(reply).map_err(|e| match e {
        StoreError::Backend(source) => fail(source),
        other => other,
    })?;
    Ok(conn)
}
