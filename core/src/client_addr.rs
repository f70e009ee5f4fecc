//! Which address a request comes from, and whether that source is allowed.
//!
//! The client address is the TCP peer, unless the peer is a trusted proxy: then
//! `X-Forwarded-For` is read from the right, skipping addresses that are
//! themselves trusted proxies, and the first address that is not one is the
//! client. A header sent by an untrusted peer is ignored, so a forger cannot
//! choose the address hookgate sees.

use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;

use crate::headers::HeaderLookup;

/// A list of networks (CIDR, or bare addresses meaning a single host).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Networks(Vec<IpNet>);

/// A CIDR that did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a CIDR network or IP address (e.g. `10.0.0.0/8`, `2001:db8::/32`, `192.0.2.7`)")]
pub struct InvalidNetwork {
    /// The value as given.
    pub value: String,
}

impl Networks {
    /// An empty list (matches nothing).
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses networks separated by commas or white space.
    ///
    /// ```
    /// let nets = hookgate::adapter::Networks::parse("10.0.0.0/8, 192.0.2.7").unwrap();
    /// assert!(nets.contains("10.1.2.3".parse().unwrap()));
    /// assert!(nets.contains("192.0.2.7".parse().unwrap()));
    /// assert!(!nets.contains("192.0.2.8".parse().unwrap()));
    /// ```
    pub fn parse(list: &str) -> Result<Self, InvalidNetwork> {
        list.split(|c: char| c == ',' || c.is_ascii_whitespace())
            .filter(|p| !p.is_empty())
            .map(parse_one)
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    /// Adds one network.
    pub fn push(&mut self, net: IpNet) {
        self.0.push(net);
    }

    /// The networks.
    pub fn iter(&self) -> impl Iterator<Item = IpNet> + '_ {
        self.0.iter().copied()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `addr` falls in any network (IPv4-mapped IPv6 addresses count as
    /// their IPv4 address).
    pub fn contains(&self, addr: IpAddr) -> bool {
        let addr = addr.to_canonical();
        self.0.iter().any(|n| n.contains(&addr))
    }
}

fn parse_one(part: &str) -> Result<IpNet, InvalidNetwork> {
    IpNet::from_str(part)
        .or_else(|_| IpAddr::from_str(part).map(IpNet::from))
        .map_err(|_| InvalidNetwork {
            value: part.to_owned(),
        })
}

impl Extend<IpNet> for Networks {
    fn extend<T: IntoIterator<Item = IpNet>>(&mut self, iter: T) {
        self.0.extend(iter);
    }
}

impl FromIterator<IpNet> for Networks {
    fn from_iter<T: IntoIterator<Item = IpNet>>(iter: T) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// Resolves the client address of a request. Returns `None` when it cannot be
/// known: no peer address, a malformed `X-Forwarded-For` entry where the
/// client would be, or a trusted peer whose `X-Forwarded-For` names no
/// untrusted hop (absent, unreadable, or only trusted proxies). A client
/// address that cannot be read never becomes a trusted proxy's address.
///
/// ```
/// use hookgate::adapter::{client_addr, HeaderList, Networks};
/// let proxies = Networks::parse("10.0.0.0/8").unwrap();
/// let h = HeaderList::new().with("X-Forwarded-For", "203.0.113.9, 10.0.0.2");
/// // Trusted peer: the right-most untrusted entry is the client.
/// assert_eq!(client_addr(Some("10.0.0.1".parse().unwrap()), &h, &proxies),
///            Some("203.0.113.9".parse().unwrap()));
/// // Untrusted peer: the header is ignored.
/// assert_eq!(client_addr(Some("198.51.100.1".parse().unwrap()), &h, &proxies),
///            Some("198.51.100.1".parse().unwrap()));
/// ```
pub fn client_addr(
    peer: Option<IpAddr>,
    headers: &dyn HeaderLookup,
    trusted_proxies: &Networks,
) -> Option<IpAddr> {
    let peer = peer?.to_canonical();
    if !trusted_proxies.contains(peer) {
        return Some(peer);
    }
    // Every hop of every X-Forwarded-For header, in the order received.
    let mut hops: Vec<Option<IpAddr>> = Vec::new();
    headers.each("x-forwarded-for", &mut |value| {
        for part in value.split(|b| *b == b',') {
            let text = std::str::from_utf8(part).ok().map(str::trim);
            hops.push(text.and_then(parse_hop));
        }
    });
    for hop in hops.into_iter().rev() {
        match hop {
            // Malformed entry where the client should be: the address is unknown.
            None => return None,
            Some(addr) if trusted_proxies.contains(addr) => {}
            Some(addr) => return Some(addr),
        }
    }
    // No untrusted hop: the header is absent, was dropped (Rocket drops a
    // header holding a non-UTF-8 byte), or names only trusted proxies. The
    // client is unknown; a trusted proxy's own address is never taken for it.
    None
}

/// Parses one `X-Forwarded-For` entry: an IP, optionally with a port, IPv6
/// optionally in brackets.
fn parse_hop(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = IpAddr::from_str(text) {
        return Some(ip.to_canonical());
    }
    if let Ok(sock) = std::net::SocketAddr::from_str(text) {
        return Some(sock.ip().to_canonical());
    }
    let inner = text.strip_prefix('[')?.strip_suffix(']')?;
    IpAddr::from_str(inner).ok().map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headers::HeaderList;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn invalid_network_reports_value() {
        let err = Networks::parse("10.0.0.0/8, nonsense").unwrap_err();
        assert_eq!(err.value, "nonsense");
        assert!(Networks::parse("10.0.0.0/33").is_err());
    }

    #[test]
    fn untrusted_peer_header_ignored() {
        let proxies = Networks::parse("10.0.0.0/8").unwrap();
        let h = HeaderList::new().with("x-forwarded-for", "1.2.3.4");
        assert_eq!(
            client_addr(Some(ip("8.8.8.8")), &h, &proxies),
            Some(ip("8.8.8.8"))
        );
        assert_eq!(client_addr(None, &h, &proxies), None);
    }

    #[test]
    fn chain_of_trusted_proxies_is_skipped() {
        let proxies = Networks::parse("10.0.0.0/8, 192.168.0.0/16").unwrap();
        // attacker-supplied left part is ignored: the right-most untrusted wins.
        let h = HeaderList::new()
            .with("x-forwarded-for", "6.6.6.6, 203.0.113.5")
            .with("X-Forwarded-For", "192.168.1.1, 10.9.9.9");
        assert_eq!(
            client_addr(Some(ip("10.0.0.1")), &h, &proxies),
            Some(ip("203.0.113.5"))
        );
    }

    #[test]
    fn all_trusted_and_missing_header() {
        let proxies = Networks::parse("10.0.0.0/8").unwrap();
        let h = HeaderList::new().with("x-forwarded-for", "10.1.1.1, 10.2.2.2");
        // Item 7 of issue 17: only trusted hops, or none, is an unknown
        // client, never a trusted proxy's address (before: 10.1.1.1 and the
        // proxy itself).
        assert_eq!(client_addr(Some(ip("10.0.0.1")), &h, &proxies), None);
        assert_eq!(
            client_addr(Some(ip("10.0.0.1")), &HeaderList::new(), &proxies),
            None
        );
    }

    #[test]
    fn malformed_hop_means_unknown() {
        let proxies = Networks::parse("10.0.0.0/8").unwrap();
        let h = HeaderList::new().with("x-forwarded-for", "1.2.3.4, garbage");
        assert_eq!(client_addr(Some(ip("10.0.0.1")), &h, &proxies), None);
        let h = HeaderList::new().with("x-forwarded-for", "[2001:db8::1]:443, 1.2.3.4:80");
        assert_eq!(
            client_addr(Some(ip("10.0.0.1")), &h, &proxies),
            Some(ip("1.2.3.4"))
        );
    }

    #[test]
    fn mapped_ipv6_peer_is_ipv4() {
        let proxies = Networks::parse("127.0.0.0/8").unwrap();
        let h = HeaderList::new().with("x-forwarded-for", "203.0.113.1");
        assert_eq!(
            client_addr(Some(ip("::ffff:127.0.0.1")), &h, &proxies),
            Some(ip("203.0.113.1"))
        );
        assert!(Networks::parse("192.0.2.0/24")
            .unwrap()
            .contains(ip("::ffff:192.0.2.3")));
    }
}
