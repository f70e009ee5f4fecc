//! Redis backends (feature `redis`): a shared [`IdempotencyStore`](crate::IdempotencyStore)
//! and [`JobRegistry`](crate::JobRegistry) for apps running several replicas.
