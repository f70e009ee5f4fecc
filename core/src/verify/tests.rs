//! Unit tests of `verify`.

use super::*;
use crate::queue::QueueEntry;
use crate::signature::Tolerance;

struct Named;

impl Verifier for Named {
    fn scheme(&self) -> &'static str {
        "named"
    }
    fn verify(&self, _: &Request<'_>) -> Verdict {
        Verdict::Ready(Ok(Verified::new("x")))
    }
}

#[test]
fn built_in_schemes_get_their_own_arm_and_others_are_custom() {
    let keys = crate::secret::KeyRing::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    assert!(matches!(
        Scheme::of(StandardWebhooks::new(keys)),
        Scheme::Standard(_)
    ));
    assert!(matches!(
        Scheme::of(crate::DirectPolicy::new().token("t")),
        Scheme::Direct(_)
    ));
    #[cfg(feature = "github")]
    assert!(matches!(Scheme::of(GitHub::new("s")), Scheme::GitHub(_)));
    #[cfg(feature = "stripe")]
    assert!(matches!(Scheme::of(Stripe::new("s")), Scheme::Stripe(_)));
    let ring: std::collections::HashMap<String, crate::secret::KeyRing> = Default::default();
    let tenants = Scheme::of(Tenants::new(ring, TenantFrom::Given));
    assert!(matches!(tenants, Scheme::Tenants(_)));
    assert_eq!(tenants.name(), STANDARD);
    #[cfg(feature = "github")]
    {
        let keys: std::collections::HashMap<String, GitHub> = Default::default();
        let github = Scheme::of(Tenants::new(keys, TenantFrom::Given));
        assert!(matches!(github, Scheme::GitHubTenants(_)));
        assert_eq!((github.name(), github.tolerance()), ("github", None));
    }
    #[cfg(feature = "stripe")]
    {
        let keys: std::collections::HashMap<String, Stripe> = Default::default();
        let minute = std::time::Duration::from_secs(60);
        let stripe = Scheme::of(Tenants::new(keys, TenantFrom::Given).tolerance(minute));
        assert!(matches!(stripe, Scheme::StripeTenants(_)));
        let window = Some(Tolerance::from(minute));
        assert_eq!((stripe.name(), stripe.tolerance()), ("stripe", window));
    }
    let custom = Scheme::of(Named);
    assert!(matches!(custom, Scheme::Custom(_)));
    assert_eq!(custom.name(), "named");
    assert_eq!(custom.mode(), Mode::Signed);
}

#[test]
fn keys_and_the_queue_entry_keep_the_scheme_and_event_type() {
    let body = Bytes::from_static(b"{}");
    let checked = checked(
        "named",
        Verified::new("d:1").event_type("push").timestamp(7),
        body.clone(),
        None,
        "p:",
    )
    .unwrap();
    assert_eq!(checked.key, "p:s:named:d%3A1");
    let back = QueueEntry::from_bytes(
        QueueEntry::new(checked.key.clone(), checked.delivery)
            .to_bytes()
            .into(),
    )
    .unwrap();
    let d = back.delivery();
    assert_eq!(d.scheme(), "named");
    assert_eq!(d.event_type(), Some("push"));
    assert_eq!(d.message_id(), Some("d:1"));
    assert_eq!(d.timestamp(), Some(7));
    // The built-in scheme writes no scheme byte, and reads back as itself.
    let standard = super::checked(STANDARD, Verified::new("m"), body.clone(), None, "p:").unwrap();
    assert_eq!(standard.key, "p:msg:m");
    let bytes = QueueEntry::new(standard.key, standard.delivery).to_bytes();
    let back = QueueEntry::from_bytes(bytes.into()).unwrap();
    assert_eq!(back.delivery().scheme(), STANDARD);
    // An empty id would deduplicate everything against everything.
    assert!(matches!(
        super::checked("named", Verified::new(""), body, None, ""),
        Err(Rejection::MissingField(_))
    ));
}

/// The Standard Webhooks trait impl, called as any custom scheme is, admits
/// what the receiver's direct path admits, with the same facts and key.
#[test]
fn the_standard_impl_and_the_receivers_path_agree() {
    use crate::headers::HeaderList;
    use crate::secret::{KeyRing, Secret};

    struct Wrapped(StandardWebhooks);
    impl Verifier for Wrapped {
        fn scheme(&self) -> &'static str {
            STANDARD
        }
        fn verify(&self, request: &Request<'_>) -> Verdict {
            self.0.verify(request)
        }
    }

    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let standard = StandardWebhooks::new(KeyRing::parse(secret).unwrap());
    let body = Bytes::from_static(br#"{"status":"Completed","job_id":"j"}"#);
    let now = 1_700_000_000;
    let good = Secret::parse(secret).unwrap().sign("msg_1", now, &body);
    for (signature, at) in [
        (good.as_str(), now),
        (good.as_str(), now + 301),
        ("v1,AAAA", now),
    ] {
        let headers = HeaderList::new()
            .with("webhook-id", "msg_1")
            .with("webhook-timestamp", now.to_string())
            .with("webhook-signature", signature);
        let request = Request {
            headers: &headers,
            body: &body,
            client: None,
            now: at,
            tenant: None,
            path: "/",
        };
        let direct = standard.checked(&headers, &body, at, None, "p:");
        let Verdict::Ready(through_trait) = Wrapped(standard.clone()).verify(&request) else {
            panic!("the standard scheme never waits");
        };
        let through_trait =
            through_trait.and_then(|v| checked(STANDARD, v, body.clone(), None, "p:"));
        match (direct, through_trait) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a.key, b.key);
                assert_eq!(a.key, "p:msg:msg_1");
                let (a, b) = (a.delivery, b.delivery);
                assert_eq!(a.message_id(), b.message_id());
                assert_eq!(a.timestamp(), b.timestamp());
                assert_eq!(a.header_family(), b.header_family());
                assert_eq!(a.scheme(), b.scheme());
            }
            (Err(a), Err(b)) => assert_eq!(a.code(), b.code()),
            (a, b) => panic!(
                "one path admits, the other refuses: {:?} / {:?}",
                a.err().map(|r| r.code()),
                b.err().map(|r| r.code())
            ),
        }
    }
}
