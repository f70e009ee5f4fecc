//! The Rocket route every Rocket variant serves: bare, behind
//! `WebhookFairing`, or the [`Floor`] inline. The loopback `bench-server` and
//! the instruction counts of `route-loop` both build it from here.

use std::borrow::Cow;

use hookgate::{JobEvent, Receiver};

use hookgate::adapter::HeaderLookup;
use hookgate_rocket::{with_deadline, Webhook, WebhookFairing};
use rocket::data::{Data, ToByteUnit};
use rocket::http::{Header, HeaderMap, Status};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::content::RawJson;
use rocket::{post, routes, Build, Rocket, State};

use crate::floor::{Floor, Refused};
use crate::{parse, RECEIVED};

/// Reads the body and parses the event; no verification.
#[post("/webhook/reducto", data = "<data>")]
async fn bare(data: Data<'_>) -> Result<RawJson<&'static str>, Status> {
    let bytes = data
        .open(16.mebibytes())
        .into_bytes()
        .await
        .map_err(|_| Status::BadRequest)?;
    parse(&bytes).map_err(|_| Status::BadRequest)?;
    Ok(RawJson(RECEIVED))
}

/// Takes the event hookgate verified, deduplicated and parsed.
#[post("/webhook/reducto", data = "<event>")]
fn guarded(event: Webhook<JobEvent>) -> RawJson<&'static str> {
    std::hint::black_box(&event.job_id);
    RawJson(RECEIVED)
}

/// The request's headers, borrowed: a guard that never fails.
struct Headers<'r>(&'r HeaderMap<'r>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Headers<'r> {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(Headers(req.headers()))
    }
}

/// Rocket's header map as the core reads it (what the fairing lends it).
impl HeaderLookup for Headers<'_> {
    fn first(&self, name: &str) -> Option<&[u8]> {
        self.0.get_one(name).map(str::as_bytes)
    }

    fn each(&self, name: &str, f: &mut dyn FnMut(&[u8])) {
        for value in self.0.get(name) {
            f(value.as_bytes());
        }
    }

    /// One pass, as the fairing's own header view reads the map.
    fn for_each_header<'s>(&'s self, f: &mut dyn FnMut(&'s str, &'s [u8])) -> bool {
        for header in self.0.iter() {
            let Some((name, value)) = borrowed(header) else {
                return false;
            };
            f(name, value.as_bytes());
        }
        true
    }
}

/// A header's lower-case name and value, borrowed from the map.
fn borrowed(header: Header<'_>) -> Option<(&str, &str)> {
    match (header.name.into_cow(), header.value) {
        (Cow::Borrowed(name), Cow::Borrowed(value))
            if !name.bytes().any(|b| b.is_ascii_uppercase()) =>
        {
            Some((name, value))
        }
        _ => None,
    }
}

/// The [`Floor`] on Rocket: the headers in place, the body read as the bare
/// route reads it.
#[post("/webhook/reducto", data = "<data>")]
async fn floor(
    headers: Headers<'_>,
    data: Data<'_>,
    f: &State<Floor>,
) -> Result<RawJson<&'static str>, Status> {
    let bytes = data
        .open(16.mebibytes())
        .into_bytes()
        .await
        .map_err(|_| Status::BadRequest)?;
    match f.serve(&headers, &bytes).await {
        Ok(()) => Ok(RawJson(RECEIVED)),
        Err(Refused(status)) => Err(Status::new(status)),
    }
}

/// Which Rocket route to serve.
pub enum RocketRoute {
    /// No verification.
    Bare,
    /// The floor, written inline.
    Floor,
    /// Behind `WebhookFairing` with this receiver (the handler deadline on).
    Guarded(Receiver),
}

impl RocketRoute {
    /// Mounts `POST /webhook/reducto` on `rocket`.
    pub fn mount(self, rocket: Rocket<Build>) -> Rocket<Build> {
        match self {
            Self::Bare => rocket.mount("/", routes![bare]),
            Self::Floor => rocket.manage(Floor::new()).mount("/", routes![floor]),
            Self::Guarded(receiver) => rocket
                .attach(WebhookFairing::new(receiver))
                .mount("/", with_deadline(routes![guarded])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rocket::http::Header;
    use rocket::local::asynchronous::Client;

    /// The three routes the load benchmark compares do the work it says they
    /// do: all answer a signed delivery, and only the bare one takes a forged.
    #[rocket::async_test]
    async fn the_floor_and_the_fairing_verify_and_the_bare_route_does_not() {
        let body = crate::event_body(1024);
        for (name, route, forged_status) in [
            ("bare", RocketRoute::Bare, 200),
            ("floor", RocketRoute::Floor, 401),
            (
                "memory",
                RocketRoute::Guarded(crate::memory_receiver()),
                401,
            ),
        ] {
            let client = Client::untracked(route.mount(rocket::build()))
                .await
                .expect("rocket ignites");
            for (id, forged, want) in [
                ("msg_1", false, 200),
                ("msg_1", false, 200), // a retry: answered without the work
                ("msg_2", true, forged_status),
            ] {
                let mut req = client.post(crate::ROUTE).body(&body);
                for (header, value) in crate::signed_headers(id, &body) {
                    let value = match (header, forged) {
                        ("svix-signature", true) => {
                            "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".to_owned()
                        }
                        _ => value,
                    };
                    req = req.header(Header::new(header, value));
                }
                let status = req.dispatch().await.status().code;
                assert_eq!(status, want, "{name} {id}");
            }
        }
    }
}
