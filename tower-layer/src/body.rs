//! Reading the request body once, bounded by the receiver's limit.

use bytes::Bytes;
use http_body::Body;
use http_body_util::{BodyExt, LengthLimitError, Limited};

use hookgate::{Outcome, Receiver};

/// A boxed error, as tower uses.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The size the request declares: `Content-Length`, else the body's exact size
/// hint. A malformed `Content-Length` counts as undeclared (the limit still
/// applies while reading).
pub(crate) fn declared_len<B: Body>(headers: &http::HeaderMap, body: &B) -> Option<u64> {
    hookgate::adapter::declared_length(headers).or_else(|| body.size_hint().exact())
}

/// Collects the whole body, at most `receiver.max_body_bytes()`: over the limit
/// it is the 413 outcome, a read error the 400 `body_unreadable` one.
pub(crate) async fn read_body<B>(receiver: &Receiver, body: B) -> Result<Bytes, Outcome>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    match Limited::new(body, receiver.max_body_bytes())
        .collect()
        .await
    {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(receiver.too_large()),
        Err(e) => {
            tracing::info!(error = %e, "hookgate: the request body could not be read");
            Err(receiver.body_unreadable())
        }
    }
}
