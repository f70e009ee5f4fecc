//! Keys per tenant read from the path, through the fairing and guard: two
//! tenants with different secrets served on `/webhooks/<tenant>`; a delivery
//! signed for one tenant and sent to the other's path refused 401.

use std::collections::HashMap;

use hookgate::signing::KeyRing;
use hookgate::verify::{TenantFrom, Tenants};
use hookgate_rocket::testing::{request, TestDelivery};
use hookgate_rocket::{Receiver, Webhook, WebhookFairing};
use rocket::http::Status;
use rocket::local::asynchronous::Client;

const ACME: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const GLOBEX: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

#[rocket::post("/webhooks/<_tenant>", data = "<event>")]
async fn hook(_tenant: &str, event: Webhook<serde_json::Value>) -> String {
    event.delivery.message_id().unwrap_or("-").to_owned()
}

#[rocket::async_test]
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
    let rocket = rocket::custom(rocket::Config::debug_default())
        .attach(WebhookFairing::new(receiver))
        .mount("/", rocket::routes![hook]);
    let client = Client::tracked(rocket).await.unwrap();
    let signed = |secret: &str, id: &str| TestDelivery::signed(secret).id(id).build();
    for (path, secret) in [("/webhooks/acme", ACME), ("/webhooks/globex", GLOBEX)] {
        let res = request(&client, path, &signed(secret, "msg_1"))
            .dispatch()
            .await;
        assert_eq!(res.status(), Status::Ok, "{path}");
        assert_eq!(res.into_string().await.as_deref(), Some("msg_1"));
    }
    let res = request(&client, "/webhooks/globex", &signed(ACME, "msg_2"))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Unauthorized);
    let body: serde_json::Value = serde_json::from_str(&res.into_string().await.unwrap()).unwrap();
    assert_eq!(body["code"], "invalid_signature");
}
