//! `rezerve check`: SQLite's own integrity and foreign-key checks, the schema version, and
//! each domain's invariants, read from a read-only connection so it is safe beside a running
//! server.

use crate::error::Error;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// The result of one check: `problem` is `None` when it passed.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Finding {
    pub check: &'static str,
    pub problem: Option<String>,
}

impl Finding {
    /// A check that passed when `problems` is empty, listing up to ten of them otherwise.
    pub fn from_problems(check: &'static str, problems: Vec<String>) -> Finding {
        let problem = (!problems.is_empty()).then(|| {
            let shown: Vec<_> = problems.iter().take(10).cloned().collect();
            let more = problems.len().saturating_sub(shown.len());
            if more > 0 {
                format!("{} (and {more} more)", shown.join("; "))
            } else {
                shown.join("; ")
            }
        });
        Finding { check, problem }
    }
}

/// SQLite's integrity and foreign-key checks and the schema version. Blocking.
pub fn sqlite_findings(conn: &Connection) -> Result<(Vec<Finding>, bool), Error> {
    let mut findings = Vec::new();
    let integrity: Vec<String> = conn
        .prepare("PRAGMA integrity_check")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let integrity = if integrity == ["ok"] {
        Vec::new()
    } else {
        integrity
    };
    findings.push(Finding::from_problems("sqlite integrity", integrity));
    let foreign: Vec<String> = conn
        .prepare("PRAGMA foreign_key_check")?
        .query_map([], |r| {
            Ok(format!(
                "{} row {} points to a missing {}",
                r.get::<_, String>(0)?,
                r.get::<_, Option<i64>>(1)?
                    .map_or("?".into(), |n| n.to_string()),
                r.get::<_, String>(2)?
            ))
        })?
        .collect::<Result<_, _>>()?;
    findings.push(Finding::from_problems("foreign keys", foreign));
    let version = super::migrations::current_version(conn)?;
    let latest = super::migrations::latest_version();
    findings.push(Finding::from_problems(
        "schema version",
        if version == latest {
            Vec::new()
        } else {
            vec![format!(
                "database at {version}, this build expects {latest} (run `rezerve migrate`)"
            )]
        },
    ));
    Ok((findings, version == latest))
}

/// Runs every check on a data dir. Blocking.
///
/// The hold store belongs to the serving process while it runs; then its checks are skipped
/// here and made live by the server (`GET /api/v1/admin/check`).
pub fn run(data_dir: &Path) -> Result<Vec<Finding>, Error> {
    let path = super::sqlite_path(data_dir);
    let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let (mut findings, current) = sqlite_findings(&conn)?;
    if !current {
        return Ok(findings);
    }
    findings.extend(crate::catalog::invariants::check(&conn)?);
    findings.extend(crate::booking::invariants::check(&conn)?);
    let redb_path = super::redb_path(data_dir);
    let lock = if redb_path.exists() {
        super::DataDirLock::acquire(data_dir).ok()
    } else {
        None
    };
    match (redb_path.exists(), lock) {
        (false, _) => {
            match crate::inventory::invariants::expected(&conn, &[]) {
                Ok(expected) => findings.extend(crate::inventory::invariants::findings(&expected)),
                Err(e) => findings.push(Finding::from_problems("the seat index can be rebuilt", vec![e.to_string()])),
            }
            findings.push(crate::inventory::invariants::job_causes(&conn, &|_| false)?);
        }
        (true, Some(_lock)) => {
            let holds = super::HoldDb::open(&redb_path)?;
            let live = crate::inventory::hold_store::read_live_holds(&holds)?;
            match crate::inventory::invariants::expected(&conn, &live) {
                Ok(expected) => findings.extend(crate::inventory::invariants::findings(&expected)),
                Err(e) => findings.push(Finding::from_problems("the seat index can be rebuilt", vec![e.to_string()])),
            }
            let exists = |id: &str| matches!(crate::inventory::hold_store::read_hold(&holds, id), Ok(Some(_)));
            findings.push(crate::inventory::invariants::job_causes(&conn, &exists)?);
        }
        (true, None) => findings.push(Finding {
            check: "hold store (skipped: `rezerve serve` has it; GET /api/v1/admin/check checks it live)",
            problem: None,
        }),
    }
    Ok(findings)
}
