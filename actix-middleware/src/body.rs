//! Reading the request body once, bounded by the receiver's limit.

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt as _;

/// Never reserve more than this up front, whatever `Content-Length` claims: a
/// sender that declares a large body and sends nothing costs no memory.
const MAX_PREALLOCATION: usize = 64 * 1024;

/// Why the body could not be read whole.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BodyError {
    /// More bytes arrived than the limit allows.
    #[error("the body is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// The connection failed while the body was being read.
    #[error("the request body could not be read: {0}")]
    Unreadable(#[from] PayloadError),
}

/// Reads the whole payload, at most `limit` bytes. A body that arrives in one
/// chunk is returned as that chunk (no copy).
pub(crate) async fn read_bounded(
    mut payload: Payload,
    limit: usize,
    declared: Option<u64>,
) -> Result<Bytes, BodyError> {
    // The first chunk is kept as is; only a second one starts a copy.
    let mut first: Option<Bytes> = None;
    let mut joined = BytesMut::new();
    let mut len = 0usize;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        len = len.saturating_add(chunk.len());
        if len > limit {
            return Err(BodyError::TooLarge { limit });
        }
        if first.is_none() && joined.is_empty() {
            first = Some(chunk);
            continue;
        }
        if let Some(head) = first.take() {
            let hint = declared
                .and_then(|d| usize::try_from(d).ok())
                .unwrap_or(0)
                .min(limit)
                .min(MAX_PREALLOCATION)
                .max(len);
            joined.reserve(hint);
            joined.extend_from_slice(&head);
        }
        joined.extend_from_slice(&chunk);
    }
    Ok(first.unwrap_or_else(|| joined.freeze()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::stream;

    fn payload(chunks: Vec<Result<Bytes, PayloadError>>) -> Payload {
        Payload::Stream {
            payload: Box::pin(stream::iter(chunks)),
        }
    }

    #[actix_web::test]
    async fn one_chunk_is_not_copied() {
        let chunk = Bytes::from_static(b"{\"a\":1}");
        let got = read_bounded(payload(vec![Ok(chunk.clone())]), 100, None)
            .await
            .unwrap();
        assert_eq!(got.as_ptr(), chunk.as_ptr());
    }

    #[actix_web::test]
    async fn chunks_are_joined_in_order() {
        let chunks = vec![
            Ok(Bytes::from_static(b"ab")),
            Ok(Bytes::from_static(b"cd")),
            Ok(Bytes::from_static(b"e")),
        ];
        let got = read_bounded(payload(chunks), 5, Some(u64::MAX))
            .await
            .unwrap();
        assert_eq!(&got[..], b"abcde");
    }

    #[actix_web::test]
    async fn over_the_limit_stops_reading() {
        let chunks = vec![
            Ok(Bytes::from_static(b"abc")),
            Ok(Bytes::from_static(b"def")),
        ];
        let err = read_bounded(payload(chunks), 5, None).await.unwrap_err();
        assert!(matches!(err, BodyError::TooLarge { limit: 5 }));
    }

    #[actix_web::test]
    async fn a_broken_stream_is_unreadable() {
        let chunks = vec![
            Ok(Bytes::from_static(b"abc")),
            Err(PayloadError::Incomplete(None)),
        ];
        let err = read_bounded(payload(chunks), 100, None).await.unwrap_err();
        assert!(matches!(err, BodyError::Unreadable(_)));
    }

    #[actix_web::test]
    async fn empty_body() {
        let got = read_bounded(payload(vec![]), 10, None).await.unwrap();
        assert!(got.is_empty());
    }

    fn declared(headers: &actix_web::http::header::HeaderMap) -> Option<u64> {
        hookgate::adapter::declared_length(&crate::headers::ActixHeaders::new(headers))
    }

    #[test]
    fn declared_length() {
        let req = actix_web::test::TestRequest::default()
            .insert_header((actix_web::http::header::CONTENT_LENGTH, "42"))
            .to_http_request();
        assert_eq!(declared(req.headers()), Some(42));
        let req = actix_web::test::TestRequest::default()
            .insert_header((actix_web::http::header::CONTENT_LENGTH, "nope"))
            .to_http_request();
        assert_eq!(declared(req.headers()), None);
    }
}
