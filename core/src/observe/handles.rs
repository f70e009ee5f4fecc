//! The metric keys, built once, and the handles [`register`](super::register)
//! resolves once from the global recorder: what the recording in
//! [`record`](super::record) updates. Nothing here allocates per delivery.
//!
//! Until [`register`](super::register) has found a global recorder, each
//! update goes to the recorder current at that moment
//! ([`metrics::with_recorder`]: the thread's local recorder, else the global
//! one, else none), its handle looked up by key. Once it has, every update
//! goes straight to the handle registered with the global recorder (even
//! inside a thread's local recorder): one atomic load to find the handles,
//! no registry look-up, no reference count. `register()` registers only with a global recorder (never with a
//! thread's local one, which would be gone when its scope ends), so it
//! never caches the no-op handles of "no recorder yet": a recorder installed
//! after an early `register()`, or after the receivers were built, still
//! gets every delivery.

use std::sync::OnceLock;

use metrics::{Key, Label, Level as MetricLevel, Metadata, Recorder};

use super::*;

pub(super) static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), MetricLevel::INFO, Some(module_path!()));

/// Every per-delivery metric's key, by label value.
pub(super) struct Keys {
    /// `[outcome index][mode index]`.
    pub(super) deliveries: Vec<[Key; 2]>,
    pub(super) verify: [Key; 2],
    pub(super) store: Vec<Key>,
    pub(super) store_errors: Vec<Key>,
    pub(super) handler: Key,
    pub(super) in_flight: Key,
}

/// The keys, built on first use.
pub(super) fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mode = |m: &'static str| Label::from_static_parts("mode", m);
        let with = |name: &'static str, labels: Vec<Label>| Key::from_parts(name, labels);
        Keys {
            deliveries: OUTCOME_CODES
                .iter()
                .map(|code| {
                    let outcome = Label::from_static_parts("outcome", code);
                    [
                        with(DELIVERIES_TOTAL, vec![outcome.clone(), mode("signed")]),
                        with(DELIVERIES_TOTAL, vec![outcome, mode("direct")]),
                    ]
                })
                .collect(),
            verify: [
                with(VERIFY_DURATION, vec![mode("signed")]),
                with(VERIFY_DURATION, vec![mode("direct")]),
            ],
            store: STORE_OPS
                .iter()
                .map(|op| with(STORE_DURATION, vec![Label::from_static_parts("op", op)]))
                .collect(),
            store_errors: STORE_OPS
                .iter()
                .map(|op| with(STORE_ERRORS_TOTAL, vec![Label::from_static_parts("op", op)]))
                .collect(),
            handler: Key::from_static_name(HANDLER_DURATION),
            in_flight: Key::from_static_name(IN_FLIGHT),
        }
    })
}

/// The handles of every key in [`Keys`], from one recorder.
pub(super) struct Handles {
    pub(super) deliveries: Vec<[metrics::Counter; 2]>,
    pub(super) verify: [metrics::Histogram; 2],
    pub(super) store: Vec<metrics::Histogram>,
    pub(super) store_errors: Vec<metrics::Counter>,
    pub(super) handler: metrics::Histogram,
    pub(super) in_flight: metrics::Gauge,
}

impl Handles {
    fn new(r: &dyn Recorder) -> Self {
        let k = keys();
        let counter = |key: &Key| r.register_counter(key, &METADATA);
        let histogram = |key: &Key| r.register_histogram(key, &METADATA);
        Self {
            deliveries: k
                .deliveries
                .iter()
                .map(|[s, d]| [counter(s), counter(d)])
                .collect(),
            verify: [histogram(&k.verify[0]), histogram(&k.verify[1])],
            store: k.store.iter().map(histogram).collect(),
            store_errors: k.store_errors.iter().map(counter).collect(),
            handler: histogram(&k.handler),
            in_flight: r.register_gauge(&k.in_flight, &METADATA),
        }
    }
}

/// The handles registered with the global recorder: set once, by the first
/// [`register`](super::register) that finds one (one can be installed only
/// once per process).
static REGISTERED: OnceLock<Handles> = OnceLock::new();

/// The registered handles, once [`register_global`] has found a global
/// recorder.
#[inline]
pub(super) fn registered() -> Option<&'static Handles> {
    REGISTERED.get()
}

/// Registers the handles with the global recorder, if one is installed and
/// they are not registered yet. The global recorder is looked up from a
/// thread of its own, which has no local recorder set: a call inside
/// `metrics::with_local_recorder` still registers with the global one.
/// Returns whether the handles are registered.
pub(super) fn register_global() -> bool {
    if REGISTERED.get().is_some() {
        return true;
    }
    let found = std::thread::scope(|scope| {
        let global = std::thread::Builder::new()
            .name("hookgate-register".to_owned())
            .spawn_scoped(scope, || {
                // Zero-sized: the no-op recorder of "none installed" (or a
                // stateless one: updates keep looking it up, which is right).
                metrics::with_recorder(|r| (std::mem::size_of_val(r) != 0).then(|| Handles::new(r)))
            });
        // Without a thread, nothing is registered: every update looks its
        // handle up, which is slower but loses nothing.
        global.ok().and_then(|handle| handle.join().ok().flatten())
    });
    if let Some(registered) = found {
        let _ = REGISTERED.set(registered);
    }
    REGISTERED.get().is_some()
}

/// Updates one metric: through its handle registered with the global
/// recorder once [`register_global`] has found one, else through the handle
/// the current recorder looks up by key.
macro_rules! update {
    ($register:ident, $key:expr, |$h:ident: &Handles| $cached:expr, |$m:ident| $update:expr) => {
        match $crate::observe::handles::registered() {
            Some($h) => {
                let $m = $cached;
                $update
            }
            None => metrics::with_recorder(|r| {
                let $m = &r.$register($key, &$crate::observe::handles::METADATA);
                $update
            }),
        }
    };
}
pub(super) use update;
