//! The actix-web route every actix variant serves: bare, behind
//! `WebhookMiddleware`, or the [`Floor`] inline. The loopback `bench-server`
//! and the instruction counts of `route-loop` both build it from here.

use actix_web::{web, HttpRequest, HttpResponse};
use hookgate::{JobEvent, Receiver};
use hookgate_actix::{ActixHeaders, Webhook, WebhookMiddleware};

use crate::floor::{Floor, Refused};
use crate::{parse, RECEIVED, ROUTE};

fn received() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(RECEIVED)
}

/// Reads the body and parses the event; no verification.
async fn bare(body: web::Bytes) -> HttpResponse {
    match parse(&body) {
        Ok(_) => received(),
        Err(_) => HttpResponse::BadRequest().finish(),
    }
}

/// Takes the event hookgate verified, deduplicated and parsed.
async fn guarded(event: Webhook<JobEvent>) -> HttpResponse {
    std::hint::black_box(&event.job_id);
    received()
}

/// The [`Floor`] on actix-web: the headers in place, the body read as the
/// bare route reads it.
async fn floor(req: HttpRequest, body: web::Bytes, f: web::Data<Floor>) -> HttpResponse {
    match f.serve(&ActixHeaders::new(req.headers()), &body).await {
        Ok(()) => received(),
        Err(Refused(status)) => HttpResponse::new(
            actix_web::http::StatusCode::from_u16(status)
                .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR),
        ),
    }
}

/// Which actix-web route to serve. Cloned into every worker: the floor's
/// store and the receiver are shared, as a real app's would be.
#[derive(Clone)]
pub enum ActixRoute {
    /// No verification.
    Bare,
    /// The floor, written inline.
    Floor(web::Data<Floor>),
    /// Behind `WebhookMiddleware` with this receiver.
    Guarded(Receiver),
}

impl ActixRoute {
    /// The floor with a fresh store.
    pub fn floor() -> Self {
        Self::Floor(web::Data::new(Floor::new()))
    }

    /// Adds `POST /webhook/reducto` to an app: `App::new().configure(|c| route.configure(c))`.
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        match self {
            Self::Bare => {
                cfg.route(ROUTE, web::post().to(bare));
            }
            Self::Floor(state) => {
                cfg.app_data(state.clone())
                    .route(ROUTE, web::post().to(floor));
            }
            Self::Guarded(receiver) => {
                cfg.service(
                    web::resource(ROUTE)
                        .wrap(WebhookMiddleware::new(receiver.clone()))
                        .route(web::post().to(guarded)),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::{call_service, init_service, TestRequest};
    use actix_web::App;

    fn delivery(id: &str, forged: bool) -> TestRequest {
        let body = crate::event_body(1024);
        let mut req = TestRequest::post().uri(ROUTE);
        for (name, value) in crate::signed_headers(id, &body) {
            let value = match (name, forged) {
                ("svix-signature", true) => {
                    "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".to_owned()
                }
                _ => value,
            };
            req = req.insert_header((name, value));
        }
        req.set_payload(body)
    }

    /// The three routes the load benchmark compares do the work it says they
    /// do: all answer a signed delivery, and only the bare one takes a forged.
    #[actix_web::test]
    async fn the_floor_and_the_middleware_verify_and_the_bare_route_does_not() {
        for (name, route, forged_status) in [
            ("bare", ActixRoute::Bare, 200),
            ("floor", ActixRoute::floor(), 401),
            ("memory", ActixRoute::Guarded(crate::memory_receiver()), 401),
        ] {
            let app = init_service(App::new().configure(|c| route.configure(c))).await;
            for (id, forged, want) in [
                ("msg_1", false, 200),
                ("msg_1", false, 200), // a retry: answered without the work
                ("msg_2", true, forged_status),
            ] {
                let status = call_service(&app, delivery(id, forged).to_request())
                    .await
                    .status();
                assert_eq!(status.as_u16(), want, "{name} {id}");
            }
        }
    }
}
