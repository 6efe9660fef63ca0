//! The Grafana dashboard and the Prometheus files against what the binary exports: every
//! series a panel or an alert queries is declared in the metric registry
//! (src/metric/names.rs) and present in a real scrape of the running binary after a small
//! show day. (`prometheus.rs` runs every panel's query in a real Prometheus.)

use super::scrape;
use crate::bookings::{EVENTUALLY, POLL};
use crate::cli::Workdir;
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Instant;

const DASHBOARD: &str = include_str!("../../../assets/grafana/rezerve-dashboard.json");
const REGISTRY: &str = include_str!("../../../src/metric/names.rs");
const PROMETHEUS_SCRAPE: &str = include_str!("../../../assets/prometheus/prometheus.yml");
const ALERTS: &str = include_str!("../../../assets/prometheus/rezerve-alerts.yml");

/// Every `expr` in the dashboard, nested rows included.
fn dashboard_queries(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("expr", Value::String(expr)) => out.push(expr.clone()),
                    _ => dashboard_queries(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| dashboard_queries(v, out)),
        _ => {}
    }
}

/// The `rezerve_*` metric names a PromQL expression mentions.
pub fn metric_names(expr: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = expr;
    while let Some(start) = rest.find("rezerve_") {
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        names.insert(tail[..end].to_string());
        rest = &tail[end..];
    }
    names
}

fn dashboard_metric_names() -> BTreeSet<String> {
    let dashboard: Value = serde_json::from_str(DASHBOARD).expect("the dashboard is valid JSON");
    let mut queries = Vec::new();
    dashboard_queries(&dashboard, &mut queries);
    assert!(!queries.is_empty(), "the dashboard has no queries");
    queries.iter().flat_map(|q| metric_names(q)).collect()
}

/// Whether the registry declares the metric a series belongs to (`_bucket`, `_sum` and
/// `_count` series belong to their histogram).
pub fn is_declared(series: &str) -> bool {
    let declared = |name: &str| REGISTRY.contains(&format!("\"{name}\""));
    declared(series)
        || ["_bucket", "_sum", "_count"]
            .iter()
            .any(|suffix| series.strip_suffix(suffix).is_some_and(declared))
}

/// The series an operator's day needs on the dashboard: sales and revenue, holds and
/// conflicts, queue depth and dead jobs, email failures, check-ins, latency and errors by
/// route, memory, disk.
const OPERATORS_DAY: [&str; 16] = [
    "rezerve_booking_seats_sold_total",
    "rezerve_payment_revenue_minor_total",
    "rezerve_payment_refunds_minor_total",
    "rezerve_booking_outcomes_total",
    "rezerve_holds_active",
    "rezerve_holds_conflicts_total",
    "rezerve_jobs_queued",
    "rezerve_jobs_dead",
    "rezerve_notify_emails_total",
    "rezerve_checkin_admitted_total",
    "rezerve_checkin_refused_total",
    "rezerve_http_requests_total",
    "rezerve_http_request_duration_seconds_bucket",
    "rezerve_process_resident_memory_bytes",
    "rezerve_process_memory_limit_bytes",
    "rezerve_store_disk_free_bytes",
];

/// Every panel that draws something (rows only group), with its queries.
pub fn panel_queries() -> Vec<(String, Vec<String>)> {
    let dashboard: Value = serde_json::from_str(DASHBOARD).expect("the dashboard is valid JSON");
    let panels = dashboard["panels"].as_array().expect("panels");
    panels
        .iter()
        .filter(|p| p["type"] != "row")
        .map(|p| {
            let title = p["title"].as_str().unwrap_or_default().to_string();
            let mut queries = Vec::new();
            dashboard_queries(&p["targets"], &mut queries);
            (title, queries)
        })
        .collect()
}

