//! Operational endpoints: liveness, readiness and Prometheus metrics.

use super::problem::Problem;
use super::state::Ops;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The process is up.
#[utoipa::path(get, path = "/healthz", operation_id = "check_health", tag = "operations",
    responses((status = 200, description = "the process is up", body = String)))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Storage is open and writable.
#[utoipa::path(get, path = "/readyz", operation_id = "check_readiness", tag = "operations",
    responses((status = 200, description = "ready to serve", body = String),
              (status = 503, description = "a store is not writable", body = Problem)))]
pub async fn readyz(State(ops): State<Ops>) -> Response {
    let sqlite = ops.sqlite.write(|conn| {
        conn.execute_batch("SELECT 1")?;
        Ok(())
    });
    let holds = ops.holds.clone();
    let redb = tokio::task::spawn_blocking(move || holds.probe_write());
    let (sqlite, redb) = tokio::join!(sqlite, redb);
    let redb = redb.unwrap_or_else(|e| Err(crate::error::Error::internal(e)));
    let inventory = if ops.inventory.is_healthy() {
        Ok(())
    } else {
        Err(crate::error::Error::Unavailable(
            "the hold store failed a commit".into(),
        ))
    };
    let redb = redb.and(inventory);
    match (sqlite, redb) {
        (Ok(()), Ok(())) => "ready".into_response(),
        (s, r) => {
            let mut failing = Vec::new();
            if let Err(e) = s {
                tracing::warn!(error = %e, "readiness: sqlite");
                failing.push("sqlite");
            }
            if let Err(e) = r {
                tracing::warn!(error = %e, "readiness: redb");
                failing.push("holds");
            }
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_ready",
                format!("not writable: {}", failing.join(", ")),
            )
            .into_response()
        }
    }
}

/// Prometheus text format. Gauges read from the stores (queue depth, file sizes, disk)
/// are refreshed first, so each scrape shows them as they are.
#[utoipa::path(get, path = "/metrics", operation_id = "get_metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format", body = String)))]
pub async fn metrics(State(ops): State<Ops>) -> Response {
    crate::telemetry::gauges::refresh(&ops.gauges).await;
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        ops.metrics.render(),
    )
        .into_response()
}
