//! Interoperability with the official Python signers: every `whsec_` secret
//! `standardwebhooks` or `svix` accepts is accepted, decoded to the same key
//! (the same `v1` signature), and the ones they refuse are refused.
//! `vectors/python_secrets.json`, read through `hookgate-vectors`, was computed
//! by the libraries themselves (`vectors/python_secrets.py` regenerates it).

use hookgate::signing::KeyRing;
use hookgate::Secret;
use hookgate_vectors::{PythonSecrets, Reading};

fn readings() -> PythonSecrets {
    PythonSecrets::published().expect("the shipped readings parse")
}

#[test]
fn every_secret_the_python_signers_accept_signs_the_same() {
    let p = readings();
    let (id, ts, body) = (p.msg_id.as_str(), p.timestamp, p.body.as_bytes());
    assert!(
        p.libraries.len() >= 2,
        "both libraries' readings are recorded"
    );
    let mut checked = 0;
    for (library, secrets) in &p.libraries {
        for (secret, reading) in secrets {
            let ours = Secret::parse(secret);
            match reading {
                Reading::Accepted { signature, .. } if reading.has_key() => {
                    let ours = ours
                        .unwrap_or_else(|e| panic!("{library} accepts {secret:?}, hookgate: {e}"));
                    assert_eq!(&ours.sign(id, ts, body), signature, "{library}: {secret:?}");
                    assert!(KeyRing::from(ours).verify_signature(
                        id,
                        &ts.to_string(),
                        body,
                        signature.as_bytes()
                    ));
                    checked += 1;
                }
                // An empty key (svix 1.20 signs with `whsec_`): refused on
                // purpose, since anyone could sign with it.
                Reading::Accepted { .. } => {
                    assert!(ours.is_err(), "{secret:?} decodes to an empty key")
                }
                // Refused by this library: refused here too, unless another
                // library reads it (then the first arm covers it).
                Reading::Refused { .. } => assert!(
                    p.anyone_reads(secret) || ours.is_err(),
                    "{secret:?} is refused by every library, accepted here"
                ),
            }
        }
    }
    assert!(checked > 20, "{checked}");
}

#[test]
fn the_libraries_never_disagree_on_a_key() {
    let p = readings();
    let libraries: Vec<_> = p.libraries.values().collect();
    for (secret, reading) in libraries[0] {
        for other in &libraries[1..] {
            if let (Some(ours), Some(theirs)) = (
                reading.key_hex(),
                other.get(secret).and_then(Reading::key_hex),
            ) {
                assert_eq!(ours, theirs, "{secret:?}");
            }
        }
    }
}

#[test]
fn an_unpadded_secret_is_the_same_key_as_its_canonical_spelling() {
    let short = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS").unwrap();
    let p = readings();
    let Reading::Accepted { signature, .. } =
        &p.libraries["standardwebhooks 1.3.0"]["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS"]
    else {
        panic!("standardwebhooks reads the unpadded secret");
    };
    assert_eq!(
        &short.sign(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#
        ),
        signature
    );
}

mod common;

use common::*;
use hookgate::{DirectPolicy, JobEvent, Receiver, StatusKind};

use hookgate::adapter::HeaderList;

#[test]
fn reducto_statuses_and_portal_event_names_are_classified() {
    for (status, kind) in [
        ("Pending", StatusKind::Created),
        ("Idle", StatusKind::Created),
        ("InProgress", StatusKind::Processing),
        ("Completing", StatusKind::Processing),
        ("Completed", StatusKind::Completed),
        ("Failed", StatusKind::Failed),
        ("Cancelled", StatusKind::Cancelled),
        ("job.created", StatusKind::Created),
        ("job.processing", StatusKind::Processing),
        ("job.completed", StatusKind::Completed),
        ("job.failed", StatusKind::Failed),
        ("job.cancelled", StatusKind::Cancelled),
    ] {
        assert_eq!(StatusKind::of(status), kind, "{status}");
    }
    assert!(!StatusKind::of("Completing").is_final());
    assert!(StatusKind::of("job.cancelled").is_final());
}

