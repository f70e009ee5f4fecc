//! Keys per tenant for GitHub and Stripe, and the tenant read from the
//! request's path (`TenantFrom::Path`): two tenants with different secrets,
//! a delivery signed for the other tenant refused, an unknown tenant or a
//! path that does not match 401, a source that is down 503, a malformed
//! template refused by `build()`, and the path taken from the adapter's
//! lookup (a request's head gives it; a bare header map has none).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hookgate::adapter::{Admission, HeaderList, HeaderLookup, Inbound};
use hookgate::clock::FixedClock;
use hookgate::signing::KeyRing;
use hookgate::testing::{github_signature, stripe_signature, TestDelivery};
use hookgate::verify::{
    GitHub, KeySource, SourceError, Stripe, TemplateError, TenantFrom, TenantKeys, Tenants,
};
use hookgate::{BuildError, Receiver};

const NOW: i64 = 1_700_000_000;
const PATH: &str = "/webhooks/{tenant}";

/// acme and globex, each with its own secret (made into `K` by `make`); can
/// be taken down.
struct Source<K> {
    make: fn(&str) -> K,
    down: AtomicBool,
    calls: AtomicUsize,
}

#[async_trait::async_trait]
impl<K: TenantKeys> KeySource<K> for Source<K> {
    async fn keys(&self, tenant: &str) -> Result<Option<K>, SourceError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.down.load(Ordering::SeqCst) {
            return Err(SourceError::new("connection refused"));
        }
        Ok(match tenant {
            "acme" => Some((self.make)("acme-secret")),
            "globex co" => Some((self.make)("globex-secret")),
            "empty" => Some((self.make)("")),
            _ => None,
        })
    }
}

fn source<K>(make: fn(&str) -> K) -> Arc<Source<K>> {
    Arc::new(Source {
        make,
        down: AtomicBool::new(false),
        calls: AtomicUsize::new(0),
    })
}

fn receiver<K: TenantKeys>(tenants: Tenants<K>) -> Receiver {
    Receiver::builder()
        .verifier(tenants.deadline(Duration::from_millis(200)))
        .clock(FixedClock::new(NOW))
        .build()
        .unwrap()
}

/// Admits `body` with `headers` at `path`: `Ok((scheme, id))` or the
/// refusal's status and code.
async fn admit(
    r: &Receiver,
    path: &str,
    headers: HeaderList,
    body: &[u8],
) -> Result<(String, String), (u16, &'static str)> {
    let headers = headers.with_path(path);
    let inbound = Inbound {
        headers: &headers,
        body: body.to_vec().into(),
        peer: None,
    };
    match r.admit(inbound).await {
        Admission::Proceed(delivery, claim) => {
            claim.settle(true).await.unwrap();
            let id = delivery.message_id().unwrap().to_owned();
            Ok((delivery.scheme().to_owned(), id))
        }
        Admission::Respond(outcome) => Err((outcome.status().as_u16(), outcome.code())),
    }
}

fn github(secret: &str, delivery: &str, body: &[u8]) -> HeaderList {
    HeaderList::new()
        .with("x-github-delivery", delivery)
        .with("x-github-event", "push")
        .with("x-hub-signature-256", github_signature(secret, body))
}

