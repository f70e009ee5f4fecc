//! Unit tests of `observe`.

use super::*;
use crate::outcome::{Handled, Outcome};
use crate::rejection::Rejection;
use crate::signature::SignatureError;

#[test]
fn every_code_an_outcome_can_have_is_in_the_table() {
    let mut codes = vec![
        Outcome::Duplicate.code(),
        Outcome::Queued.code(),
        Handled::Processed.code(),
        Handled::Failed.code(),
        Handled::Errored.code(),
        DROPPED,
    ];
    let rejections = [
        Rejection::HeaderAuth,
        Rejection::MissingToken,
        Rejection::InvalidToken,
        Rejection::SourceNotAllowed,
        Rejection::UnknownJob,
        Rejection::PayloadTooLarge { limit: 1 },
        Rejection::BodyUnreadable,
        Rejection::InFlight { retry_after: 1 },
        Rejection::StoreUnavailable {
            retry_after: 1,
            source: crate::StoreError::Full,
        },
        Rejection::HandlerTimeout { retry_after: 1 },
        Rejection::ClaimLost { retry_after: 1 },
        Rejection::NotInstalled,
        Rejection::UnknownTenant,
        Rejection::KeySourceUnavailable { retry_after: 1 },
    ];
    // Every variant is above (or below, for the signature's and the
    // payload's): a new one fails to compile here until it is listed.
    for rejection in &rejections {
        match rejection {
            Rejection::Signature(_)
            | Rejection::HeaderAuth
            | Rejection::MissingToken
            | Rejection::InvalidToken
            | Rejection::SourceNotAllowed
            | Rejection::UnknownJob
            | Rejection::MalformedPayload(_)
            | Rejection::MissingField(_)
            | Rejection::PayloadTooLarge { .. }
            | Rejection::BodyUnreadable
            | Rejection::InFlight { .. }
            | Rejection::StoreUnavailable { .. }
            | Rejection::HandlerTimeout { .. }
            | Rejection::ClaimLost { .. }
            | Rejection::UnknownTenant
            | Rejection::KeySourceUnavailable { .. }
            | Rejection::NotInstalled => {}
        }
    }
    codes.extend(rejections.iter().map(Rejection::code));
    let signature = [
        SignatureError::Missing,
        SignatureError::MixedFamilies,
        SignatureError::InvalidMessageId,
        SignatureError::InvalidTimestamp,
        SignatureError::MissingHeader("svix-id"),
        SignatureError::TimestampTooOld { tolerance_secs: 1 },
        SignatureError::TimestampTooNew {
            tolerance_secs: 1,
            looks_like_milliseconds: false,
        },
        SignatureError::NoMatch,
    ];
    for error in &signature {
        // As above: a new variant fails to compile until it is listed.
        match error {
            SignatureError::Missing
            | SignatureError::MixedFamilies
            | SignatureError::InvalidMessageId
            | SignatureError::InvalidTimestamp
            | SignatureError::MissingHeader(_)
            | SignatureError::TimestampTooOld { .. }
            | SignatureError::TimestampTooNew { .. }
            | SignatureError::NoMatch => {}
        }
    }
    codes.extend(signature.iter().map(SignatureError::code));
    codes.push(Rejection::MissingField("job_id").code());
    for code in &codes {
        assert!(
            OUTCOME_CODES.contains(code),
            "{code} is not in OUTCOME_CODES"
        );
    }
    // And the table names nothing else, each code once, at its index.
    assert_eq!(
        OUTCOME_CODES.len(),
        codes.iter().collect::<std::collections::HashSet<_>>().len()
    );
    for (i, code) in OUTCOME_CODES.iter().enumerate() {
        assert_eq!(outcome_index(code), Some(i));
    }
}

#[test]
fn every_metric_name_is_a_prometheus_name_in_the_table_once() {
    let mut names = std::collections::HashSet::new();
    for m in METRICS {
        assert!(names.insert(m.name), "{} twice", m.name);
        assert!(m.name.starts_with("hookgate_"));
        assert!(m.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        assert_eq!(
            m.kind == MetricKind::Counter,
            m.name.ends_with("_total"),
            "{}",
            m.name
        );
    }
}
