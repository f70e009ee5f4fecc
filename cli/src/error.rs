//! What can go wrong, and the exit code each means.

/// A command's failure.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The command was used wrongly (exit 2).
    #[error("{0}")]
    Usage(String),
    /// A file could not be read or written (exit 2).
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A secret or key that cannot be used (exit 2). Never shows the value.
    #[error("the secret: {0}")]
    Secret(#[from] hookgate::signing::SecretError),
    /// A negative result: the signature is invalid, the receiver refused,
    /// there was nothing to requeue or forget (exit 1); the details were
    /// printed already or are in the message.
    #[error("{0}")]
    Negative(String),
    /// The queue's Redis could not be reached (exit 1). Shows where without
    /// credentials.
    #[error("the queue's Redis: {0}")]
    Redis(#[from] hookgate::StoreError),
    /// A queue operation failed: Redis timed out, answered an error, or holds
    /// an entry hookgate cannot read (exit 1).
    #[error("the queue: {0}")]
    Queue(#[from] hookgate::queue::QueueError),
}

impl CliError {
    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Negative(_) | Self::Redis(_) | Self::Queue(_) => 1,
            Self::Usage(_) | Self::Io { .. } | Self::Secret(_) => 2,
        }
    }

    /// An I/O error while doing `what`.
    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let what = what.into();
        move |source| Self::Io { what, source }
    }
}
