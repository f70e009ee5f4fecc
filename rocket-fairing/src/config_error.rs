//! The configuration mistakes the fairing finds when the rocket ignites.

/// A configuration mistake found when the rocket ignites; launch fails with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// `limits.webhook` is zero: no delivery could ever be read.
    #[error("Rocket's `limits.webhook` is 0 bytes, so no delivery could be read; remove it (the receiver's max_body_bytes, {max_body}, then applies) or set it to at most that")]
    ZeroLimit {
        /// The receiver's `max_body_bytes`.
        max_body: usize,
    },
    /// `limits.webhook` is larger than the receiver accepts.
    #[error("Rocket's `limits.webhook` ({limit} bytes) is larger than the receiver's max_body_bytes ({max_body}): bodies in between would be read and then refused; lower the limit, or raise `Receiver::builder().max_body_bytes(…)`")]
    LimitAboveReceiver {
        /// The configured `limits.webhook`, in bytes.
        limit: u64,
        /// The receiver's `max_body_bytes`.
        max_body: usize,
    },
    /// [`queue_route`](crate::queue_route) is mounted, but the receiver was
    /// not built in queue mode: the route has no handler of its own, so
    /// every delivery would fail.
    #[error("`hookgate_rocket::queue_route()` is mounted at {uri}, but the receiver was not built in queue mode: configure `Receiver::builder().queue(…)`, or mount a route of your own with the `Webhook` guard")]
    QueueRouteWithoutQueueMode {
        /// Where the queue route is mounted.
        uri: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_route_mistake_names_where_it_is_mounted_and_the_fix() {
        let shown = ConfigError::QueueRouteWithoutQueueMode {
            uri: "/webhook".into(),
        }
        .to_string();
        assert!(shown.contains("mounted at /webhook"), "{shown}");
        assert!(shown.contains(".queue("), "{shown}");
    }
}
