//! Fresh keys, and keys written back in their `whsec_` / `whsk_` / `whpk_`
//! text form: what a sender (or the `hookgate keys new` command) hands out.

use base64::Engine as _;

use crate::secret::{PublicKey, SigningKey, LENIENT_B64};

/// Bytes of a generated HMAC secret (as the Svix portal issues: 24 bytes, 32
/// base64 characters).
const SECRET_BYTES: usize = 24;

/// A fresh random HMAC secret, `whsec_` + base64 of 24 random bytes.
///
/// ```
/// let text = hookgate::signing::generate_secret();
/// assert!(text.starts_with("whsec_") && text.len() == 38);
/// assert!(hookgate::Secret::parse(&text).is_ok());
/// assert_ne!(text, hookgate::signing::generate_secret());
/// ```
pub fn generate_secret() -> String {
    let bytes: [u8; SECRET_BYTES] = rand::random();
    format!("whsec_{}", LENIENT_B64.encode(bytes))
}

impl SigningKey {
    /// A fresh random ed25519 signing key.
    ///
    /// ```
    /// use hookgate::signing::{PublicKey, SigningKey};
    /// let key = SigningKey::generate();
    /// let again = SigningKey::parse(&key.encode()).unwrap();
    /// assert!(again.public_key() == key.public_key());
    /// assert!(PublicKey::parse(&key.public_key().encode()).unwrap() == key.public_key());
    /// ```
    pub fn generate() -> Self {
        let seed: [u8; 32] = rand::random();
        Self(ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    /// The `whsk_…` text: base64 of the 64-byte key pair (secret half, then
    /// public half). It is the sender's secret: never log it.
    pub fn encode(&self) -> String {
        format!("whsk_{}", LENIENT_B64.encode(self.0.to_keypair_bytes()))
    }
}

impl PublicKey {
    /// The `whpk_…` text a receiver is configured with.
    pub fn encode(&self) -> String {
        format!("whpk_{}", LENIENT_B64.encode(self.0.to_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_pair_round_trips() {
        let sk = "whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==";
        let key = SigningKey::parse(sk).unwrap();
        assert_eq!(key.encode(), sk);
        assert_eq!(
            key.public_key().encode(),
            "whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4="
        );
    }
}
