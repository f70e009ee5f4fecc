//! Keys per tenant: two tenants with different secrets, a delivery signed for
//! the other tenant refused, an unknown tenant 401, a source that is down 503,
//! and the cache answering without the source: for a known tenant, for an
//! unknown one (apart, so made-up names never push a real tenant out), and
//! for deliveries that arrive together (one look-up between them).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hookgate::adapter::{Admission, HeaderList, Inbound};
use hookgate::clock::FixedClock;
use hookgate::signing::KeyRing;
use hookgate::testing::TestDelivery;
use hookgate::verify::{KeySource, SourceError, TenantFrom, Tenants};
use hookgate::Receiver;

const ACME: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const GLOBEX: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const NOW: i64 = 1_700_000_000;

/// acme and globex, each with its own secret; counts its look-ups and can be
/// taken down (or made to hang).
#[derive(Default)]
struct Source {
    down: AtomicBool,
    hang: AtomicBool,
    calls: AtomicUsize,
    /// Milliseconds each look-up takes.
    delay: AtomicU64,
}

#[async_trait::async_trait]
impl KeySource for Source {
    async fn keys(&self, tenant: &str) -> Result<Option<KeyRing>, SourceError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let delay = self.delay.load(Ordering::SeqCst);
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        if self.hang.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        if self.down.load(Ordering::SeqCst) {
            return Err(SourceError::new("connection refused"));
        }
        let secret = match tenant {
            "acme" => ACME,
            "globex" => GLOBEX,
            _ => return Ok(None),
        };
        Ok(Some(KeyRing::parse(secret).map_err(SourceError::new)?))
    }
}

fn receiver(source: &Arc<Source>, from: TenantFrom) -> Receiver {
    Receiver::builder()
        .verifier(Tenants::new(Arc::clone(source), from).deadline(Duration::from_millis(200)))
        .clock(FixedClock::new(NOW))
        .build()
        .unwrap()
}

/// Admits a delivery signed with `secret` as message `id`: `Ok(message id)`
/// or the refusal's status and code.
async fn admit(
    receiver: &Receiver,
    secret: &str,
    id: &str,
    tenant: Option<&str>,
    header: Option<(&str, &str)>,
) -> Result<String, (u16, &'static str)> {
    let built = TestDelivery::signed(secret).id(id).at(NOW).build();
    let mut headers: HeaderList = built.header_list();
    if let Some((name, value)) = header {
        headers = headers.with(name, value);
    }
    let inbound = Inbound {
        headers: &headers,
        body: built.body.clone(),
        peer: None,
    };
    let admission = match tenant {
        Some(t) => receiver.admit_for(t, inbound).await,
        None => receiver.admit(inbound).await,
    };
    match admission {
        Admission::Proceed(delivery, claim) => {
            assert_eq!(delivery.scheme(), "standard-webhooks");
            claim.settle(true).await.unwrap();
            Ok(delivery.message_id().unwrap().to_owned())
        }
        Admission::Respond(outcome) => Err((outcome.status().as_u16(), outcome.code())),
    }
}

#[tokio::test]
async fn two_tenants_by_path_each_with_its_own_secret() {
    let source = Arc::new(Source::default());
    let r = receiver(&source, TenantFrom::Given);
    assert_eq!(
        admit(&r, ACME, "m1", Some("acme"), None).await,
        Ok("m1".into())
    );
    assert_eq!(
        admit(&r, GLOBEX, "m1", Some("globex"), None).await,
        Ok("m1".into())
    );
    // Signed for the other tenant: refused.
    assert_eq!(
        admit(&r, GLOBEX, "m2", Some("acme"), None).await,
        Err((401, "invalid_signature"))
    );
    assert_eq!(
        admit(&r, ACME, "m2", Some("globex"), None).await,
        Err((401, "invalid_signature"))
    );
    // The same message id under the same tenant is a duplicate; the tenant is
    // part of the dedupe key, so the other tenant's m1 above was not.
    assert_eq!(
        admit(&r, ACME, "m1", Some("acme"), None).await,
        Err((200, "duplicate"))
    );
    // Unknown tenant, or none: 401, never a panic.
    assert_eq!(
        admit(&r, ACME, "m3", Some("initech"), None).await,
        Err((401, "unknown_tenant"))
    );
    assert_eq!(
        admit(&r, ACME, "m3", None, None).await,
        Err((401, "unknown_tenant"))
    );
}

