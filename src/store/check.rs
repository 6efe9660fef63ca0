//! The result of a check, which the domains report their invariants in, and SQLite's own
//! integrity and foreign-key checks with the schema version. Knows nothing of the domains:
//! the audit module, above them, runs their checks.

use crate::error::Error;
use rusqlite::Connection;

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

/// The statement readiness runs in a write of its own: it changes nothing, but the writer
/// commits it like any other, so a store that cannot commit is not ready.
pub fn probe_write(conn: &Connection) -> Result<(), Error> {
    conn.execute_batch("SELECT 1")?;
    Ok(())
}
