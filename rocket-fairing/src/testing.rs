//! Deliveries as ready requests for an app's own tests (feature `testing`):
//! build one with [`TestDelivery`] — signed like the sender signs, or direct —
//! and dispatch it on Rocket's local [`Client`](rocket::local::blocking::Client)
//! (blocking or asynchronous).
//!
//! ```
//! use hookgate_rocket::testing::{blocking_request, TestDelivery};
//! use hookgate_rocket::{JobEvent, Receiver, Webhook, WebhookFairing};
//! use rocket::http::Status;
//! use rocket::local::blocking::Client;
//!
//! const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
//! #[rocket::post("/webhook/reducto", data = "<event>")]
//! async fn on_job(event: Webhook<JobEvent>) -> Status { let _ = event; Status::Ok }
//!
//! let receiver = Receiver::builder().secret(SECRET).build().unwrap();
//! let rocket = rocket::build()
//!     .attach(WebhookFairing::new(receiver))
//!     .mount("/", rocket::routes![on_job]);
//! let client = Client::untracked(rocket).unwrap();
//!
//! let delivery = TestDelivery::signed(SECRET).event("job_1", "Completed").build();
//! assert_eq!(blocking_request(&client, "/webhook/reducto", &delivery).dispatch().status(), Status::Ok);
//! // The sender's retry of the same delivery: answered by hookgate, not the route.
//! let again = blocking_request(&client, "/webhook/reducto", &delivery).dispatch();
//! assert_eq!(again.into_string().unwrap(), r#"{"received":true,"duplicate":true}"#);
//! // Signed with another secret: refused.
//! let forged = TestDelivery::signed("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").build();
//! let refused = blocking_request(&client, "/webhook/reducto", &forged).dispatch();
//! assert_eq!(refused.status(), Status::Unauthorized);
//! ```
//!
//! Build a delivery once and send it twice to play the sender's retry: each
//! [`TestDelivery::build`] without a fixed [`id`](TestDelivery::id) makes a
//! fresh message id.

use std::fmt::Display;

use rocket::http::uri::Origin;
use rocket::http::Header;
use rocket::local::{asynchronous, blocking};

pub use hookgate::testing::{BuiltDelivery, SenderKey, TestDelivery};

/// A `POST uri` on an asynchronous local client with `delivery`'s headers
/// and body; add to it (e.g. `.remote(…)` for allowed source networks), then
/// `.dispatch().await`.
///
/// ```
/// # rocket::async_test(async {
/// use hookgate_rocket::testing::{request, TestDelivery};
/// use hookgate_rocket::{Receiver, Webhook, WebhookFairing};
/// use rocket::local::asynchronous::Client;
///
/// #[rocket::post("/hook", data = "<event>")]
/// async fn hook(event: Webhook) -> String { event.job_id.clone() }
///
/// let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// let receiver = Receiver::builder().secret(secret).build().unwrap();
/// let rocket = rocket::build()
///     .attach(WebhookFairing::new(receiver))
///     .mount("/", rocket::routes![hook]);
/// let client = Client::tracked(rocket).await.unwrap();
/// let delivery = TestDelivery::signed(secret).event("job_7", "Completed").build();
/// let response = request(&client, "/hook", &delivery).dispatch().await;
/// assert_eq!(response.into_string().await.unwrap(), "job_7");
/// # });
/// ```
pub fn request<'c, 'u: 'c, U>(
    client: &'c asynchronous::Client,
    uri: U,
    delivery: &BuiltDelivery,
) -> asynchronous::LocalRequest<'c>
where
    U: TryInto<Origin<'u>> + Display,
{
    let mut req = client.post(uri);
    for header in headers(delivery) {
        req = req.header(header);
    }
    req.body(&delivery.body)
}

/// Like [`request`], on a blocking local client; `.dispatch()` sends it.
pub fn blocking_request<'c, 'u: 'c, U>(
    client: &'c blocking::Client,
    uri: U,
    delivery: &BuiltDelivery,
) -> blocking::LocalRequest<'c>
where
    U: TryInto<Origin<'u>> + Display,
{
    let mut req = client.post(uri);
    for header in headers(delivery) {
        req = req.header(header);
    }
    req.body(&delivery.body)
}

fn headers(delivery: &BuiltDelivery) -> impl Iterator<Item = Header<'static>> + '_ {
    delivery
        .headers
        .iter()
        .map(|(name, value)| Header::new(*name, value.clone()))
}
