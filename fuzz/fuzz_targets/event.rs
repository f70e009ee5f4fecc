//! Event parsing: `JobEvent` (with default and typed metadata), `JobStatus`
//! and `StatusKind`.
//!
//! Properties:
//! - no bytes panic the parsers;
//! - an event that parses serialises and parses back to itself;
//! - a status's kind ignores letter case, surrounding white space and a
//!   `job.` prefix, and a status keeps its spelling as sent.
#![no_main]

use arbitrary::Arbitrary;
use hookgate::{JobEvent, JobStatus, StatusKind};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Input {
    Bytes(Vec<u8>),
    Status(String),
}

#[derive(serde::Deserialize, serde::Serialize, Default, Debug, PartialEq)]
struct TypedMeta {
    user: Option<String>,
    n: Option<u64>,
}

fuzz_target!(|input: Input| match input {
    Input::Bytes(bytes) => {
        if let Ok(event) = serde_json::from_slice::<JobEvent>(&bytes) {
            let text = serde_json::to_vec(&event).expect("an event serialises");
            let back: JobEvent = serde_json::from_slice(&text).expect("and parses back");
            assert_eq!(back, event);
            assert_eq!(event.status.kind(), StatusKind::of(event.status.as_str()));
        }
        if let Ok(event) = serde_json::from_slice::<JobEvent<TypedMeta>>(&bytes) {
            let text = serde_json::to_vec(&event).expect("an event serialises");
            let back: JobEvent<TypedMeta> = serde_json::from_slice(&text).expect("and parses back");
            assert_eq!(back, event);
        }
        let _ = serde_json::from_slice::<JobEvent<serde_json::Value>>(&bytes);
        if let Ok(status) = serde_json::from_slice::<JobStatus>(&bytes) {
            let again: String = serde_json::from_slice(&bytes).expect("a status is a string");
            assert_eq!(status.as_str(), again);
        }
    }
    Input::Status(s) => {
        let kind = StatusKind::of(&s);
        assert_eq!(kind, JobStatus::new(s.clone()).kind());
        assert_eq!(kind, StatusKind::of(&s.to_ascii_uppercase()));
        assert_eq!(kind, StatusKind::of(&s.to_ascii_lowercase()));
        assert_eq!(kind, StatusKind::of(&format!(" \t{s}\n")));
        if !s
            .trim_start()
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("job."))
        {
            assert_eq!(kind, StatusKind::of(&format!("job.{}", s.trim())));
        }
        if kind != StatusKind::Other {
            assert_eq!(StatusKind::of(kind.as_str()), kind);
        }
        assert_eq!(
            kind.is_final(),
            matches!(
                kind,
                StatusKind::Completed | StatusKind::Failed | StatusKind::Cancelled
            )
        );
        assert_eq!(JobStatus::new(s.clone()).as_str(), s);
    }
});