#[tokio::test]
async fn tenant_by_header_and_the_cache_spares_the_source() {
    let source = Arc::new(Source::default());
    let r = receiver(&source, TenantFrom::Header("x-tenant".to_owned()));
    let acme = Some(("x-tenant", "acme"));
    assert_eq!(admit(&r, ACME, "a1", None, acme).await, Ok("a1".into()));
    assert_eq!(source.calls.load(Ordering::SeqCst), 1);
    // Cached: the source is not asked again, even while it is down; a
    // tenant not cached yet needs it, and gets 503.
    source.down.store(true, Ordering::SeqCst);
    assert_eq!(admit(&r, ACME, "a2", None, acme).await, Ok("a2".into()));
    assert_eq!(
        admit(&r, ACME, "a3", None, Some(("x-tenant", "globex"))).await,
        Err((503, "key_source_unavailable"))
    );
    assert_eq!(source.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_source_that_is_down_or_hangs_is_a_503() {
    let source = Arc::new(Source::default());
    let r = receiver(&source, TenantFrom::Given);
    source.down.store(true, Ordering::SeqCst);
    let inbound_headers = TestDelivery::signed(ACME).id("m").at(NOW).build();
    let inbound = Inbound {
        headers: &inbound_headers.header_list(),
        body: inbound_headers.body.clone(),
        peer: None,
    };
    match r.admit_for("acme", inbound).await {
        Admission::Respond(outcome) => {
            assert_eq!(outcome.status().as_u16(), 503);
            assert_eq!(outcome.code(), "key_source_unavailable");
            match outcome {
                hookgate::Outcome::Refused(r) => assert_eq!(r.retry_after(), Some(5)),
                other => panic!("{other:?}"),
            }
        }
        other => panic!("{other:?}"),
    }
    // Hanging past the deadline: 503 too.
    source.down.store(false, Ordering::SeqCst);
    source.hang.store(true, Ordering::SeqCst);
    assert_eq!(
        admit(&r, ACME, "m", Some("acme"), None).await,
        Err((503, "key_source_unavailable"))
    );
    // Back up: the same delivery goes through (nothing was claimed).
    source.hang.store(false, Ordering::SeqCst);
    assert_eq!(
        admit(&r, ACME, "m", Some("acme"), None).await,
        Ok("m".into())
    );
}

#[tokio::test]
async fn deliveries_that_arrive_together_share_one_look_up() {
    let source = Arc::new(Source::default());
    source.delay.store(50, Ordering::SeqCst);
    let r = receiver(&source, TenantFrom::Given);
    let (a, b, c) = tokio::join!(
        admit(&r, ACME, "t1", Some("acme"), None),
        admit(&r, ACME, "t2", Some("acme"), None),
        admit(&r, GLOBEX, "t3", Some("acme"), None),
    );
    assert_eq!((a, b), (Ok("t1".into()), Ok("t2".into())));
    // The shared keys still check each delivery's own signature.
    assert_eq!(c, Err((401, "invalid_signature")));
    assert_eq!(source.calls.load(Ordering::SeqCst), 1);
    // And a failure is shared, not cached: the next delivery asks again.
    source.down.store(true, Ordering::SeqCst);
    let (d, e) = tokio::join!(
        admit(&r, GLOBEX, "t4", Some("globex"), None),
        admit(&r, GLOBEX, "t5", Some("globex"), None),
    );
    assert_eq!(d, Err((503, "key_source_unavailable")));
    assert_eq!(e, Err((503, "key_source_unavailable")));
    assert_eq!(source.calls.load(Ordering::SeqCst), 2);
    source.down.store(false, Ordering::SeqCst);
    assert_eq!(
        admit(&r, GLOBEX, "t4", Some("globex"), None).await,
        Ok("t4".into())
    );
    assert_eq!(source.calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn an_unknown_tenant_is_remembered_for_a_while_and_apart() {
    let source = Arc::new(Source::default());
    let clock = Arc::new(FixedClock::new(NOW));
    let build = |unknown_ttl: u64| {
        Receiver::builder()
            .verifier(
                Tenants::new(Arc::clone(&source), TenantFrom::Given)
                    .cache_capacity(1)
                    .unknown_ttl(Duration::from_secs(unknown_ttl)),
            )
            .clock(Arc::clone(&clock))
            .build()
            .unwrap()
    };
    let calls = || source.calls.load(Ordering::SeqCst);
    let r = build(10);
    assert_eq!(
        admit(&r, ACME, "u1", Some("acme"), None).await,
        Ok("u1".into())
    );
    assert_eq!(calls(), 1);
    // A sender's retries for a tenant that is gone: one look-up.
    for _ in 0..3 {
        assert_eq!(
            admit(&r, ACME, "u2", Some("initech"), None).await,
            Err((401, "unknown_tenant"))
        );
    }
    assert_eq!(calls(), 2);
    // Made-up names, more than the cache holds: acme's keys stay.
    for name in ["x1", "x2", "x3"] {
        assert_eq!(
            admit(&r, ACME, "u3", Some(name), None).await,
            Err((401, "unknown_tenant"))
        );
    }
    assert_eq!(calls(), 5);
    assert_eq!(
        admit(&r, ACME, "u4", Some("acme"), None).await,
        Ok("u4".into())
    );
    assert_eq!(calls(), 5);
    // Past unknown_ttl the source is asked again.
    clock.advance(10);
    assert_eq!(
        admit(&r, ACME, "u5", Some("x3"), None).await,
        Err((401, "unknown_tenant"))
    );
    assert_eq!(calls(), 6);
    // Zero: asked every time.
    let r = build(0);
    for _ in 0..2 {
        assert_eq!(
            admit(&r, ACME, "u6", Some("initech"), None).await,
            Err((401, "unknown_tenant"))
        );
    }
    assert_eq!(calls(), 8);
}
