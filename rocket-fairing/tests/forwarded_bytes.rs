//! Issue 17 item 7 on a real socket: behind a trusted proxy, an
//! `X-Forwarded-For` holding a byte that is not UTF-8 (the client's own
//! header, to which the proxy appended the client's address) is dropped by
//! Rocket, so the client address is unknown and `allowed_sources` answers
//! 403 — even though the proxy's own address is allowed. A client address
//! that cannot be read never becomes the proxy's.
//!
//! Rocket's local client cannot send such bytes (its headers are `str`), so
//! this launches the app on a loopback port and writes the request itself.

mod common;

use std::time::Duration;

use common::*;
use hookgate_rocket::{DirectPolicy, Receiver};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Direct mode whose one check is the source: the allowed client network and
/// the proxy itself (127.0.0.1, which is also the trusted proxy).
fn receiver() -> Receiver {
    Receiver::builder()
        .direct(DirectPolicy::new())
        .allowed_sources("203.0.113.0/24, 127.0.0.1/32")
        .trusted_proxies("127.0.0.1/32")
        .build()
        .unwrap()
}

/// Posts a job event to `port` with `xff` (raw bytes) as `X-Forwarded-For`,
/// or none; returns the status and the `code` of a refusal.
async fn post(port: u16, job: &str, xff: Option<&[u8]>) -> (u16, String) {
    let body = job_body(job, "Completed");
    let mut request = format!(
        "POST /hook HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n",
        body.len()
    )
    .into_bytes();
    if let Some(xff) = xff {
        request.extend_from_slice(b"X-Forwarded-For: ");
        request.extend_from_slice(xff);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"\r\n");
    request.extend_from_slice(body.as_bytes());
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("the app listens");
    stream.write_all(&request).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
        .await
        .expect("the app answers within 10 s")
        .unwrap();
    let text = String::from_utf8_lossy(&response);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {text:?}"));
    let code = text
        .split_once("\r\n\r\n")
        .and_then(|(_, body)| serde_json::from_str::<serde_json::Value>(body).ok())
        .and_then(|v| v["code"].as_str().map(str::to_owned))
        .unwrap_or_default();
    (status, code)
}

#[rocket::async_test]
async fn a_non_utf8_forwarded_for_behind_a_trusted_proxy_leaves_the_client_unknown() {
    let port = {
        let probe = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("a free loopback port");
        probe.local_addr().unwrap().port()
    };
    let figment = quiet()
        .merge(("address", "127.0.0.1"))
        .merge(("port", port))
        .merge(("ip_header", false));
    let rocket = app_with(figment, receiver())
        .ignite()
        .await
        .expect("the app ignites");
    let shutdown = rocket.shutdown();
    let server = tokio::spawn(rocket.launch());
    let started = std::time::Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the app did not listen on {port}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Readable: the right-most hop is the client, allowed or not.
    assert_eq!(
        post(port, "job_ok", Some(b"203.0.113.7")).await,
        (200, String::new())
    );
    assert_eq!(
        post(port, "job_other", Some(b"198.51.100.9")).await,
        (403, "source_not_allowed".to_owned())
    );
    // The client's own header carried bytes that are not UTF-8 and the proxy
    // appended the (allowed) client's address: Rocket drops the whole header,
    // so the client is unknown — never the proxy's allowed 127.0.0.1.
    for xff in [
        &b"\xff\xfe, 203.0.113.7"[..],
        b"203.0.113.7 \x80",
        b"\xc3\x28",
    ] {
        assert_eq!(
            post(port, "job_bytes", Some(xff)).await,
            (403, "source_not_allowed".to_owned()),
            "{}",
            String::from_utf8_lossy(xff)
        );
    }
    // No header at all behind the trusted proxy: unknown as well.
    assert_eq!(
        post(port, "job_none", None).await,
        (403, "source_not_allowed".to_owned())
    );

    shutdown.notify();
    let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
}
