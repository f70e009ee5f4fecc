//! Where a shard's data lives: the stream, the delayed retries, the dead
//! letters and one short marker per delivery, all under the shard's hash tag.

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// One shard's keys.
pub(super) struct ShardKeys {
    pub(super) tag: String,
}

impl ShardKeys {
    pub(super) fn key(&self, suffix: &str) -> String {
        let mut k = String::with_capacity(self.tag.len() + suffix.len());
        k.push_str(&self.tag);
        k.push_str(suffix);
        k
    }
    pub(super) fn stream(&self) -> String {
        self.key(":stream")
    }
    pub(super) fn delayed(&self) -> String {
        self.key(":delayed")
    }
    pub(super) fn dead(&self) -> String {
        self.key(":dead")
    }
    pub(super) fn marker(&self, dedupe_key: &str) -> String {
        let digest = Sha256::digest(dedupe_key.as_bytes());
        let mut k = String::with_capacity(self.tag.len() + 3 + 22);
        k.push_str(&self.tag);
        k.push_str(":m:");
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_string(&digest[..16], &mut k);
        k
    }
}
