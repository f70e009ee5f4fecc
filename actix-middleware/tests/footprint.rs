//! What the middleware costs each request in memory: the boxed per-request
//! future must stay small enough for the allocator's fast path.

mod common;

use actix_web::dev::{
    fn_service, Service, ServiceFactory, ServiceRequest, ServiceResponse, Transform,
};
use actix_web::{Error, HttpResponse};
use futures_util::future::LocalBoxFuture;
use hookgate_actix::WebhookMiddleware;

/// actix boxes the middleware's future once per request. glibc serves blocks
/// of at most 1000 bytes from its small-size free lists; past that, a request
/// that misses the per-thread cache is a large one and first consolidates the
/// thread's free lists (this showed as `malloc_consolidate` under load with the
/// tower adapter, `docs/benchmarks.md`, "Future sizes"). actix frees the future on
/// the worker that made it, so the cache mostly hits, but the same budget as
/// the tower adapter's keeps every adapter off that path; growing past it needs
/// a reason.
///
/// The inner service stands in for a resource's route service, which answers
/// with a boxed future as this one does.
#[actix_web::test]
async fn the_per_request_future_fits_the_allocators_small_size_cache() {
    let route = fn_service(
        |req: ServiceRequest| -> LocalBoxFuture<'static, Result<ServiceResponse, Error>> {
            Box::pin(async move { Ok(req.into_response(HttpResponse::Ok().finish())) })
        },
    )
    .new_service(())
    .await
    .unwrap();
    let service = WebhookMiddleware::new(common::receiver())
        .new_transform(route)
        .await
        .unwrap();

    let id = common::msg_id("footprint");
    let req = common::signed(&id, &common::job("job_1", "Completed")).to_srv_request();
    let future = service.call(req);
    let size = std::mem::size_of_val(&*future);
    assert!(
        size <= 1000,
        "the middleware's per-request future is {size} bytes; keep it at most 1000 (see this test's docs)"
    );
    // And it is the real path: the delivery is admitted and handled.
    let res = future.await.unwrap();
    assert_eq!(res.status(), 200);
}
