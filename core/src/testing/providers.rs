//! GitHub's and Stripe's signatures made as the providers make them (features
//! `github` / `stripe`, with `testing`), for tests of receivers running
//! [`GitHub`](crate::verify::GitHub), [`Stripe`](crate::verify::Stripe) or
//! their [`Tenants`](crate::verify::Tenants).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The lowercase hex HMAC-SHA256 of `parts` by `key`.
fn hmac_hex(key: &[u8], parts: &[&[u8]]) -> String {
    // HMAC-SHA256 takes a key of any length: `new_from_slice` cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in parts {
        mac.update(part);
    }
    hex::encode(mac.finalize().into_bytes())
}

/// GitHub's `X-Hub-Signature-256` value (`sha256=<hex>`) of `body` by the
/// webhook secret `secret` (feature `github`).
///
/// ```
/// use hookgate::testing::github_signature;
/// use hookgate::verify::GitHub;
///
/// let body = br#"{"zen":"Keep it logically awesome."}"#;
/// let header = github_signature("It's a Secret to Everybody", body);
/// assert!(header.starts_with("sha256="));
/// assert!(GitHub::new("It's a Secret to Everybody").verify_signature(body, header.as_bytes()));
/// ```
#[cfg(feature = "github")]
pub fn github_signature(secret: impl AsRef<[u8]>, body: &[u8]) -> String {
    format!("sha256={}", hmac_hex(secret.as_ref(), &[body]))
}

/// Stripe's `Stripe-Signature` value (`t=<timestamp>,v1=<hex>`) of `body`
/// at `timestamp` (Unix seconds) by the endpoint secret `secret` — the
/// whole `whsec_…` string is the key, as Stripe's libraries use it
/// (feature `stripe`).
///
/// ```
/// use hookgate::testing::stripe_signature;
/// use hookgate::verify::Stripe;
///
/// let body = br#"{"id":"evt_1","type":"invoice.paid"}"#;
/// let header = stripe_signature("whsec_endpoint_secret", 1_700_000_000, body);
/// let stripe = Stripe::new("whsec_endpoint_secret");
/// assert_eq!(stripe.verify_header(header.as_bytes(), body, 1_700_000_010), Ok(1_700_000_000));
/// ```
#[cfg(feature = "stripe")]
pub fn stripe_signature(secret: impl AsRef<[u8]>, timestamp: i64, body: &[u8]) -> String {
    stripe_signature_by(&[secret], timestamp, body)
}

/// Like [`stripe_signature`], with one `v1` per secret, in order: what
/// Stripe sends while an endpoint secret is rolled (feature `stripe`).
///
/// ```
/// use hookgate::testing::stripe_signature_by;
/// use hookgate::verify::Stripe;
///
/// let body = br#"{"id":"evt_1"}"#;
/// let header = stripe_signature_by(&["whsec_old", "whsec_new"], 1_700_000_000, body);
/// assert_eq!(header.matches(",v1=").count(), 2);
/// let stripe = Stripe::new("whsec_new");
/// assert!(stripe.verify_header(header.as_bytes(), body, 1_700_000_000).is_ok());
/// ```
#[cfg(feature = "stripe")]
pub fn stripe_signature_by<S: AsRef<[u8]>>(secrets: &[S], timestamp: i64, body: &[u8]) -> String {
    let t = timestamp.to_string();
    let mut header = format!("t={t}");
    for secret in secrets {
        header.push_str(",v1=");
        header.push_str(&hmac_hex(secret.as_ref(), &[t.as_bytes(), b".", body]));
    }
    header
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "github")]
    #[test]
    fn github_matches_the_documented_example() {
        let v = hookgate_vectors::GitHubVector::published().unwrap();
        assert_eq!(
            github_signature(&v.secret, v.payload.as_bytes()),
            v.signature
        );
    }

    /// Every header the `stripe` package made with v1 entries only (the
    /// tampered cases are made by editing a header, not by signing).
    #[cfg(feature = "stripe")]
    #[test]
    fn stripe_matches_the_stripe_package() {
        const OTHER: &str = "whsec_another_tenants_secret";
        let v = hookgate_vectors::StripeVectors::published().unwrap();
        let mut checked = 0;
        for case in &v.cases {
            let secrets: &[&str] = match case.name.as_str() {
                "one v1" | "non-ASCII payload" => &[&case.secret],
                "v1 by another secret, then the right one" => &[OTHER, &case.secret],
                "the right v1, then one by another secret" => &[&case.secret, OTHER],
                "signed by another secret" => &[OTHER],
                _ => continue,
            };
            let made = stripe_signature_by(secrets, case.timestamp, case.payload.as_bytes());
            assert_eq!(made, case.header, "{}", case.name);
            checked += 1;
        }
        assert_eq!(checked, 5, "a vector the test expects is gone");
    }
}
