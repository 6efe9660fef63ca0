//! `/api/v1/admin/check`: the invariants, checked live inside the running server — the same
//! checks as `rezerve check`, plus the in-memory seat index against the stores.

use crate::error::Error;
use crate::http::extract::AdminOnly;
use crate::http::problem::Problem;
use crate::http::state::Ops;
use crate::store::check::{Finding, sqlite_findings};
use axum::Json;
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
    let mut checks = ops
        .sqlite
        .read(|conn| {
            let (mut findings, _) = sqlite_findings(conn)?;
            findings.extend(crate::catalog::invariants::check(conn)?);
            findings.extend(crate::booking::invariants::check(conn)?);
            Ok(findings)
        })
        .await?;
    checks.extend(ops.inventory.verify().await?);
    // Job causes that name holds are looked up in the hold store first.
    let hold_ids: Vec<String> = ops
        .sqlite
        .read(|conn| {
            Ok(conn
                .prepare("SELECT DISTINCT substr(cause, 6) FROM jobs WHERE cause LIKE 'hold:%'")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()?)
        })
        .await?;
    let mut known = Vec::new();
    for id in hold_ids {
        if ops.inventory.hold_known(&id).await {
            known.push(id);
        }
    }
    checks.push(
        ops.sqlite
            .read(move |conn| {
                crate::inventory::invariants::job_causes(conn, &|id| known.iter().any(|k| k == id))
            })
            .await?,
    );
    Ok(Json(CheckReport {
        ok: checks.iter().all(|c| c.problem.is_none()),
        checks,
    }))
}
