//! A receiver checked once to run in queue mode: what a route that only
//! enqueues is built from.

use crate::queue::QueueError;
use crate::Receiver;

/// A [`Receiver`] known to run in queue mode
/// ([`ReceiverBuilder::queue`](crate::ReceiverBuilder::queue)).
///
/// The adapters' `queue_route` takes one: that route has no handler of its
/// own (the core answers every delivery, `202` once queued), so over a
/// receiver that is not in queue mode it could only fail each delivery. With
/// this type the mistake is refused where the app is put together, by
/// [`Receiver::queue_receiver`], never at run time.
///
/// ```
/// use hookgate::queue::{MemoryQueue, QueueConfig, QueueError};
/// use hookgate::Receiver;
///
/// let plain = Receiver::builder()
///     .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
///     .build()
///     .unwrap();
/// assert!(matches!(plain.queue_receiver(), Err(QueueError::NotQueueMode)));
///
/// let queued = Receiver::builder()
///     .secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
///     .queue(QueueConfig::new(MemoryQueue::new()).allow_volatile(true))
///     .build()
///     .unwrap();
/// let queue = queued.queue_receiver().unwrap();
/// assert!(queue.receiver().queue_mode());
/// ```
#[derive(Clone, Debug)]
pub struct QueueReceiver(Receiver);

impl QueueReceiver {
    /// The receiver (in queue mode).
    pub fn receiver(&self) -> &Receiver {
        &self.0
    }

    /// The receiver back.
    pub fn into_receiver(self) -> Receiver {
        self.0
    }
}

impl AsRef<Receiver> for QueueReceiver {
    fn as_ref(&self) -> &Receiver {
        &self.0
    }
}

impl From<QueueReceiver> for Receiver {
    fn from(queue: QueueReceiver) -> Self {
        queue.0
    }
}

/// Fails with [`QueueError::NotQueueMode`] when the receiver was built
/// without [`ReceiverBuilder::queue`](crate::ReceiverBuilder::queue).
impl TryFrom<Receiver> for QueueReceiver {
    type Error = QueueError;

    fn try_from(receiver: Receiver) -> Result<Self, QueueError> {
        if receiver.queue_mode() {
            Ok(Self(receiver))
        } else {
            Err(QueueError::NotQueueMode)
        }
    }
}

impl Receiver {
    /// This receiver as a [`QueueReceiver`], what the adapters' `queue_route`
    /// takes; [`QueueError::NotQueueMode`] when it was built without
    /// [`ReceiverBuilder::queue`](crate::ReceiverBuilder::queue). A clone
    /// (one reference count).
    pub fn queue_receiver(&self) -> Result<QueueReceiver, QueueError> {
        QueueReceiver::try_from(self.clone())
    }
}
