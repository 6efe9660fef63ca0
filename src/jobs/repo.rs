//! SQL over the jobs table: enqueue inside a caller's transaction, claim (one job or a
//! batch), finish (one job or a batch), retry with backoff, park as dead, prune, one by id.
//! Plain functions over a connection.

use super::JobStatus;
use super::queue::{JobRow, LEASE_MS, NewJob, backoff_ms};
use crate::error::Error;
use rusqlite::{Connection, OptionalExtension, named_params};

/// Enqueues a job in the caller's transaction; a job whose dedupe key exists already is
/// not enqueued again. Returns whether it was new.
pub fn enqueue(conn: &Connection, job: &NewJob<'_>, now_ms: i64) -> Result<bool, Error> {
    let id: Option<i64> = conn
        .prepare_cached(
            "INSERT INTO jobs (kind, dedupe_key, status, run_at, attempts, max_attempts, created_at, updated_at)
             VALUES (:kind, :dedupe, 'queued', :run_at, 0, :max, :now, :now)
             ON CONFLICT (dedupe_key) DO NOTHING
             RETURNING id",
        )?
        .query_row(
            named_params! {
                ":kind": job.kind, ":dedupe": job.dedupe_key, ":run_at": job.run_at_ms,
                ":max": job.max_attempts, ":now": now_ms,
            },
            |r| r.get(0),
        )
        .optional()?;
    match id {
        Some(id) => insert_payload(conn, id, job).map(|()| true),
        None => Ok(false),
    }
}

/// Enqueues a job already claimed by the caller, who runs its first attempt now: running,
/// the attempt counted and the lease taken as [`claim_batch`] would, so no worker claims it
/// meanwhile and a crash leaves it to be queued again like any claimed job. Its id, or
/// `None` if its dedupe key exists already.
pub fn enqueue_claimed(
    conn: &Connection,
    job: &NewJob<'_>,
    now_ms: i64,
) -> Result<Option<i64>, Error> {
    let id: Option<i64> = conn
        .prepare_cached(
            "INSERT INTO jobs (kind, dedupe_key, status, run_at, attempts, max_attempts, locked_until, created_at, updated_at)
             VALUES (:kind, :dedupe, 'running', :run_at, 1, :max, :lease, :now, :now)
             ON CONFLICT (dedupe_key) DO NOTHING
             RETURNING id",
        )?
        .query_row(
            named_params! {
                ":kind": job.kind, ":dedupe": job.dedupe_key, ":run_at": job.run_at_ms,
                ":max": job.max_attempts, ":lease": now_ms + LEASE_MS, ":now": now_ms,
            },
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = id {
        insert_payload(conn, id, job)?;
    }
    Ok(id)
}

/// A new job's payload and cause, written once beside its row (migration 0024): the row is
/// rewritten at its claim and its end, these are not.
fn insert_payload(conn: &Connection, id: i64, job: &NewJob<'_>) -> Result<(), Error> {
    conn.prepare_cached("INSERT INTO job_payloads (id, payload, cause) VALUES (?1, ?2, ?3)")?
        .execute(rusqlite::params![id, job.payload, job.cause])?;
    Ok(())
}

/// Gives the oldest still queued job of `kind` whose dedupe key starts with `prefix` this
/// payload, in the caller's transaction, instead of a second job being enqueued behind it.
/// For a consumer that reads the newest state whatever the payload says, a burst of changes
/// then costs one run, not one per change. Returns whether a queued job took the payload.
pub fn refresh_queued(
    conn: &Connection,
    kind: &str,
    prefix: &str,
    payload: &str,
    now_ms: i64,
) -> Result<bool, Error> {
    // The keys that start with the prefix are one range of `jobs_queued_by_kind (kind,
    // dedupe_key)`: those up to the prefix followed by the last code point.
    let queued: Option<i64> = conn
        .prepare_cached(
            "UPDATE jobs SET updated_at = :now
             WHERE id = (SELECT id FROM jobs
                         WHERE kind = :kind AND status = 'queued'
                           AND dedupe_key >= :prefix AND dedupe_key < :prefix || char(1114111)
                         ORDER BY id LIMIT 1)
             RETURNING id",
        )?
        .query_row(
            named_params! { ":now": now_ms, ":kind": kind, ":prefix": prefix },
            |r| r.get(0),
        )
        .optional()?;
    let Some(id) = queued else {
        return Ok(false);
    };
    conn.prepare_cached("UPDATE job_payloads SET payload = ?2 WHERE id = ?1")?
        .execute(rusqlite::params![id, payload])?;
    Ok(true)
}

/// A job's columns, for a query over `jobs` that names the table `jobs`: its payload and
/// cause are read from `job_payloads` (migration 0024) by its id. Both are written in the
/// job's own insert; were one missing, the job reads as empty (the audit names it, its
/// handler refuses it) rather than failing every list it is on.
pub(super) const COLUMNS: &str = "jobs.id, jobs.kind,
    coalesce((SELECT payload FROM job_payloads WHERE job_payloads.id = jobs.id), ''),
    jobs.dedupe_key,
    coalesce((SELECT cause FROM job_payloads WHERE job_payloads.id = jobs.id), ''),
    jobs.status, jobs.run_at, jobs.attempts, jobs.max_attempts, jobs.last_error,
    jobs.created_at, jobs.updated_at";

pub(super) fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<JobRow> {
    Ok(JobRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        payload: r.get(2)?,
        dedupe_key: r.get(3)?,
        cause: r.get(4)?,
        status: r.get(5)?,
        run_at_ms: r.get(6)?,
        attempts: r.get(7)?,
        max_attempts: r.get(8)?,
        last_error: r.get(9)?,
        created_at_ms: r.get(10)?,
        updated_at_ms: r.get(11)?,
    })
}

