//! Unit tests of `queue`.

use super::*;

#[test]
fn stream_ids_give_their_milliseconds() {
    assert_eq!(id_ms("1700000000123-4"), Some(1_700_000_000_123));
    assert_eq!(id_ms(""), None);
}