#[tokio::test]
async fn github_tenants_by_path() {
    let keys = source(|s| GitHub::new(s));
    let r = receiver(Tenants::new(
        Arc::clone(&keys),
        TenantFrom::Path(PATH.into()),
    ));
    assert_eq!(r.scheme(), "github");
    let body = br#"{"zen":"Design for failure."}"#;
    let ok = |scheme: &str, id: &str| Ok((scheme.to_owned(), id.to_owned()));
    let acme = "/webhooks/acme";
    let globex = "/webhooks/globex%20co";
    assert_eq!(
        admit(&r, acme, github("acme-secret", "d1", body), body).await,
        ok("github", "d1")
    );
    // The same delivery id under another tenant is not a duplicate.
    assert_eq!(
        admit(&r, globex, github("globex-secret", "d1", body), body).await,
        ok("github", "d1")
    );
    assert_eq!(
        admit(&r, acme, github("acme-secret", "d1", body), body).await,
        Err((200, "duplicate"))
    );
    // Signed for acme, sent to globex's path (cached now): refused.
    assert_eq!(
        admit(&r, globex, github("acme-secret", "d2", body), body).await,
        Err((401, "invalid_signature"))
    );
    for path in [
        "/webhooks/initech",
        "/webhooks/",
        "/webhooks/acme/x",
        "/other",
    ] {
        assert_eq!(
            admit(&r, path, github("acme-secret", "d3", body), body).await,
            Err((401, "unknown_tenant")),
            "{path}"
        );
    }
    // An empty secret signs for anyone: no key at all.
    assert_eq!(
        admit(&r, "/webhooks/empty", github("", "d4", body), body).await,
        Err((401, "unknown_tenant"))
    );
    keys.down.store(true, Ordering::SeqCst);
    assert_eq!(
        admit(
            &r,
            "/webhooks/other",
            github("acme-secret", "d5", body),
            body
        )
        .await,
        Err((503, "key_source_unavailable"))
    );
}

