//! Logs and metrics: the tracing subscriber, the Prometheus recorder and exporter, and the
//! gauges read at scrape time ([`gauges`], which read the domains: this module sits above
//! them). The series' names and the functions the domains record through are
//! [`crate::metric`], a leaf the domains use without importing this module.

pub mod gauges;

use crate::metric::names::{self, BOOKING_FLOW_SECONDS};
use crate::metric::record;

use crate::config::{LogConfig, LogFormat};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

/// Installs the log subscriber once per process; later calls (tests) are no-ops.
pub fn init_logging(config: &LogConfig) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = match config.format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// The request log's line for a 5xx answer (the trace layer's `on_failure`): what
/// tower-http's default logs, its target, message and fields, except that a 503 is a
/// warning. A 503 is the server refusing work on purpose (a full write queue's
/// `overloaded` with `Retry-After`, a request past its time limit, a store not ready) and
/// a rush brings thousands; at ERROR they buried the 500s, which are bugs.
pub fn log_failed_response(
    classification: tower_http::classify::ServerErrorsFailureClass,
    latency: std::time::Duration,
    span: &tracing::Span,
) {
    use tower_http::classify::ServerErrorsFailureClass::StatusCode;
    let latency = format_args!("{} ms", latency.as_millis());
    match classification {
        StatusCode(status) if status.as_u16() == 503 => tracing::warn!(
            target: "tower_http::trace::on_failure",
            parent: span,
            classification = %classification,
            %latency,
            "response failed"
        ),
        _ => tracing::error!(
            target: "tower_http::trace::on_failure",
            parent: span,
            classification = %classification,
            %latency,
            "response failed"
        ),
    }
}

/// Latency buckets for requests and jobs: sub-millisecond to a few seconds.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Batch sizes are counts, not seconds.
const BATCH_BUCKETS: [f64; 11] = [
    1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0,
];
/// A customer picks seats, types a card number: seconds to the hold's time limit.
const FLOW_BUCKETS: [f64; 11] = [
    1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0,
];

/// The process's Prometheus recorder. The `metrics` facade is process-global by design, so
/// every `App` in a process (tests start many) shares the one recorder installed first.
#[allow(
    clippy::expect_used,
    reason = "start-up: the bucket lists are constants, checked by every test run"
)]
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets(&LATENCY_BUCKETS)
                .expect("static bucket list is non-empty")
                .set_buckets_for_metric(Matcher::Suffix("_batch_size".into()), &BATCH_BUCKETS)
                .expect("static bucket list is non-empty")
                .set_buckets_for_metric(Matcher::Full(BOOKING_FLOW_SECONDS.into()), &FLOW_BUCKETS)
                .expect("static bucket list is non-empty")
                .build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics may be empty");
            }
            gauges::started_at();
            names::describe();
            record::register_zeros();
            handle
        })
        .clone()
}

/// The `/metrics` body: the scrape-time gauges refreshed, then every series in the text
/// format.
pub async fn render(handle: &PrometheusHandle, sources: &gauges::Sources) -> String {
    gauges::refresh(sources).await;
    let mut text = handle.render();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&gauges::cpu_exposition());
    text
}

#[cfg(test)]
mod tests {
    use super::log_failed_response;
    use std::sync::{Arc, Mutex};
    use tower_http::classify::ServerErrorsFailureClass;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The level of the line `classification` is logged with.
    fn logged(classification: ServerErrorsFailureClass) -> String {
        let log = Captured::default();
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .without_time()
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            // Whether a line is wanted is cached per call site for the whole process; this
            // thread's subscriber must be the one asked.
            tracing::callsite::rebuild_interest_cache();
            log_failed_response(
                classification,
                std::time::Duration::from_millis(3),
                &tracing::Span::none(),
            );
        });
        let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("response failed"), "{text}");
        text.split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string()
    }

    #[test]
    fn a_503_is_a_warning_and_every_other_failure_an_error() {
        use axum::http::StatusCode;
        let status = ServerErrorsFailureClass::StatusCode;
        assert_eq!(logged(status(StatusCode::SERVICE_UNAVAILABLE)), "WARN");
        for code in [500, 502, 504, 507] {
            let code = StatusCode::from_u16(code).unwrap();
            assert_eq!(logged(status(code)), "ERROR", "{code}");
        }
        let error = ServerErrorsFailureClass::Error("connection reset".into());
        assert_eq!(logged(error), "ERROR");
    }
}