/// Claims the next due job of one of `kinds`: marks it running with a lease and counts the
/// attempt. Kinds nobody handles stay queued.
pub fn claim(conn: &Connection, kinds: &[&str], now_ms: i64) -> Result<Option<JobRow>, Error> {
    Ok(claim_batch(conn, kinds, now_ms, 1)?.pop())
}

/// Claims up to `limit` due jobs of `kinds` at once, oldest due first, as [`claim`] does
/// one: a worker's batch costs one statement in one write instead of one write per job.
pub fn claim_batch(
    conn: &Connection,
    kinds: &[&str],
    now_ms: i64,
    limit: usize,
) -> Result<Vec<JobRow>, Error> {
    if kinds.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let kinds_json = serde_json::to_string(kinds).map_err(Error::internal)?;
    // Due first through `jobs_due`, stopping at `limit`: left to choose, SQLite reads every
    // queued job of the kinds through `jobs_queued_by_kind` and sorts them (thousands in a rush).
    let mut jobs = conn
        .prepare_cached(&format!(
            "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_until = :lease, updated_at = :now
             WHERE id IN (SELECT id FROM jobs INDEXED BY jobs_due
                          WHERE status = 'queued' AND run_at <= :now
                            AND kind IN (SELECT value FROM json_each(:kinds))
                          ORDER BY run_at, id LIMIT :limit)
             RETURNING {COLUMNS}"
        ))?
        .query_map(
            named_params! {
                ":now": now_ms, ":lease": now_ms + LEASE_MS, ":kinds": kinds_json,
                ":limit": i64::try_from(limit).unwrap_or(i64::MAX),
            },
            from_row,
        )?
        .collect::<Result<Vec<_>, _>>()?;
    // RETURNING gives no order: run them in the order they were due.
    jobs.sort_by_key(|j| (j.run_at_ms, j.id));
    Ok(jobs)
}

/// Marks a running job done.
pub fn complete(conn: &Connection, id: i64, now_ms: i64) -> Result<(), Error> {
    complete_all(conn, &[id], now_ms)
}

/// Marks running jobs done, in the caller's write.
pub fn complete_all(conn: &Connection, ids: &[i64], now_ms: i64) -> Result<(), Error> {
    let mut done = conn.prepare_cached(
        "UPDATE jobs SET status = 'done', locked_until = NULL, last_error = NULL, updated_at = ?2
         WHERE id = ?1 AND status = 'running'",
    )?;
    for id in ids {
        done.execute(rusqlite::params![id, now_ms])?;
    }
    Ok(())
}