#[tokio::test]
async fn stripe_tenants_with_their_own_tolerance() {
    let keys = source(|s| Stripe::new(s));
    let tenants = Tenants::new(Arc::clone(&keys), TenantFrom::Header("x-tenant".into()));
    let r = receiver(tenants.tolerance(Duration::from_secs(60)));
    assert_eq!(r.scheme(), "stripe");
    let body = |id: &str| format!(r#"{{"id":"{id}","type":"invoice.paid"}}"#).into_bytes();
    let signed = |secret: &str, tenant: &str, t: i64, body: &[u8]| {
        HeaderList::new()
            .with("x-tenant", tenant)
            .with("stripe-signature", stripe_signature(secret, t, body))
    };
    let (b1, b2) = (body("evt_1"), body("evt_2"));
    assert_eq!(
        admit(&r, "/", signed("acme-secret", "acme", NOW, &b1), &b1).await,
        Ok(("stripe".to_owned(), "evt_1".to_owned()))
    );
    assert_eq!(
        admit(&r, "/", signed("globex-secret", "globex co", NOW, &b1), &b1).await,
        Ok(("stripe".to_owned(), "evt_1".to_owned()))
    );
    assert_eq!(
        admit(&r, "/", signed("acme-secret", "globex co", NOW, &b2), &b2).await,
        Err((401, "invalid_signature"))
    );
    // 61 s old: outside this Tenants' 60 s (a Stripe's own default is 300 s).
    assert_eq!(
        admit(&r, "/", signed("acme-secret", "acme", NOW - 61, &b2), &b2).await,
        Err((401, "timestamp_too_old"))
    );
    assert_eq!(
        admit(&r, "/", signed("acme-secret", "nobody", NOW, &b2), &b2).await,
        Err((401, "unknown_tenant"))
    );
}

#[tokio::test]
async fn standard_tenants_by_path() {
    let keys = source(|s| match s {
        "acme-secret" => KeyRing::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap(),
        "globex-secret" => KeyRing::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap(),
        _ => KeyRing::new(),
    });
    let r = receiver(Tenants::new(
        keys,
        TenantFrom::Path("/t/{tenant}/events".into()),
    ));
    let signed = |secret: &str, id: &str| {
        let d = TestDelivery::signed(secret).id(id).at(NOW).build();
        (d.header_list(), d.body)
    };
    let (h, b) = signed("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "m1");
    assert!(admit(&r, "/t/acme/events", h.clone(), &b).await.is_ok());
    assert_eq!(
        admit(&r, "/t/globex%20co/events", h.clone(), &b).await,
        Err((401, "invalid_signature"))
    );
    assert_eq!(
        admit(&r, "/t/empty/events", h, &b).await,
        Err((401, "unknown_tenant"))
    );
}

/// Admits `body` with the lookup as the adapter lends it: the message id or
/// the refusal's status and code.
async fn outcome(
    r: &Receiver,
    lookup: &dyn HeaderLookup,
    body: &[u8],
) -> Result<String, (u16, &'static str)> {
    let inbound = Inbound {
        headers: lookup,
        body: body.to_vec().into(),
        peer: None,
    };
    match r.admit(inbound).await {
        Admission::Proceed(delivery, claim) => {
            claim.settle(true).await.unwrap();
            Ok(delivery.message_id().unwrap().to_owned())
        }
        Admission::Respond(o) => Err((o.status().as_u16(), o.code())),
    }
}

/// The path is the lookup's to give: a request's head gives it, a bare
/// header map does not, and a template then finds no tenant (401, never a
/// key source call or a panic).
#[tokio::test]
async fn the_path_comes_from_the_lookup_and_without_one_no_tenant_is_found() {
    let keys = source(|s| GitHub::new(s));
    let r = receiver(Tenants::new(
        Arc::clone(&keys),
        TenantFrom::Path(PATH.into()),
    ));
    let body = br#"{"zen":"Keep it logically awesome."}"#;
    let request = |delivery: &str| {
        let mut req = http::Request::post("/webhooks/acme?source=ci");
        for (name, value) in [
            ("x-github-delivery", delivery.to_owned()),
            ("x-github-event", "push".to_owned()),
            ("x-hub-signature-256", github_signature("acme-secret", body)),
        ] {
            req = req.header(name, value);
        }
        req.body(()).unwrap()
    };
    // A whole request and its head: the path without the query.
    let whole = request("d1");
    assert_eq!(whole.path(), Some("/webhooks/acme"));
    assert_eq!(outcome(&r, &whole, body).await, Ok("d1".to_owned()));
    let (head, ()) = request("d2").into_parts();
    assert_eq!(outcome(&r, &head, body).await, Ok("d2".to_owned()));
    // The same headers alone: no path, so no tenant.
    let calls = keys.calls.load(Ordering::SeqCst);
    let (head, ()) = request("d3").into_parts();
    assert_eq!(head.headers.path(), None);
    assert_eq!(
        outcome(&r, &head.headers, body).await,
        Err((401, "unknown_tenant"))
    );
    let list = github("acme-secret", "d3", body);
    assert_eq!(outcome(&r, &list, body).await, Err((401, "unknown_tenant")));
    assert_eq!(
        keys.calls.load(Ordering::SeqCst),
        calls,
        "no key source call without a path"
    );
}

#[test]
fn a_template_without_one_whole_tenant_segment_is_refused_by_build() {
    let keys = source(|s| GitHub::new(s));
    for (template, expected) in [
        ("/webhooks", TemplateError::NoPlaceholder),
        ("/{tenant}/{tenant}", TemplateError::SeveralPlaceholders),
        ("/hooks/t-{tenant}", TemplateError::NotASegment),
        ("hooks/{tenant}", TemplateError::NotAbsolute),
    ] {
        let err = Receiver::builder()
            .verifier(Tenants::new(
                Arc::clone(&keys),
                TenantFrom::Path(template.into()),
            ))
            .build()
            .unwrap_err();
        match err {
            BuildError::TenantPath {
                template: t,
                source,
            } => {
                assert_eq!((t.as_str(), source), (template, expected));
            }
            other => panic!("{template}: {other:?}"),
        }
    }
}

#[test]
fn a_stripe_tenants_replay_window_bounds_the_done_ttl() {
    let keys = source(|s| Stripe::new(s));
    let err = Receiver::builder()
        .verifier(Tenants::new(keys, TenantFrom::Given).tolerance(Duration::from_secs(86_400)))
        .done_ttl(Duration::from_secs(100_000))
        .build()
        .unwrap_err();
    assert!(
        matches!(err, BuildError::DoneTtlInsideReplayWindow { .. }),
        "{err:?}"
    );
}
