//! `/api/v1/admin/check`: the audit, run live inside the server — the same checks as
//! `rezerve check`, plus the in-memory seat index against the stores.

use crate::audit::Finding;
use crate::error::Error;
use crate::http::extract::AdminOnly;
use crate::http::json::Json;
use crate::http::problem::Problem;
use crate::http::state::Ops;
use axum::extract::State;
use serde::Serialize;

/// The outcome of every check.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckReport {
    /// True when every check passed.
    pub ok: bool,
    pub checks: Vec<Finding>,
}

/// Runs every invariant check against the live server.
#[utoipa::path(get, path = "/api/v1/admin/check", operation_id = "run_admin_check", tag = "operations", security(("bearer" = ["admin"])),
    responses((status = 200, body = CheckReport), (status = 403, body = Problem)))]
pub async fn check(State(ops): State<Ops>, _admin: AdminOnly) -> Result<Json<CheckReport>, Error> {
    let checks = crate::audit::run_live(&ops.sqlite, &ops.inventory).await?;
    Ok(Json(CheckReport {
        ok: checks.iter().all(|c| c.problem.is_none()),
        checks,
    }))
}