/// Records a failed attempt: queued again after the backoff, or dead when out of attempts
/// or parked. Returns the new status.
pub fn fail(
    conn: &Connection,
    id: i64,
    failure: &super::JobFailure,
    now_ms: i64,
) -> Result<JobStatus, Error> {
    let (attempts, max): (i64, i64) = conn
        .prepare_cached("SELECT attempts, max_attempts FROM jobs WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let error: String = failure.reason().chars().take(2000).collect();
    let parked = matches!(failure, super::JobFailure::Park(_));
    if parked || attempts >= max {
        conn.prepare_cached(
            "UPDATE jobs SET status = 'dead', locked_until = NULL, last_error = ?2, updated_at = ?3 WHERE id = ?1",
        )?
        .execute(rusqlite::params![id, error, now_ms])?;
        Ok(JobStatus::Dead)
    } else {
        conn.prepare_cached(
            "UPDATE jobs SET status = 'queued', locked_until = NULL, last_error = ?2, run_at = ?3, updated_at = ?4
             WHERE id = ?1",
        )?
        .execute(rusqlite::params![id, error, now_ms + backoff_ms(attempts), now_ms])?;
        Ok(JobStatus::Queued)
    }
}

/// Puts a running job back without counting the attempt (graceful shutdown mid-job).
pub fn release(conn: &Connection, id: i64, now_ms: i64) -> Result<(), Error> {
    conn.prepare_cached(
        "UPDATE jobs SET status = 'queued', attempts = max(attempts - 1, 0), locked_until = NULL, updated_at = ?2
         WHERE id = ?1 AND status = 'running'",
    )?
    .execute(rusqlite::params![id, now_ms])?;
    Ok(())
}

/// Queues again every running job whose lease has passed (its worker died). Returns how many.
pub fn requeue_abandoned(conn: &Connection, now_ms: i64) -> Result<usize, Error> {
    Ok(conn
        .prepare_cached(
            "UPDATE jobs SET status = 'queued', locked_until = NULL, updated_at = ?1,
                    last_error = coalesce(last_error, 'abandoned by a stopped worker')
             WHERE status = 'running' AND locked_until < ?1",
        )?
        .execute([now_ms])?)
}

/// Queues every running job again (start-up: no worker of this process is running yet).
pub fn requeue_all_running(conn: &Connection, now_ms: i64) -> Result<usize, Error> {
    Ok(conn
        .prepare_cached(
            "UPDATE jobs SET status = 'queued', locked_until = NULL, updated_at = ?1 WHERE status = 'running'",
        )?
        .execute([now_ms])?)
}

/// Re-queues a dead (or queued) job to run now with a fresh set of attempts.
pub fn retry(conn: &Connection, id: i64, now_ms: i64) -> Result<bool, Error> {
    Ok(conn
        .prepare_cached(
            "UPDATE jobs SET status = 'queued', attempts = 0, run_at = ?2, locked_until = NULL, updated_at = ?2
             WHERE id = ?1 AND status IN ('dead', 'queued')",
        )?
        .execute(rusqlite::params![id, now_ms])?
        > 0)
}

/// How far one pruning write got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PruneStep {
    /// Done jobs deleted.
    pub deleted: usize,
    /// The id to walk on from, or `None` when no job after it can be due for pruning.
    pub next: Option<i64>,
}

/// Deletes the done jobs that finished before `before_ms` among up to `limit` jobs after id
/// `after`, walked in id order. Ids follow creation, and a job created at or after
/// `before_ms` cannot have finished before it, so the walk ends at the first such job: it
/// reads the old jobs that stay (dead ones, queued ones waiting for a handler) and the ones
/// it deletes, without an index of done jobs, which would cost every job's end an entry.
pub fn delete_done_before(
    conn: &Connection,
    before_ms: i64,
    after: i64,
    limit: i64,
) -> Result<PruneStep, Error> {
    let walked = conn
        .prepare_cached(
            "SELECT id, status = 'done' AND run_at < ?1 AND updated_at < ?1, created_at < ?1
               FROM jobs WHERE id > ?2 ORDER BY id LIMIT ?3",
        )?
        .query_map(rusqlite::params![before_ms, after, limit], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, bool>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut delete_payload = conn.prepare_cached("DELETE FROM job_payloads WHERE id = ?1")?;
    let mut delete = conn.prepare_cached("DELETE FROM jobs WHERE id = ?1")?;
    let mut step = PruneStep {
        deleted: 0,
        next: None,
    };
    for &(id, finished_before, created_before) in &walked {
        if !created_before {
            return Ok(PruneStep { next: None, ..step });
        }
        if finished_before {
            delete_payload.execute([id])?;
            delete.execute([id])?;
            step.deleted += 1;
        }
        step.next = Some(id);
    }
    if walked.len() < usize::try_from(limit).unwrap_or(usize::MAX) {
        step.next = None;
    }
    Ok(step)
}

/// One job.
pub fn by_id(conn: &Connection, id: i64) -> Result<Option<JobRow>, Error> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

#[cfg(test)]
mod tests;
