//! `X-Forwarded-For` and client-address resolution, and network lists.
//!
//! Properties:
//! - no header, peer or network list panics;
//! - an untrusted (or absent) peer is the answer (or none): its header is ignored;
//! - a resolved address other than the peer is only ever read behind a
//!   trusted peer, and is untrusted unless every hop is a trusted proxy;
//! - whatever a client writes to the left of the hop that resolved cannot
//!   change the answer (the forger controls only the left part);
//! - answers and `Networks::contains` treat IPv4-mapped IPv6 as IPv4.
#![no_main]

use std::net::{IpAddr, SocketAddr};

use arbitrary::Arbitrary;
use hookgate::adapter::{client_addr, HeaderList, Networks};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    peer: Option<IpAddr>,
    proxies: Vec<(IpAddr, u8)>,
    /// Arbitrary text to the network parser.
    list: String,
    /// Each X-Forwarded-For header: its hops.
    headers: Vec<Vec<Hop>>,
    /// What a forger writes to the left.
    forged: Vec<Hop>,
    /// Other headers, to show they are not read.
    noise: Vec<(String, Vec<u8>)>,
}

#[derive(Arbitrary, Debug)]
enum Hop {
    Addr(IpAddr),
    WithPort(IpAddr, u16),
    Bracketed(IpAddr),
    Padded(IpAddr, u8),
    Raw(Vec<u8>),
}

impl Hop {
    fn write(&self, out: &mut Vec<u8>) {
        match self {
            Self::Addr(ip) => out.extend_from_slice(ip.to_string().as_bytes()),
            Self::WithPort(ip, port) => {
                out.extend_from_slice(SocketAddr::new(*ip, *port).to_string().as_bytes())
            }
            Self::Bracketed(ip) => out.extend_from_slice(format!("[{ip}]").as_bytes()),
            Self::Padded(ip, n) => {
                let pad = " ".repeat(usize::from(n % 4));
                out.extend_from_slice(format!("{pad}{ip}{pad}").as_bytes())
            }
            Self::Raw(raw) => out.extend_from_slice(raw),
        }
    }
}

fn join(hops: &[Hop]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, hop) in hops.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        hop.write(&mut out);
    }
    out
}

fn list_of(values: &[Vec<u8>], noise: &[(String, Vec<u8>)]) -> HeaderList {
    let mut list = HeaderList::new();
    for (i, v) in values.iter().enumerate() {
        list = list.with(
            if i % 2 == 0 {
                "X-Forwarded-For"
            } else {
                "x-forwarded-for"
            },
            v,
        );
        if let Some((n, v)) = noise.get(i) {
            if !n.eq_ignore_ascii_case("x-forwarded-for") {
                list = list.with(n, v);
            }
        }
    }
    list
}

fuzz_target!(|input: Input| {
    let _ = Networks::parse(&input.list);
    let text = input
        .proxies
        .iter()
        .map(|(ip, len)| {
            let max = if ip.is_ipv4() { 33 } else { 129 };
            format!("{ip}/{}", len % max)
        })
        .collect::<Vec<_>>()
        .join(", ");
    let proxies = Networks::parse(&text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    assert_eq!(proxies.iter().count(), input.proxies.len());

    let values: Vec<Vec<u8>> = input.headers.iter().map(|h| join(h)).collect();
    let headers = list_of(&values, &input.noise);
    let got = client_addr(input.peer, &headers, &proxies);

    let Some(peer) = input.peer else {
        assert_eq!(got, None);
        return;
    };
    assert_eq!(
        proxies.contains(peer),
        proxies.contains(peer.to_canonical())
    );
    let peer = peer.to_canonical();
    if !proxies.contains(peer) {
        assert_eq!(got, Some(peer), "an untrusted peer's header was read");
        return;
    }
    let Some(client) = got else { return };
    assert_eq!(client, client.to_canonical(), "answers are canonical");
    if proxies.contains(client) {
        // Only when every hop is a trusted proxy: then adding hops to the
        // left may move it further, so no more to check.
        return;
    }
    // The forger's part, to the left of everything the proxies wrote: both as
    // an earlier header and prefixed to the first one.
    let forged = join(&input.forged);
    let mut earlier = vec![forged.clone()];
    earlier.extend(values.iter().cloned());
    assert_eq!(
        client_addr(Some(peer), &list_of(&earlier, &[]), &proxies),
        Some(client)
    );
    let mut prefixed = values.clone();
    match prefixed.first_mut() {
        Some(first) => {
            let mut v = forged;
            v.extend_from_slice(b", ");
            v.extend_from_slice(first);
            *first = v;
        }
        None => prefixed.push(forged),
    }
    assert_eq!(
        client_addr(Some(peer), &list_of(&prefixed, &[]), &proxies),
        Some(client)
    );
});
