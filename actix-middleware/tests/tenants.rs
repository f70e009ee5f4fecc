//! Keys per tenant read from the path, through the middleware: two tenants
//! with different secrets served on `/webhooks/{tenant}`; a delivery signed
//! for one tenant and sent to the other's path refused 401.

use std::collections::HashMap;

use actix_web::{test, web, App, HttpResponse};
use hookgate::signing::KeyRing;
use hookgate::verify::{TenantFrom, Tenants};
use hookgate_actix::testing::{request, TestDelivery};
use hookgate_actix::{Receiver, Webhook, WebhookMiddleware};

const ACME: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const GLOBEX: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

#[actix_web::test]
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
    let app = test::init_service(
        App::new().service(
            web::resource("/webhooks/{tenant}")
                .wrap(WebhookMiddleware::new(receiver))
                .route(web::post().to(|w: Webhook<serde_json::Value>| async move {
                    HttpResponse::Ok().body(w.delivery.message_id().unwrap_or("-").to_owned())
                })),
        ),
    )
    .await;
    let send = |path: &str, secret: &str, id: &str| {
        let delivery = TestDelivery::signed(secret).id(id).build();
        request(path, &delivery).to_request()
    };
    for (path, secret) in [("/webhooks/acme", ACME), ("/webhooks/globex", GLOBEX)] {
        let res = test::call_service(&app, send(path, secret, "msg_1")).await;
        assert_eq!(res.status(), 200, "{path}");
    }
    let res = test::call_service(&app, send("/webhooks/globex", ACME, "msg_2")).await;
    assert_eq!(res.status(), 401);
    let body: serde_json::Value = test::read_body_json(res).await;
    assert_eq!(body["code"], "invalid_signature");
}
