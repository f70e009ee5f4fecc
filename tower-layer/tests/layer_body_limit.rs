//! Bodies over the limit: refused early on a declared length (without reading),
//! or while reading a streamed body; a failing body is 400.

mod support;

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use hookgate_tower::{BoxError, WebhookBody, WebhookLayer};
use http::{Request, Response, StatusCode};
use http_body::{Body, Frame};
use http_body_util::{Full, StreamBody};
use support::*;
use tower::{Layer, ServiceExt};

type Chunk = Result<Frame<Bytes>, std::io::Error>;

fn inner(
    calls: Calls,
) -> impl tower::Service<
    Request<Full<Bytes>>,
    Response = Response<Full<Bytes>>,
    Error = Infallible,
    Future = impl Send,
> + Clone
       + Send
       + 'static {
    tower::service_fn(move |_req: Request<Full<Bytes>>| {
        calls.hit();
        async { Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"ok")))) }
    })
}

/// Sends `req` through a layer with a 1024-byte limit around [`inner`].
async fn call<B>(calls: &Calls, req: Request<B>) -> Response<WebhookBody<Full<Bytes>>>
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let layer = WebhookLayer::new(builder().max_body_bytes(1024).build().unwrap());
    layer
        .layer(inner(calls.clone()))
        .oneshot(req)
        .await
        .unwrap()
}

#[tokio::test]
async fn declared_length_over_limit_is_refused_without_reading() {
    let calls = Calls::default();
    // A body that never yields: reading it would hang the test.
    let never = StreamBody::new(futures_util::stream::pending::<Chunk>());
    let req = Request::post("/webhook")
        .header("content-length", "2048")
        .body(never)
        .unwrap();
    let res = tokio::time::timeout(Duration::from_secs(2), call(&calls, req))
        .await
        .expect("answered without reading the body");
    assert_answer(res, 413, "payload_too_large").await;

    // A sized body (exact size hint) over the limit, no header.
    let req = Request::post("/webhook")
        .body(Full::new(Bytes::from(vec![b'x'; 2048])))
        .unwrap();
    let res = call(&calls, req).await;
    assert_answer(res, 413, "payload_too_large").await;
    assert_eq!(calls.get(), 0);
}

#[tokio::test]
async fn streamed_body_over_limit_is_refused_while_reading() {
    let calls = Calls::default();
    let chunks: Vec<Chunk> = (0..8)
        .map(|_| Ok(Frame::data(Bytes::from(vec![b'x'; 256]))))
        .collect();
    let req = Request::post("/webhook")
        .body(StreamBody::new(futures_util::stream::iter(chunks)))
        .unwrap();
    let res = call(&calls, req).await;
    assert_answer(res, 413, "payload_too_large").await;
    assert_eq!(calls.get(), 0);
}

#[tokio::test]
async fn streamed_body_within_limit_is_admitted() {
    let calls = Calls::default();
    let body = job_body("j_stream");
    let signed_req = signed("msg_stream", body.clone());
    let (parts, _) = signed_req.into_parts();
    let chunks: Vec<Chunk> = body
        .chunks(7)
        .map(|c| Ok(Frame::data(Bytes::copy_from_slice(c))))
        .collect();
    let req = Request::from_parts(parts, StreamBody::new(futures_util::stream::iter(chunks)));
    let res = call(&calls, req).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(calls.get(), 1);
}

#[tokio::test]
async fn unreadable_body_is_400() {
    let calls = Calls::default();
    let chunks: Vec<Chunk> = vec![
        Ok(Frame::data(Bytes::from_static(b"{\"status\":"))),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "peer gone",
        )),
    ];
    let req = Request::post("/webhook")
        .body(StreamBody::new(futures_util::stream::iter(chunks)))
        .unwrap();
    let res = call(&calls, req).await;
    assert_answer(res, 400, "body_unreadable").await;
    assert_eq!(calls.get(), 0);
}