#[test]
fn job_event_reads_the_standard_webhooks_envelope() {
    let flat: JobEvent = serde_json::from_str(
        r#"{"status":"Completed","job_id":"j1","metadata":{"user":"u1"},"result":{"n":1}}"#,
    )
    .unwrap();
    let enveloped: JobEvent = serde_json::from_str(
        r#"{"type":"job.completed","timestamp":"2026-12-04T05:00:00Z","data":{"job_id":"j1","metadata":{"user":"u1"},"result":{"n":1}}}"#,
    )
    .unwrap();
    assert_eq!(enveloped.status.kind(), flat.status.kind());
    assert_eq!(
        (&enveloped.job_id, &enveloped.metadata, &enveloped.result),
        (&flat.job_id, &flat.metadata, &flat.result)
    );
    // data.status, when sent, is the status.
    let with_status: JobEvent = serde_json::from_str(
        r#"{"type":"job.processing","data":{"job_id":"j1","status":"Completing"}}"#,
    )
    .unwrap();
    assert_eq!(with_status.status.as_str(), "Completing");
    for bad in [
        r#"{"type":"job.completed","data":{}}"#,
        r#"{"data":{"job_id":"j"}}"#,
        r#"{"job_id":"j"}"#,
        r#"{"status":"a","status":"b","job_id":"j"}"#,
    ] {
        assert!(serde_json::from_str::<JobEvent>(bad).is_err(), "{bad}");
    }
}

fn envelope(job: &str, event: &str, token: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "type": event,
        "timestamp": "2026-12-04T05:00:00Z",
        "data": {"job_id": job, "metadata": {"user": "u1", "webhook_secret": token}},
    }))
    .unwrap()
}

// Direct mode reads the envelope as JobEvent does: token in data.metadata
// (removed from the event), job id from data, the status's meaning in the
// dedupe key (a switch of shape is the same event), known jobs forgotten on
// the final event.
#[tokio::test]
async fn direct_mode_reads_the_envelope_with_the_same_meaning() {
    let r = Receiver::builder()
        .direct(DirectPolicy::new().token("t0ken-value").known_jobs(true))
        .build()
        .unwrap();
    let none = HeaderList::new();
    r.register_job("je").await.unwrap();
    let (d, c) = proceed(
        admit(
            &r,
            &none,
            &envelope("je", "job.processing", "t0ken-value"),
            None,
        )
        .await,
    );
    assert_eq!(d.job_id(), Some("je"));
    let ev: JobEvent = d.event().unwrap();
    assert!(!ev.metadata.contains_key("webhook_secret"), "token leaked");
    assert_eq!(ev.metadata["user"], "u1");
    assert_eq!(ev.status.kind(), StatusKind::Processing);
    c.settle(true).await.unwrap();
    // The same event in the direct shape: a duplicate.
    let flat = serde_json::to_vec(&serde_json::json!({
        "status": "InProgress", "job_id": "je", "metadata": {"webhook_secret": "t0ken-value"}
    }))
    .unwrap();
    assert_eq!(respond(admit(&r, &none, &flat, None).await).status(), 200);
    // A wrong token in the envelope is refused.
    let a = respond(admit(&r, &none, &envelope("je", "job.completed", "wrong"), None).await);
    assert_eq!(code(&a), "invalid_token");
    // The final event forgets the job once processed.
    let (_, c) = proceed(
        admit(
            &r,
            &none,
            &envelope("je", "job.completed", "t0ken-value"),
            None,
        )
        .await,
    );
    c.settle(true).await.unwrap();
    let a = respond(
        admit(
            &r,
            &none,
            &envelope("je", "job.failed", "t0ken-value"),
            None,
        )
        .await,
    );
    assert_eq!(code(&a), "unknown_job");
}

