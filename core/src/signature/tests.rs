//! Unit tests of `signature`.

use super::headers::parse_timestamp;
use super::*;
use crate::headers::HeaderList;

fn headers(family: HeaderFamily, id: &str, ts: &str, sig: &str) -> HeaderList {
    let [i, t, s] = family.names();
    HeaderList::new().with(i, id).with(t, ts).with(s, sig)
}

#[test]
fn digest_compare() {
    let a = [7u8; 32];
    assert!(digests_equal(&a, &a));
    for i in 0..32 {
        let mut b = a;
        b[i] ^= 0x80;
        assert!(!digests_equal(&a, &b));
    }
}

#[test]
fn scan_and_lookup_agree() {
    // A map that cannot be enumerated falls back to lookups.
    struct Opaque(HeaderList);
    impl HeaderLookup for Opaque {
        fn first(&self, name: &str) -> Option<&[u8]> {
            self.0.first(name)
        }
        fn each(&self, name: &str, f: &mut dyn FnMut(&[u8])) {
            self.0.each(name, f)
        }
    }
    let list = HeaderList::new()
        .with("SVIX-ID", "a")
        .with("Svix-Timestamp", "1")
        .with("svix-signature", "v1,x")
        .with("svix-id", "second");
    let scanned = SignedHeaders::read(&list).unwrap();
    let opaque = Opaque(list.clone());
    let looked = SignedHeaders::read(&opaque).unwrap();
    assert_eq!((scanned.id, looked.id), ("a", "a"));
    let mixed = Opaque(list.with("webhook-signature", "v1,y"));
    assert_eq!(
        SignedHeaders::read(&mixed).unwrap_err(),
        SignatureError::MixedFamilies
    );
}

#[test]
fn a_scan_that_stops_part_way_is_disregarded() {
    // A map that meets a name that is not lower-case after lending a few
    // headers (as the Rocket adapter's does) says false: what it lent is
    // dropped and every name is looked up instead.
    struct StopsPartWay(HeaderList);
    impl HeaderLookup for StopsPartWay {
        fn first(&self, name: &str) -> Option<&[u8]> {
            self.0.first(name)
        }
        fn each(&self, name: &str, f: &mut dyn FnMut(&[u8])) {
            self.0.each(name, f)
        }
        fn for_each_header<'s>(&'s self, f: &mut dyn FnMut(&'s str, &'s [u8])) -> bool {
            f("svix-id", b"lent");
            f("webhook-signature", b"v1,lent");
            false
        }
    }
    let map = StopsPartWay(
        HeaderList::new()
            .with("Svix-Id", "looked")
            .with("svix-timestamp", "1")
            .with("svix-signature", "v1,x"),
    );
    let read = SignedHeaders::read(&map).unwrap();
    assert_eq!(read.id, "looked");
}

#[test]
fn tolerance_edges() {
    let t = Tolerance::default();
    assert!(t.check(1000, 1300).is_ok());
    assert!(t.check(1000, 1301).is_err());
    assert!(t.check(1300, 1000).is_ok());
    assert!(t.check(1301, 1000).is_err());
    assert!(t.check(0, i64::MAX).is_err());
    assert!(t.check(i64::MAX, i64::MIN).is_err());
    let asym = Tolerance {
        past: Duration::from_secs(10),
        future: Duration::from_secs(0),
    };
    assert!(asym.check(990, 1000).is_ok());
    assert!(asym.check(1001, 1000).is_err());
}

#[test]
fn a_millisecond_timestamp_is_named_as_such() {
    let t = Tolerance::default();
    let now = 1_733_300_000;
    let millis = now * 1000 + 123;
    let err = t.check(millis, now).unwrap_err();
    assert!(matches!(
        err,
        SignatureError::TimestampTooNew {
            looks_like_milliseconds: true,
            ..
        }
    ));
    assert_eq!(err.code(), "timestamp_too_new");
    let text = err.to_string();
    assert!(text.contains("milliseconds"), "{text}");
    assert!(text.contains("seconds"), "{text}");
    // A timestamp merely too far ahead gets no such hint.
    let ahead = t.check(now + 3600, now).unwrap_err();
    assert!(!ahead.to_string().contains("milliseconds"), "{ahead}");
}

#[test]
fn timestamp_shapes() {
    for bad in [
        "",
        "-1",
        "+5",
        "1.5",
        " 12",
        "12 ",
        "abc",
        "99999999999999999999",
    ] {
        assert_eq!(
            parse_timestamp(bad.as_bytes()).unwrap_err(),
            SignatureError::InvalidTimestamp,
            "{bad:?}"
        );
    }
    assert_eq!(parse_timestamp(b"0").unwrap().1, 0);
}

#[test]
fn mixed_families_refused_and_names_case_insensitive() {
    let h = HeaderList::new()
        .with("Svix-Id", "a")
        .with("Webhook-Timestamp", "1")
        .with("svix-signature", "v1,x");
    assert_eq!(
        SignedHeaders::read(&h).unwrap_err(),
        SignatureError::MixedFamilies
    );
    let h = HeaderList::new()
        .with("SVIX-ID", "a")
        .with("Svix-Timestamp", "1");
    assert_eq!(
        SignedHeaders::read(&h).unwrap_err(),
        SignatureError::MissingHeader("svix-signature")
    );
    assert_eq!(
        SignedHeaders::read(&HeaderList::new()).unwrap_err(),
        SignatureError::Missing
    );
}

#[test]
fn both_families_verify() {
    let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    let ring = KeyRing::from(secret.clone());
    let body = b"\xff\xfe not utf-8";
    let sig = secret.sign("msg_1", 1000, body);
    for family in [HeaderFamily::Svix, HeaderFamily::StandardWebhooks] {
        let h = headers(family, "msg_1", "1000", &sig);
        let signed = ring.verify(&h, body, 1000, Tolerance::default()).unwrap();
        assert_eq!(signed.family, family);
        assert_eq!(signed.id, "msg_1");
    }
}

#[test]
fn entries_are_bounded() {
    let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    let ring = KeyRing::from(secret.clone());
    let good = secret.sign("m", 5, b"{}");
    let junk = "v1,AAAA ".repeat(MAX_SIGNATURE_ENTRIES);
    let header = format!("{junk}{good}");
    assert!(!ring.verify_signature("m", "5", b"{}", header.as_bytes()));
    let header = format!("{good} {junk}");
    assert!(ring.verify_signature("m", "5", b"{}", header.as_bytes()));
}

#[test]
fn malformed_entries_do_not_panic() {
    let ring = KeyRing::parse(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=",
    )
    .unwrap();
    for h in [
        &b","[..],
        b"v1",
        b"v1,,,,",
        b"v1a,====",
        b"\xff\x00,\x01",
        b"v1,\xff\xff",
        &[b'A'; 10_000][..],
    ] {
        assert!(!ring.verify_signature("m", "1", b"x", h));
    }
}
