//! [`ResponseFuture`]: the future a [`WebhookService`](crate::WebhookService)
//! returns, opaque.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Response;

use crate::response_body::WebhookBody;

type Boxed<B, E> = Pin<Box<dyn Future<Output = Result<Response<WebhookBody<B>>, E>> + Send>>;

/// The response future of [`WebhookService`](crate::WebhookService).
pub struct ResponseFuture<B, E> {
    inner: Boxed<B, E>,
}

impl<B, E> ResponseFuture<B, E> {
    pub(crate) fn new(
        future: impl Future<Output = Result<Response<WebhookBody<B>>, E>> + Send + 'static,
    ) -> Self {
        Self {
            inner: Box::pin(future),
        }
    }
}

impl<B, E> ResponseFuture<B, E> {
    /// The size of the boxed per-request future, for the footprint test.
    #[doc(hidden)]
    pub fn boxed_size(&self) -> usize {
        std::mem::size_of_val(&*self.inner)
    }
}

impl<B, E> std::fmt::Debug for ResponseFuture<B, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<B, E> Future for ResponseFuture<B, E> {
    type Output = Result<Response<WebhookBody<B>>, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.inner.as_mut().poll(cx)
    }
}
