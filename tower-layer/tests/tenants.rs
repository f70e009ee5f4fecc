//! Keys per tenant read from the path, through the layer in axum served on a
//! real loopback socket: two tenants with different secrets served on
//! `/webhooks/{tenant}`; a delivery signed for one tenant and sent to the
//! other's path refused 401.

use std::collections::HashMap;

use axum::routing::post;
use axum::Router;
use hookgate::signing::KeyRing;
use hookgate::verify::{TenantFrom, Tenants};
use hookgate::Receiver;
use hookgate_tower::testing::TestDelivery;
use hookgate_tower::{Webhook, WebhookLayer};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

const ACME: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const GLOBEX: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

/// POSTs `delivery` to `path` over HTTP/1.1: the status and the body.
async fn post_delivery(port: u16, path: &str, delivery: &TestDelivery) -> (u16, String) {
    let built = delivery.build();
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
        built.body.len()
    );
    for (name, value) in &built.headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(&built.body).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    (status, body)
}

#[tokio::test]
async fn two_tenants_on_one_route_and_the_other_tenants_path_refused() {
    let keys = HashMap::from([
        ("acme".to_owned(), KeyRing::parse(ACME).unwrap()),
        ("globex".to_owned(), KeyRing::parse(GLOBEX).unwrap()),
    ]);
    let receiver = Receiver::builder()
        .verifier(Tenants::new(
            keys,
            TenantFrom::Path("/webhooks/{tenant}".into()),
        ))
        .build()
        .unwrap();
    let app = Router::new()
        .route(
            "/webhooks/{tenant}",
            post(|w: Webhook| async move { w.delivery.message_id().unwrap_or("-").to_owned() }),
        )
        .layer(WebhookLayer::new(receiver));
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let send = |path: &'static str, secret: &str, id: &str| {
        let delivery = TestDelivery::signed(secret).id(id);
        async move { post_delivery(port, path, &delivery).await }
    };
    for (path, secret) in [("/webhooks/acme", ACME), ("/webhooks/globex", GLOBEX)] {
        let (status, _) = send(path, secret, "msg_1").await;
        assert_eq!(status, 200, "{path}");
    }
    let (status, body) = send("/webhooks/globex", ACME, "msg_2").await;
    assert_eq!(status, 401);
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["code"], "invalid_signature");
}