#[test]
fn the_dashboard_only_uses_declared_metrics() {
    let dashboard: Value = serde_json::from_str(DASHBOARD).expect("the dashboard is valid JSON");
    assert!(dashboard["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(dashboard["uid"].as_str().is_some_and(|t| !t.is_empty()));
    let panels = dashboard["panels"].as_array().expect("panels");
    for panel in panels {
        assert!(
            panel["title"].as_str().is_some_and(|t| !t.is_empty()),
            "a panel without a title: {panel}"
        );
        assert!(
            panel["gridPos"].is_object(),
            "a panel without a position: {panel}"
        );
    }
    // Every panel that draws has queries, and every query reads a declared Rezerve series.
    let drawn = panel_queries();
    assert!(drawn.len() >= 20, "{} panels", drawn.len());
    for (title, queries) in &drawn {
        assert!(!queries.is_empty(), "panel {title:?} has no query");
        for query in queries {
            let names = metric_names(query);
            assert!(
                !names.is_empty(),
                "panel {title:?} queries no rezerve_ series: {query}"
            );
            for name in names {
                assert!(
                    is_declared(&name),
                    "panel {title:?} queries {name}, which src/metric/names.rs does not declare"
                );
            }
        }
    }
    let names = dashboard_metric_names();
    for required in OPERATORS_DAY {
        assert!(
            names.contains(required),
            "the dashboard lacks {required}: {names:?}"
        );
    }

    assert!(
        PROMETHEUS_SCRAPE.contains("metrics_path: /metrics"),
        "{PROMETHEUS_SCRAPE}"
    );
    assert!(
        PROMETHEUS_SCRAPE.contains("- rezerve-alerts.yml"),
        "the scrape config does not load the alert rules:\n{PROMETHEUS_SCRAPE}"
    );
}

#[test]
fn the_alert_rules_only_use_declared_metrics() {
    let names = metric_names(ALERTS);
    for name in &names {
        assert!(
            is_declared(name),
            "an alert queries {name}, which src/metric/names.rs does not declare"
        );
    }
    for alert in [
        "RezerveDown",
        "RezerveNotReady",
        "RezerveDeadJobs",
        "RezerveEmailFailuresRising",
        "RezerveQueueGrowing",
        "RezerveSlowRequests",
        "RezerveDiskNearlyFull",
        "RezerveNoRecentBackup",
        "RezerveMemoryNearLimit",
    ] {
        assert!(
            ALERTS.contains(&format!("- alert: {alert}\n")),
            "{alert} missing"
        );
    }
    // Each alert has exactly one runbook line.
    assert_eq!(
        ALERTS.matches("- alert: ").count(),
        ALERTS.matches("\n          runbook: \"").count(),
        "every alert needs a one-line runbook annotation"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_exports_every_metric_the_dashboard_and_alerts_query() {
    let work = Workdir::new();
    let server = super::day::serve(&work).await;
    super::day::run(&server).await;
    let wanted: Vec<String> = dashboard_metric_names()
        .into_iter()
        .chain(metric_names(ALERTS))
        .collect();
    // Emails and other jobs run in the background: wait for their series.
    let deadline = Instant::now() + EVENTUALLY;
    let scrape = loop {
        let scrape = scrape(&server).await;
        let missing: Vec<&String> = wanted
            .iter()
            .filter(|name| {
                !(scrape.0.contains(&format!("{name}{{")) || scrape.0.contains(&format!("{name} ")))
            })
            .collect();
        if missing.is_empty() {
            break scrape;
        }
        assert!(
            Instant::now() < deadline,
            "/metrics lacks {missing:?}\n{}",
            scrape.0
        );
        tokio::time::sleep(POLL).await;
    };
    for series in [
        "rezerve_auth_logins_total{outcome=\"ok\"}",
        "rezerve_auth_logins_total{outcome=\"invalid\"}",
        "route=\"/api/v1/events\"",
    ] {
        assert!(
            scrape.0.contains(series),
            "/metrics lacks {series}\n{}",
            scrape.0
        );
    }
}
