//! The TCP peer address of a request, from the connection (never from a header).

use std::net::{IpAddr, SocketAddr};

#[cfg(feature = "axum")]
use axum::extract::ConnectInfo;

/// The peer address of a request, set by the server in the request extensions:
/// axum's [`ConnectInfo<SocketAddr>`] (serve the app with
/// `into_make_service_with_connect_info::<SocketAddr>()`), or a plain
/// [`SocketAddr`] / [`PeerAddr`] extension that another tower stack inserts.
/// `None` when the server put none there (then `ALLOWED_IPS`-style checks
/// refuse, as the client address is unknown).
pub fn peer_ip(extensions: &http::Extensions) -> Option<IpAddr> {
    if let Some(PeerAddr(ip)) = extensions.get::<PeerAddr>() {
        return Some(*ip);
    }
    #[cfg(feature = "axum")]
    if let Some(ConnectInfo(addr)) = extensions.get::<ConnectInfo<SocketAddr>>() {
        return Some(addr.ip());
    }
    extensions.get::<SocketAddr>().map(SocketAddr::ip)
}

/// A peer address a server or an outer layer inserts into the request
/// extensions when it does not use axum's `ConnectInfo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub IpAddr);
