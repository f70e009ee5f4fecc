//! The layer on a plain tower stack: vectors pass, refusals and duplicates are
//! answered without calling the inner service, which gets the same bytes.

mod support;

use std::convert::Infallible;

use bytes::Bytes;
use hookgate::{Delivery, Receiver};

use hookgate::clock::FixedClock;
use hookgate_tower::{WebhookBody, WebhookLayer};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use support::*;
use tower::{Layer, ServiceExt};

fn vector_request(v: &Vector, signature: &str) -> Request<Full<Bytes>> {
    Request::post("/webhook")
        .header("svix-id", &v.id)
        .header("svix-timestamp", v.timestamp.to_string())
        .header("svix-signature", signature)
        .body(Full::new(Bytes::from(v.body.clone())))
        .unwrap()
}

/// A receiver for vector `v`: its key, a clock at its timestamp.
fn vector_receiver(v: &Vector) -> Receiver {
    Receiver::builder()
        .secret(&v.verify_key)
        .clock(FixedClock::new(v.timestamp))
        .build()
        .unwrap()
}

/// Sends `req` through `layer` around a fresh [`echo`].
async fn through(
    layer: &WebhookLayer,
    calls: &Calls,
    req: Request<Full<Bytes>>,
) -> Response<WebhookBody<Full<Bytes>>> {
    layer.layer(echo(calls.clone())).oneshot(req).await.unwrap()
}

/// An inner service that echoes the body it got and the delivery's message id.
fn echo(
    calls: Calls,
) -> impl tower::Service<
    Request<Full<Bytes>>,
    Response = Response<Full<Bytes>>,
    Error = Infallible,
    Future = impl Send,
> + Clone
       + Send
       + 'static {
    tower::service_fn(move |req: Request<Full<Bytes>>| {
        let calls = calls.clone();
        async move {
            calls.hit();
            let delivery = req
                .extensions()
                .get::<Delivery>()
                .cloned()
                .expect("delivery in extensions");
            let body = req.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(&body, delivery.body());
            // The same buffer, not a copy.
            assert_eq!(body.as_ptr(), delivery.body().as_ptr());
            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(
                delivery.message_id().unwrap_or_default().to_owned(),
            ))))
        }
    })
}

#[tokio::test]
async fn every_shared_vector_passes() {
    for v in signed_vectors() {
        let receiver = vector_receiver(&v);
        let calls = Calls::default();
        let svc = WebhookLayer::new(receiver).layer(echo(calls.clone()));
        let res = svc.oneshot(vector_request(&v, &v.signature)).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "vector {}", v.id);
        let body = res.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, v.id.as_bytes());
        assert_eq!(calls.get(), 1);
    }
}

#[tokio::test]
async fn rejected_and_several_signatures() {
    let v = vector();
    let file = vectors_file();
    let receiver = vector_receiver(&v);
    let calls = Calls::default();
    let layer = WebhookLayer::new(receiver);
    for bad in &file.rejected_signatures {
        let res = through(&layer, &calls, vector_request(&v, bad)).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{bad}");
    }
    for bad in &file.several_must_fail {
        let res = through(&layer, &calls, vector_request(&v, bad)).await;
        assert_answer(res, 401, "invalid_signature").await;
    }
    assert_eq!(calls.get(), 0);
    for (i, good) in file.several_must_pass.iter().enumerate() {
        // A fresh receiver each time: the message id is the same.
        let receiver = vector_receiver(&v);
        let header = good.replace("<valid>", &v.signature);
        let svc = WebhookLayer::new(receiver).layer(echo(calls.clone()));
        let res = svc.oneshot(vector_request(&v, &header)).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "must_pass {i}");
    }
    assert_eq!(calls.get(), 2);
}

#[tokio::test]
async fn refusals_never_reach_the_inner_service() {
    let calls = Calls::default();
    let layer = WebhookLayer::new(builder().build().unwrap());
    let unsigned = Request::post("/webhook")
        .body(Full::new(Bytes::from(job_body("j1"))))
        .unwrap();
    let res = through(&layer, &calls, unsigned).await;
    assert_answer(res, 401, "missing_signature").await;

    let mut tampered = signed("msg_t", job_body("j1"));
    *tampered.body_mut() = Full::new(Bytes::from(job_body("j2")));
    let res = through(&layer, &calls, tampered).await;
    assert_answer(res, 401, "invalid_signature").await;

    let mut stale = signed("msg_s", job_body("j1"));
    stale
        .headers_mut()
        .insert("svix-timestamp", (NOW - 301).to_string().parse().unwrap());
    let res = through(&layer, &calls, stale).await;
    assert_answer(res, 401, "timestamp_too_old").await;
    assert_eq!(calls.get(), 0);
}

#[tokio::test]
async fn duplicate_is_answered_by_the_layer() {
    let calls = Calls::default();
    let layer = WebhookLayer::new(builder().build().unwrap());
    let res = through(&layer, &calls, signed("msg_d", job_body("j1"))).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = through(&layer, &calls, signed("msg_d", job_body("j1"))).await;
    let (status, headers, json) = read(res).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(
        json,
        serde_json::json!({"received": true, "duplicate": true})
    );
    assert_eq!(calls.get(), 1);
}

#[tokio::test]
async fn in_flight_duplicate_is_409_with_retry_after() {
    let calls = Calls::default();
    let (entered_tx, entered_rx) = tokio::sync::oneshot::channel::<()>();
    let (finish_tx, finish_rx) = tokio::sync::oneshot::channel::<()>();
    let gate = std::sync::Arc::new(std::sync::Mutex::new(Some((entered_tx, finish_rx))));
    let c = calls.clone();
    let slow = tower::service_fn(move |_req: Request<Full<Bytes>>| {
        let gate = gate.lock().unwrap().take();
        c.hit();
        async move {
            if let Some((entered, finish)) = gate {
                let _ = entered.send(());
                let _ = finish.await;
            }
            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"ok"))))
        }
    });
    let layer = WebhookLayer::new(builder().build().unwrap());
    let first = tokio::spawn(
        layer
            .layer(slow.clone())
            .oneshot(signed("msg_f", job_body("j1"))),
    );
    entered_rx.await.unwrap();
    let res = layer
        .layer(slow.clone())
        .oneshot(signed("msg_f", job_body("j1")))
        .await
        .unwrap();
    let headers = assert_answer(res, 409, "in_flight").await;
    assert!(
        headers["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u32>()
            .unwrap()
            > 0
    );
    finish_tx.send(()).unwrap();
    assert_eq!(first.await.unwrap().unwrap().status(), StatusCode::OK);
    assert_eq!(calls.get(), 1);
}
