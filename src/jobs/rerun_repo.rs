//! Running a job again for the domain that enqueued it: the job is found by the dedupe key
//! its producer gave it (a notification's `send-email:<id>`), so the producer never reads or
//! writes the jobs table itself.

use super::JobStatus;
use crate::error::Error;
use rusqlite::{Connection, OptionalExtension};

/// What asking a job to run again did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rerun {
    /// Queued to run now with fresh attempts.
    Queued,
    /// No job has this dedupe key.
    Missing,
    /// A worker holds it right now; it is left alone.
    Running,
}

/// Queues the job with `dedupe_key` to run now with fresh attempts, whatever its state but
/// running. Runs in the caller's write, so the state read and the update are one step.
pub fn rerun_by_dedupe_key(
    conn: &Connection,
    dedupe_key: &str,
    now_ms: i64,
) -> Result<Rerun, Error> {
    let job: Option<(i64, JobStatus)> = conn
        .prepare_cached("SELECT id, status FROM jobs WHERE dedupe_key = ?1")?
        .query_row([dedupe_key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((id, status)) = job else {
        return Ok(Rerun::Missing);
    };
    if status == JobStatus::Running {
        return Ok(Rerun::Running);
    }
    conn.prepare_cached(
        "UPDATE jobs SET status = 'queued', attempts = 0, run_at = ?2, locked_until = NULL, updated_at = ?2 WHERE id = ?1",
    )?
    .execute(rusqlite::params![id, now_ms])?;
    Ok(Rerun::Queued)
}
