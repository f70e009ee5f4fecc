//! How the inner service's outcome settles the claim: 2xx marks it done;
//! a non-2xx, an error, a panic, a time-out or a dropped future release it, so
//! the sender's retry is processed.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hookgate_tower::WebhookLayer;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use support::*;
use tower::{Layer, Service, ServiceExt};

/// What the inner service does on its n-th call.
#[derive(Clone, Copy, Debug)]
enum Act {
    Ok,
    Status(u16),
    Error,
    Panic,
    Sleep(Duration),
}

#[derive(Debug)]
struct Failed;

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("inner failed")
    }
}

impl std::error::Error for Failed {}

fn scripted(
    calls: Calls,
    first: Act,
) -> impl tower::Service<
    Request<Full<Bytes>>,
    Response = Response<Full<Bytes>>,
    Error = Failed,
    Future = impl Send,
> + Clone
       + Send
       + 'static {
    tower::service_fn(move |_req: Request<Full<Bytes>>| {
        let n = calls.hit();
        let act = if n == 1 { first } else { Act::Ok };
        async move {
            match act {
                Act::Ok => {}
                Act::Status(s) => {
                    let mut res = Response::new(Full::new(Bytes::new()));
                    *res.status_mut() = StatusCode::from_u16(s).unwrap();
                    return Ok(res);
                }
                Act::Error => return Err(Failed),
                Act::Panic => panic!("the handler panics on purpose"),
                Act::Sleep(d) => tokio::time::sleep(d).await,
            }
            Ok(Response::new(Full::new(Bytes::from_static(b"done"))))
        }
    })
}

/// Retries `msg` until it is not 409 (a dropped claim is released by a
/// spawned task), then expects it processed.
async fn retry_is_processed(layer: &WebhookLayer, calls: &Calls, first: Act, id: &str) {
    let started = Instant::now();
    loop {
        let res = layer
            .layer(scripted(calls.clone(), first))
            .oneshot(signed(id, job_body("j1")))
            .await
            .unwrap_or_else(|e| panic!("retry failed: {e}"));
        if res.status() == StatusCode::CONFLICT && started.elapsed() < Duration::from_secs(3) {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        }
        assert_eq!(res.status(), StatusCode::OK, "the retry is processed");
        break;
    }
    let res = layer
        .layer(scripted(calls.clone(), first))
        .oneshot(signed(id, job_body("j1")))
        .await
        .unwrap();
    let (_, _, json) = read(res).await;
    assert_eq!(json["duplicate"], true, "then it is done");
    assert_eq!(calls.get(), 2, "the handler ran twice");
}

#[tokio::test]
async fn non_2xx_releases() {
    let calls = Calls::default();
    let layer = WebhookLayer::new(builder().build().unwrap());
    let res = layer
        .layer(scripted(calls.clone(), Act::Status(500)))
        .oneshot(signed("msg_500", job_body("j1")))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    retry_is_processed(&layer, &calls, Act::Status(500), "msg_500").await;
}

#[tokio::test]
async fn inner_error_releases_and_is_passed_on() {
    let calls = Calls::default();
    let layer = WebhookLayer::new(builder().build().unwrap());
    let err = layer
        .layer(scripted(calls.clone(), Act::Error))
        .oneshot(signed("msg_err", job_body("j1")))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "inner failed");
    retry_is_processed(&layer, &calls, Act::Error, "msg_err").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panic_releases() {
    let calls = Calls::default();
    let layer = WebhookLayer::new(builder().build().unwrap());
    let svc = layer.layer(scripted(calls.clone(), Act::Panic));
    let joined = tokio::spawn(svc.oneshot(signed("msg_panic", job_body("j1")))).await;
    assert!(joined.unwrap_err().is_panic());
    retry_is_processed(&layer, &calls, Act::Panic, "msg_panic").await;
}

#[tokio::test]
async fn timeout_is_503_and_releases() {
    let calls = Calls::default();
    let layer = WebhookLayer::new(
        builder()
            .handler_deadline(Duration::from_millis(100))
            .build()
            .unwrap(),
    );
    let started = Instant::now();
    let res = layer
        .layer(scripted(calls.clone(), Act::Sleep(Duration::from_secs(5))))
        .oneshot(signed("msg_slow", job_body("j1")))
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));
    let headers = assert_answer(res, 503, "handler_timeout").await;
    assert!(headers.contains_key("retry-after"));
    retry_is_processed(
        &layer,
        &calls,
        Act::Sleep(Duration::from_secs(5)),
        "msg_slow",
    )
    .await;
}

#[tokio::test]
async fn dropped_future_releases() {
    let calls = Calls::default();
    let layer = WebhookLayer::new(builder().build().unwrap());
    let fut = layer
        .layer(scripted(calls.clone(), Act::Sleep(Duration::from_secs(60))))
        .oneshot(signed("msg_drop", job_body("j1")));
    // Runs until the handler is sleeping, then the client goes away.
    let _ = tokio::time::timeout(Duration::from_millis(100), fut).await;
    assert_eq!(calls.get(), 1);
    retry_is_processed(
        &layer,
        &calls,
        Act::Sleep(Duration::from_secs(60)),
        "msg_drop",
    )
    .await;
}

/// A service that must be polled ready before each call; a clone is not ready.
#[derive(Debug)]
struct NeedsReady {
    ready: bool,
    calls: Calls,
}

impl Clone for NeedsReady {
    fn clone(&self) -> Self {
        Self {
            ready: false,
            calls: self.calls.clone(),
        }
    }
}

impl Service<Request<Full<Bytes>>> for NeedsReady {
    type Response = Response<Full<Bytes>>;
    type Error = std::convert::Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.ready = true;
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _req: Request<Full<Bytes>>) -> Self::Future {
        assert!(self.ready, "called without poll_ready");
        self.ready = false;
        self.calls.hit();
        Box::pin(async { Ok(Response::new(Full::new(Bytes::new()))) })
    }
}

#[tokio::test]
async fn the_ready_service_is_the_one_called() {
    let calls = Calls::default();
    let mut svc = WebhookLayer::new(builder().build().unwrap()).layer(NeedsReady {
        ready: false,
        calls: calls.clone(),
    });
    for i in 0..3 {
        let res = ServiceExt::<Request<Full<Bytes>>>::ready(&mut svc)
            .await
            .unwrap()
            .call(signed(&format!("msg_ready_{i}"), job_body("j1")))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    assert_eq!(calls.get(), 3);
}
