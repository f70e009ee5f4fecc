//! Keys per tenant read from the path, through the layer in axum: two
//! tenants with different secrets served on `/webhooks/{tenant}`; a delivery
//! signed for one tenant and sent to the other's path refused 401.

use std::collections::HashMap;

use axum::routing::post;
use axum::Router;
use hookgate::signing::KeyRing;
use hookgate::verify::{TenantFrom, Tenants};
use hookgate::Receiver;
use hookgate_tower::testing::{request, TestDelivery};
use hookgate_tower::{Webhook, WebhookLayer};
use http::StatusCode;
use tower::ServiceExt;

const ACME: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const GLOBEX: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

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
    let send = |path: &'static str, secret: &str, id: &str| {
        let delivery = TestDelivery::signed(secret).id(id).build();
        app.clone().oneshot(request(path, &delivery))
    };
    for (path, secret) in [("/webhooks/acme", ACME), ("/webhooks/globex", GLOBEX)] {
        let res = send(path, secret, "msg_1").await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
    }
    let res = send("/webhooks/globex", ACME, "msg_2").await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body = axum::body::to_bytes(res.into_body(), 1 << 16)
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["code"], "invalid_signature");
}
