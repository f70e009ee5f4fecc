//! `ALLOWED_IPS` and `TRUSTED_PROXIES` with real source addresses: the sender,
//! a stranger and a proxy each in their own network namespace (see
//! `hookgate_conformance::Lab`), the example receiver in a fourth, for all
//! three adapters. Requests are sent with `curl` from inside the namespaces.
//!
//! Skipped with a printed reason where namespaces cannot be created (not root,
//! no iproute2); under `CI=true` that fails instead.

use std::net::SocketAddr;
use std::path::Path;

use hookgate_conformance::{
    unique_id, Host, Lab, ReceiverProcess, PROXY, RECEIVER_FOR_PROXY, RECEIVER_FOR_SENDER,
    RECEIVER_FOR_STRANGER, SENDER, SENDER_VIA_PROXY, STRANGER_VIA_PROXY,
};

/// One request and what the receiver must answer.
struct Case {
    what: &'static str,
    from: Host,
    /// Straight to the receiver, or through the proxy.
    via_proxy: bool,
    forwarded_for: Option<String>,
    status: u16,
}

async fn run_source_cases(adapter: &str, bin: &Path) {
    let test = format!("{adapter}_source_addresses");
    let Some(lab) = Lab::create_or_skip(&test) else {
        return;
    };
    let env = vec![
        ("WEBHOOK_MODE".to_owned(), "direct".to_owned()),
        ("BIND".to_owned(), "0.0.0.0:0".to_owned()),
        (
            "ALLOWED_IPS".to_owned(),
            format!("{SENDER}/32, {SENDER_VIA_PROXY}/32"),
        ),
        ("TRUSTED_PROXIES".to_owned(), format!("{PROXY}/32")),
    ];
    let receiver = ReceiverProcess::start_via(&lab.exec_prefix(Host::Receiver), bin, &env)
        .await
        .unwrap_or_else(|e| panic!("{test}: the receiver does not start in its namespace: {e}"));
    let port = receiver.addr().port();
    let proxy = lab
        .start_proxy(SocketAddr::new(RECEIVER_FOR_PROXY, port))
        .unwrap_or_else(|e| panic!("{test}: {e}"));
    let direct_url = |from: Host| {
        let ip = match from {
            Host::Stranger => RECEIVER_FOR_STRANGER,
            Host::Proxy => RECEIVER_FOR_PROXY,
            _ => RECEIVER_FOR_SENDER,
        };
        format!("http://{ip}:{port}")
    };

    let cases = [
        Case {
            what: "a direct delivery from an allowed address",
            from: Host::Sender,
            via_proxy: false,
            forwarded_for: None,
            status: 200,
        },
        Case {
            what: "a direct delivery from an address outside ALLOWED_IPS",
            from: Host::Stranger,
            via_proxy: false,
            forwarded_for: None,
            status: 403,
        },
        Case {
            what: "an untrusted host claiming an allowed address in X-Forwarded-For",
            from: Host::Stranger,
            via_proxy: false,
            forwarded_for: Some(SENDER.to_string()),
            status: 403,
        },
        Case {
            what: "the allowed sender through the trusted proxy (which appends its address)",
            from: Host::Sender,
            via_proxy: true,
            forwarded_for: None,
            status: 200,
        },
        Case {
            what: "the allowed sender through the proxy, with a made-up left part",
            from: Host::Sender,
            via_proxy: true,
            forwarded_for: Some("203.0.113.9".to_owned()),
            status: 200,
        },
        Case {
            what: "a stranger through the proxy, claiming the sender's address",
            from: Host::Stranger,
            via_proxy: true,
            forwarded_for: Some(SENDER_VIA_PROXY.to_string()),
            status: 403,
        },
        Case {
            what: "the trusted proxy itself (not an allowed source)",
            from: Host::Proxy,
            via_proxy: false,
            forwarded_for: None,
            status: 403,
        },
        Case {
            what: "the trusted proxy forwarding for the stranger",
            from: Host::Proxy,
            via_proxy: false,
            forwarded_for: Some(STRANGER_VIA_PROXY.to_string()),
            status: 403,
        },
        Case {
            what: "the trusted proxy forwarding for the sender",
            from: Host::Proxy,
            via_proxy: false,
            forwarded_for: Some(SENDER_VIA_PROXY.to_string()),
            status: 200,
        },
    ];

    let mut processed = Vec::new();
    for case in &cases {
        let job_id = unique_id("netns-job");
        let body = serde_json::json!({
            "job_id": job_id,
            "status": "Completed",
            "metadata": {"case": case.what},
        })
        .to_string();
        let base = if case.via_proxy {
            proxy.url_for(case.from)
        } else {
            direct_url(case.from)
        };
        let headers: Vec<(&str, &str)> = case
            .forwarded_for
            .as_deref()
            .map(|v| ("x-forwarded-for", v))
            .into_iter()
            .collect();
        let url = format!("{base}/webhook/reducto");
        let (status, reply) = lab
            .curl(case.from, "POST", &url, &headers, Some(&body))
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "{test}: {}: {e}\nreceiver stderr:\n{}",
                    case.what,
                    receiver.stderr()
                )
            });
        assert_eq!(
            status, case.status,
            "{test}: {}: answered {status} {reply}",
            case.what
        );
        if status == 200 {
            processed.push(job_id);
        } else {
            let reply: serde_json::Value = serde_json::from_str(&reply).unwrap_or_else(|e| {
                panic!("{test}: {}: refusal is not JSON ({e}): {reply}", case.what)
            });
            assert_eq!(reply["code"], "source_not_allowed", "{test}: {}", case.what);
        }
    }

    // The handler ran for exactly the admitted deliveries.
    let (status, events) = lab
        .curl(
            Host::Sender,
            "GET",
            &format!("{}/events", direct_url(Host::Sender)),
            &[],
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("{test}: GET /events: {e}"));
    assert_eq!(status, 200, "{test}: GET /events");
    let events: Vec<serde_json::Value> = serde_json::from_str(&events).expect("events are JSON");
    let seen: Vec<&str> = events.iter().filter_map(|e| e["job_id"].as_str()).collect();
    assert_eq!(seen, processed, "{test}: the handler ran for these job ids");
    drop(proxy);
    receiver.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_receiver_sees_real_source_addresses() {
    run_source_cases("axum", Path::new(env!("CARGO_BIN_EXE_axum-receiver"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actix_receiver_sees_real_source_addresses() {
    run_source_cases("actix", Path::new(env!("CARGO_BIN_EXE_actix-receiver"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rocket_receiver_sees_real_source_addresses() {
    run_source_cases("rocket", Path::new(env!("CARGO_BIN_EXE_rocket-receiver"))).await;
}
