//! Unit tests of `secret`.

use super::*;

#[test]
fn rejected_secrets_from_vectors() {
    assert_eq!(Secret::parse("").unwrap_err(), SecretError::Empty);
    assert_eq!(Secret::parse("whsec_").unwrap_err(), SecretError::Empty);
}

#[test]
fn unpadded_and_padded_are_the_same_key() {
    let padded = Secret::parse("whsec_dGVzdGtleQ==").unwrap();
    let unpadded = Secret::parse("whsec_dGVzdGtleQ").unwrap();
    let a = padded.mac().finalize().into_bytes();
    let b = unpadded.mac().finalize().into_bytes();
    assert_eq!(a, b);
}

#[test]
fn malformed_secret_error_never_echoes_value() {
    let err = Secret::parse("whsec_not*base64!!").unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, SecretError::NotBase64 { .. }));
    assert!(!text.contains("not*base64"));
}

#[test]
fn debug_hides_secret() {
    let s = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    let dbg = format!("{s:?} {:?}", KeyRing::from(s.clone()));
    assert!(!dbg.contains("MfKQ"));
}

#[test]
fn signing_key_is_refused_for_verification() {
    let err = VerifyingKey::parse("whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==").unwrap_err();
    assert_eq!(err, SecretError::SigningKeyForVerification);
}

#[test]
fn signing_key_public_half_matches_vector() {
    let sk = SigningKey::parse("whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==").unwrap();
    let pk = PublicKey::parse("whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=").unwrap();
    assert!(sk.public_key() == pk);
}

#[test]
fn key_ring_splits_on_spaces_and_commas() {
    let ring = KeyRing::parse(
        "whsec_dGVzdGtleQ==,whsec_b3RoZXI= whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=",
    )
    .unwrap();
    assert_eq!(ring.len(), 3);
    assert!(KeyRing::parse(" , ").is_err());
    assert!(KeyRing::parse("whsec_dGVzdGtleQ==, whsec_").is_err());
}
