//! `GET /metrics`: hookgate's metrics (and anything else the app records
//! through the `metrics` facade) in the Prometheus text format, from
//! `metrics-exporter-prometheus` installed as the process's recorder.

use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// The histogram buckets of every `*_seconds` metric: from half a millisecond
/// (an in-memory claim, a signature check) to the 30 s default handler
/// deadline.
pub const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The content type of `GET /metrics`.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The installed Prometheus recorder; [`render`](Self::render) is the body of
/// `GET /metrics`. Cheap to clone.
#[derive(Clone)]
pub struct Metrics(PrometheusHandle);

impl Metrics {
    /// Installs the Prometheus recorder for the whole process, describes
    /// hookgate's metrics and registers their handles with it
    /// (`hookgate::observe::register`), and keeps the recorder's buffers drained (a
    /// thread, every 5 s) whether or not anyone scrapes.
    ///
    /// # Panics
    ///
    /// When another recorder is installed already (an example wiring mistake).
    pub fn install() -> Self {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), BUCKETS)
            .expect("the buckets are not empty")
            .install_recorder()
            .expect("no other metrics recorder is installed");
        hookgate::observe::register();
        let upkeep = handle.clone();
        std::thread::Builder::new()
            .name("metrics-upkeep".to_owned())
            .spawn(move || loop {
                std::thread::sleep(Duration::from_secs(5));
                upkeep.run_upkeep();
            })
            .expect("a thread can be started");
        Self(handle)
    }

    /// Everything recorded so far, in the Prometheus text format.
    pub fn render(&self) -> String {
        self.0.render()
    }
}