/// Flat events that carry their own `type` or `data` fields, which are not
/// the envelope's: a `type` that is no string, a `data` that is no event
/// object (or is one with other types), before or after `job_id`.
const FLAT_WITH_OWN_TYPE_OR_DATA: [&str; 8] = [
    r#"{"status":"Completed","job_id":"j1","type":5,"metadata":{"user":"u1"}}"#,
    r#"{"type":{"kind":"pdf"},"status":"Completed","job_id":"j1","metadata":{"user":"u1"}}"#,
    r#"{"data":"text","status":"Completed","job_id":"j1","metadata":{"user":"u1"}}"#,
    r#"{"data":[1,{"job_id":2}],"status":"Completed","job_id":"j1","metadata":{"user":"u1"}}"#,
    r#"{"data":{"job_id":5,"metadata":"x","status":[]},"status":"Completed","job_id":"j1","metadata":{"user":"u1"}}"#,
    r#"{"status":"Completed","job_id":"j1","metadata":{"user":"u1"},"data":{"data":"x","type":1}}"#,
    r#"{"status":"Completed","data":7,"type":null,"job_id":"j1","metadata":{"user":"u1"}}"#,
    r#"{"type":["a"],"data":{"result":1},"data":true,"status":"Completed","job_id":"j1","metadata":{"user":"u1"}}"#,
];

// Finding: the envelope reading refused flat events whose own `type` is not a
// string or whose `data` is not an event object. The flat shape wins whenever
// the envelope does not fit (the event has its own `job_id`).
#[test]
fn a_flat_event_with_its_own_type_or_data_is_read_flat() {
    for body in FLAT_WITH_OWN_TYPE_OR_DATA {
        let ev: JobEvent = serde_json::from_str(body).unwrap_or_else(|e| panic!("{body}: {e}"));
        assert_eq!(
            (ev.job_id.as_str(), ev.status.as_str(), &ev.metadata["user"]),
            ("j1", "Completed", &serde_json::json!("u1")),
            "{body}"
        );
        let via_value: JobEvent =
            serde_json::from_value(serde_json::from_str(body).unwrap()).unwrap();
        assert_eq!(via_value, ev, "{body}");
    }
    // The envelope still reads with a `type` that is not a string when
    // `data.status` names the status; without either, the status is missing.
    let ev: JobEvent =
        serde_json::from_str(r#"{"type":7,"data":{"job_id":"j2","status":"Failed"}}"#).unwrap();
    assert_eq!(
        (ev.job_id.as_str(), ev.status.kind()),
        ("j2", StatusKind::Failed)
    );
    for bad in [
        r#"{"type":7,"data":{"job_id":"j2"}}"#,
        r#"{"type":"job.failed","data":"j2"}"#,
        r#"{"type":"job.failed","data":{"job_id":5}}"#,
    ] {
        assert!(serde_json::from_str::<JobEvent>(bad).is_err(), "{bad}");
    }
}

// The same in direct mode: such a flat event is admitted (not a 400 the
// sender retries forever), the token read from its own metadata.
#[tokio::test]
async fn direct_mode_admits_a_flat_event_with_its_own_type_or_data() {
    let r = Receiver::builder()
        .direct(DirectPolicy::new().token("t0ken-value"))
        .build()
        .unwrap();
    let none = HeaderList::new();
    for (i, body) in FLAT_WITH_OWN_TYPE_OR_DATA.iter().enumerate() {
        let body = body.replace("\"j1\"", &format!("\"j1-{i}\"")).replace(
            r#""metadata":{"user":"u1"}"#,
            r#""metadata":{"user":"u1","webhook_secret":"t0ken-value"}"#,
        );
        let (d, c) = proceed(admit(&r, &none, body.as_bytes(), None).await);
        assert_eq!(d.job_id(), Some(format!("j1-{i}").as_str()), "{body}");
        assert_eq!(d.status(), Some("Completed"), "{body}");
        let ev: JobEvent = d.event().unwrap_or_else(|e| panic!("{body}: {e:?}"));
        assert!(!ev.metadata.contains_key("webhook_secret"), "token leaked");
        c.settle(true).await.unwrap();
    }
    // A flat event whose token sits only in its own `data.metadata` is not
    // authenticated by it.
    let a = respond(
        admit(
            &r,
            &none,
            br#"{"status":"Completed","job_id":"j9","data":{"metadata":{"webhook_secret":"t0ken-value"}}}"#,
            None,
        )
        .await,
    );
    assert_eq!(code(&a), "missing_token");
}
