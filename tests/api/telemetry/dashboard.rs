//! The Grafana dashboard and the Prometheus files against what the binary exports: every
//! series a panel or an alert queries is declared in the metric registry
//! (src/telemetry/names.rs) and present in a real scrape of the running binary.

use super::scrape;
use crate::cli::Workdir;
use serde_json::{Value, json};
use std::collections::BTreeSet;

const DASHBOARD: &str = include_str!("../../../assets/grafana/rezerve-dashboard.json");
const REGISTRY: &str = include_str!("../../../src/telemetry/names.rs");
const PROMETHEUS_SCRAPE: &str = include_str!("../../../assets/prometheus/prometheus.yml");

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

#[test]
fn the_dashboard_only_uses_declared_metrics() {
    let dashboard: Value = serde_json::from_str(DASHBOARD).expect("the dashboard is valid JSON");
    assert!(dashboard["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(dashboard["uid"].as_str().is_some_and(|t| !t.is_empty()));
    let panels = dashboard["panels"].as_array().expect("panels");
    assert!(panels.len() >= 4, "{} panels", panels.len());
    for panel in panels {
        assert!(
            panel["title"].as_str().is_some(),
            "a panel without a title: {panel}"
        );
        assert!(
            panel["gridPos"].is_object(),
            "a panel without a position: {panel}"
        );
    }

    let names = dashboard_metric_names();
    for name in &names {
        assert!(
            is_declared(name),
            "the dashboard queries {name}, which src/telemetry/names.rs does not declare"
        );
    }
    for required in [
        "rezerve_http_requests_total",
        "rezerve_http_request_duration_seconds_bucket",
        "rezerve_auth_logins_total",
    ] {
        assert!(
            names.contains(required),
            "the dashboard lacks {required}: {names:?}"
        );
    }
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("rezerve_store_sqlite_batch_size")),
        "{names:?}"
    );

    assert!(
        PROMETHEUS_SCRAPE.contains("metrics_path: /metrics"),
        "{PROMETHEUS_SCRAPE}"
    );
}

#[tokio::test]
async fn the_server_exports_every_metric_the_dashboard_queries() {
    let work = Workdir::new();
    let server = work.cmd(&["serve"]).serve().await;
    // A write (group commit), a good and a bad login, and a routed request.
    server
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "m@example.test", "password": "correct horse battery", "name": "M"}),
        )
        .await
        .assert_status(201);
    server
        .login("m@example.test", "correct horse battery")
        .await
        .assert_status(200);
    server
        .login("m@example.test", "wrong horse battery")
        .await
        .assert_status(401);
    server.get("/api/v1/events", None).await.assert_status(200);

    let scrape = scrape(&server).await;
    for name in dashboard_metric_names() {
        assert!(
            scrape.0.contains(&format!("{name}{{")) || scrape.0.contains(&format!("{name} ")),
            "/metrics lacks {name}\n{}",
            scrape.0
        );
    }
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
