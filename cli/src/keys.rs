//! `hookgate keys new`: a fresh secret or ed25519 pair.

use hookgate::signing::SigningKey;
use serde_json::json;

/// Prints a fresh `whsec_` secret, or a `whsk_`/`whpk_` pair.
pub fn new(ed25519: bool, json_out: bool) {
    if ed25519 {
        let key = SigningKey::generate();
        let (signing, public) = (key.encode(), key.public_key().encode());
        if json_out {
            println!("{}", json!({"signing_key": signing, "public_key": public}));
        } else {
            println!("signing key (keep with the sender): {signing}");
            println!("public key (give to the receiver):  {public}");
        }
    } else {
        let secret = hookgate::signing::generate_secret();
        if json_out {
            println!("{}", json!({ "secret": secret }));
        } else {
            println!("{secret}");
        }
    }
}
