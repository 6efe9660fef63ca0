//! The audit: every invariant of a data dir, checked offline by `rezerve check` and live by
//! `GET /api/v1/admin/check` through the same functions, so each check is written once.
//!
//! It sits above the domains and calls each one's invariants; no domain or store imports
//! it. Results are [`Finding`]s, the store's plain check result the domains report in.

mod job_causes;
mod live;
mod offline;

use crate::error::Error;
use crate::store::check::sqlite_findings;
use rusqlite::Connection;

pub use crate::store::check::Finding;
pub use live::run_live;
pub use offline::run_offline;

/// The checks that read SQLite alone: its own integrity and schema version, then (when the
/// schema is current) the catalog's and the bookings' invariants. Also says whether the
/// schema is current; the other checks assume it.
fn stored(conn: &Connection) -> Result<(Vec<Finding>, bool), Error> {
    let (mut findings, current) = sqlite_findings(conn)?;
    if current {
        findings.extend(crate::catalog::invariants_repo::check(conn)?);
        findings.extend(crate::booking::invariants_repo::check(conn)?);
    }
    Ok((findings, current))
}
