//! Logs and metrics: the tracing subscriber, the Prometheus recorder, and every metric name.
//!
//! Metric names follow `rezerve_<domain>_<what>_<unit>` and are declared here, in one place,
//! so a dashboard author can read them all at once.

use crate::config::{LogConfig, LogFormat};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

/// HTTP requests served, by method, route template and status.
pub const HTTP_REQUESTS_TOTAL: &str = "rezerve_http_requests_total";
/// HTTP request latency, by method and route template.
pub const HTTP_REQUEST_DURATION_SECONDS: &str = "rezerve_http_request_duration_seconds";
/// How many writes one SQLite transaction carried (group commit at work).
pub const SQLITE_BATCH_SIZE: &str = "rezerve_store_sqlite_batch_size";
/// Logins, by outcome (`ok`, `invalid`, `disabled`).
pub const AUTH_LOGINS_TOTAL: &str = "rezerve_auth_logins_total";
/// Accounts created, by role.
pub const AUTH_USERS_CREATED_TOTAL: &str = "rezerve_auth_users_created_total";
/// Events created, by category.
pub const CATALOG_EVENTS_CREATED_TOTAL: &str = "rezerve_catalog_events_created_total";
/// Jobs run, by kind and resulting status (`done`, `queued`, `dead`).
pub const JOBS_RUN_TOTAL: &str = "rezerve_jobs_run_total";
/// Seat holds created, by event category.
pub const HOLDS_CREATED_TOTAL: &str = "rezerve_holds_created_total";
/// Seat holds ended, by how (`released`, `expired`, `booked`).
pub const HOLDS_ENDED_TOTAL: &str = "rezerve_holds_ended_total";
/// Live seat holds.
pub const HOLDS_ACTIVE: &str = "rezerve_holds_active";
/// Holds refused because a seat was taken.
pub const HOLDS_CONFLICTS_TOTAL: &str = "rezerve_holds_conflicts_total";
/// How many changes one hold-store commit carried.
pub const HOLDS_BATCH_SIZE: &str = "rezerve_store_holds_batch_size";
/// When the process started serving, in Unix seconds.
pub const PROCESS_START_TIME_SECONDS: &str = "rezerve_process_start_time_seconds";

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

/// The process's Prometheus recorder. The `metrics` facade is process-global by design, so
/// every `App` in a process (tests start many) shares the one recorder installed first.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets(&[
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ])
                .expect("static bucket list is non-empty")
                // Batch sizes are counts, not seconds.
                .set_buckets_for_metric(
                    Matcher::Suffix("_batch_size".into()),
                    &[
                        1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0,
                    ],
                )
                .expect("static bucket list is non-empty")
                .build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics may be empty");
            }
            describe();
            handle
        })
        .clone()
}

fn describe() {
    metrics::describe_counter!(HTTP_REQUESTS_TOTAL, "HTTP requests served");
    metrics::describe_histogram!(
        HTTP_REQUEST_DURATION_SECONDS,
        metrics::Unit::Seconds,
        "HTTP request latency"
    );
    metrics::describe_histogram!(SQLITE_BATCH_SIZE, "Writes per SQLite transaction");
    metrics::describe_counter!(AUTH_LOGINS_TOTAL, "Login attempts by outcome");
    metrics::describe_counter!(AUTH_USERS_CREATED_TOTAL, "Accounts created by role");
    metrics::describe_counter!(CATALOG_EVENTS_CREATED_TOTAL, "Events created by category");
    metrics::describe_counter!(JOBS_RUN_TOTAL, "Jobs run by kind and outcome");
    metrics::describe_counter!(HOLDS_CREATED_TOTAL, "Seat holds created");
    metrics::describe_counter!(HOLDS_ENDED_TOTAL, "Seat holds ended, by how");
    metrics::describe_gauge!(HOLDS_ACTIVE, "Live seat holds");
    metrics::describe_counter!(
        HOLDS_CONFLICTS_TOTAL,
        "Holds refused because a seat was taken"
    );
    metrics::describe_histogram!(HOLDS_BATCH_SIZE, "Changes per hold-store commit");
    metrics::describe_gauge!(
        PROCESS_START_TIME_SECONDS,
        metrics::Unit::Seconds,
        "Start time of the process, Unix seconds"
    );
}
