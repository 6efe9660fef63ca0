//! `rezerve check` on a data dir, from a read-only SQLite connection so it is safe beside a
//! running server.
//!
//! The hold store belongs to the serving process while it runs; then its checks are skipped
//! here and made live by the server (`GET /api/v1/admin/check`).

use super::{Finding, job_causes, stored};
use crate::error::Error;
use crate::inventory::{hold_store, invariants};
use crate::store::{self, DataDirLock, HoldDb};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// Runs every check on a data dir. Blocking.
pub fn run_offline(data_dir: &Path) -> Result<Vec<Finding>, Error> {
    let path = store::sqlite_path(data_dir);
    let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let (mut findings, current) = stored(&conn)?;
    if !current {
        return Ok(findings);
    }
    let redb_path = store::redb_path(data_dir);
    let lock = if redb_path.exists() {
        DataDirLock::acquire(data_dir).ok()
    } else {
        None
    };
    let live = match (redb_path.exists(), lock) {
        (false, _) => Some(Vec::new()),
        (true, Some(_lock)) => Some(hold_store::read_live_holds(&HoldDb::open(&redb_path)?)?),
        (true, None) => None,
    };
    match live {
        Some(live) => match invariants::expected(&conn, &live) {
            Ok(expected) => findings.extend(invariants::findings(&expected)),
            Err(e) => findings.push(Finding::from_problems(
                "the seat index can be rebuilt",
                vec![e.to_string()],
            )),
        },
        None => findings.push(Finding {
            check: "hold store (skipped: `rezerve serve` has it; GET /api/v1/admin/check checks it live)",
            problem: None,
        }),
    }
    findings.push(job_causes::check(&conn)?);
    Ok(findings)
}
