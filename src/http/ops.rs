//! Operational endpoints: liveness and readiness on the API listener, and the Prometheus
//! metrics that `http::metrics` serves on a listener of its own.

use super::problem::Problem;
use super::state::Ops;
use crate::error::Error;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::time::Duration;

/// The process is up.
#[utoipa::path(get, path = "/healthz", operation_id = "check_health", tag = "operations",
    responses((status = 200, description = "the process is up", body = String)))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// How long the readiness probe waits for a store before calling it not writable.
const PROBE_LIMIT: Duration = Duration::from_secs(3);

/// Storage is open and writable.
#[utoipa::path(get, path = "/readyz", operation_id = "check_readiness", tag = "operations",
    responses((status = 200, description = "ready to serve", body = String),
              (status = 503, description = "a store is not writable", body = Problem)))]
pub async fn readyz(State(ops): State<Ops>) -> Response {
    let mut failing = Vec::new();
    for (store, result) in probe_stores(&ops).await {
        if let Err(e) = result {
            tracing::warn!(error = %e, store, "readiness");
            failing.push(store);
        }
    }
    if failing.is_empty() {
        return "ready".into_response();
    }
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "not_ready",
        format!("not writable: {}", failing.join(", ")),
    )
    .into_response()
}

/// Writes to both stores, as readiness asks, each through its own writer: SQLite's writer
/// thread, and an empty commit through the hold store's committer (refused once a failed
/// commit or a panic under the seat index has stopped it). Each store's
/// name with its answer, `sqlite` first.
async fn probe_stores(ops: &Ops) -> [(&'static str, Result<(), Error>); 2] {
    let sqlite = ops.sqlite.write(crate::store::check::probe_write);
    let redb = ops.inventory.probe_write();
    let (sqlite, redb) = tokio::join!(in_time(sqlite), in_time(redb));
    [("sqlite", sqlite), ("holds", redb)]
}

async fn in_time(probe: impl Future<Output = Result<(), Error>>) -> Result<(), Error> {
    tokio::time::timeout(PROBE_LIMIT, probe)
        .await
        .unwrap_or_else(|_| {
            Err(Error::Unavailable(format!(
                "no answer in {} s",
                PROBE_LIMIT.as_secs()
            )))
        })
}

/// Prometheus text format, served on the metrics listener (`http::metrics`), not the API's.
/// Gauges read from the stores (queue depth, file sizes, disk, whether each store is
/// writable as `/readyz` asks) are refreshed first, so each scrape shows them as they are.
pub async fn metrics(State(ops): State<Ops>) -> Response {
    for (store, result) in probe_stores(&ops).await {
        crate::telemetry::gauges::store_writable(store, result.is_ok());
    }
    let body = crate::telemetry::render(&ops.metrics, &ops.gauges).await;
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
