//! The jobs table read for people: the list and counts the console and API show, and every
//! job's cause for the audit. Plain functions over a connection.

use super::JobStatus;
use super::queue::JobRow;
use super::repo::{COLUMNS, from_row};
use crate::error::Error;
use rusqlite::Connection;

/// Jobs newest first, optionally by status and kind; `before` pages by id.
pub fn list(
    conn: &Connection,
    status: Option<JobStatus>,
    kind: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<JobRow>, Error> {
    let rows = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM jobs
             WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR kind = ?2) AND (?3 IS NULL OR id < ?3)
             ORDER BY id DESC LIMIT ?4"
        ))?
        .query_map(rusqlite::params![status, kind, before, limit], from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Job counts by kind and status, done jobs included: `(kind, status, count)` ordered by
/// kind. A scan of the table: only the console's jobs page asks, and an index for it cost
/// every job write an index write (migration 0014).
pub fn counts(conn: &Connection) -> Result<Vec<(String, JobStatus, i64)>, Error> {
    Ok(conn
        .prepare_cached(
            "SELECT kind, status, count(*) FROM jobs GROUP BY kind, status ORDER BY kind, status",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<Vec<_>, _>>()?)
}

/// Every job's id, cause and status, for the audit; a job whose payload row is missing has
/// the cause `''`, which names nothing.
pub fn causes(conn: &Connection) -> Result<Vec<(i64, String, JobStatus)>, Error> {
    Ok(conn
        .prepare(
            "SELECT jobs.id, coalesce(job_payloads.cause, ''), jobs.status
               FROM jobs LEFT JOIN job_payloads ON job_payloads.id = jobs.id",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<Vec<_>, _>>()?)
}
