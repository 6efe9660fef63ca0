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
    let inserted = conn
        .prepare_cached(
            "INSERT INTO jobs (kind, payload, dedupe_key, cause, status, run_at, attempts, max_attempts, created_at, updated_at)
             VALUES (:kind, :payload, :dedupe, :cause, 'queued', :run_at, 0, :max, :now, :now)
             ON CONFLICT (dedupe_key) DO NOTHING",
        )?
        .execute(named_params! {
            ":kind": job.kind, ":payload": job.payload, ":dedupe": job.dedupe_key, ":cause": job.cause,
            ":run_at": job.run_at_ms, ":max": job.max_attempts, ":now": now_ms,
        })?;
    Ok(inserted > 0)
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
    Ok(conn
        .prepare_cached(
            "INSERT INTO jobs (kind, payload, dedupe_key, cause, status, run_at, attempts, max_attempts, locked_until, created_at, updated_at)
             VALUES (:kind, :payload, :dedupe, :cause, 'running', :run_at, 1, :max, :lease, :now, :now)
             ON CONFLICT (dedupe_key) DO NOTHING
             RETURNING id",
        )?
        .query_row(
            named_params! {
                ":kind": job.kind, ":payload": job.payload, ":dedupe": job.dedupe_key, ":cause": job.cause,
                ":run_at": job.run_at_ms, ":max": job.max_attempts, ":lease": now_ms + LEASE_MS, ":now": now_ms,
            },
            |r| r.get(0),
        )
        .optional()?)
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
    let refreshed = conn
        .prepare_cached(
            "UPDATE jobs SET payload = :payload, updated_at = :now
             WHERE id = (SELECT id FROM jobs
                         WHERE kind = :kind AND status = 'queued'
                           AND substr(dedupe_key, 1, length(:prefix)) = :prefix
                         ORDER BY id LIMIT 1)",
        )?
        .execute(named_params! {
            ":payload": payload, ":now": now_ms, ":kind": kind, ":prefix": prefix,
        })?;
    Ok(refreshed > 0)
}

pub(super) const COLUMNS: &str = "id, kind, payload, dedupe_key, cause, status, run_at, attempts, max_attempts, last_error, created_at, updated_at";

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
    let mut jobs = conn
        .prepare_cached(&format!(
            "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_until = :lease, updated_at = :now
             WHERE id IN (SELECT id FROM jobs
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

/// Deletes up to `limit` done jobs that finished before `before_ms`; returns how many.
pub fn delete_done_before(conn: &Connection, before_ms: i64, limit: i64) -> Result<usize, Error> {
    Ok(conn
        .prepare_cached(
            "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs
                 WHERE status = 'done' AND run_at < ?1 AND updated_at < ?1 LIMIT ?2)",
        )?
        .execute(rusqlite::params![before_ms, limit])?)
}

/// One job.
pub fn by_id(conn: &Connection, id: i64) -> Result<Option<JobRow>, Error> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue() -> Connection {
        let mut conn = Connection::open_in_memory().expect("opens");
        crate::store::migrations::apply(&mut conn).expect("migrates");
        conn
    }

    fn job(conn: &Connection, kind: &str, run_at_ms: i64) -> i64 {
        let new = NewJob {
            kind,
            payload: "{}".into(),
            dedupe_key: None,
            cause: "test".into(),
            run_at_ms,
            max_attempts: 3,
        };
        assert!(enqueue(conn, &new, 0).expect("enqueues"));
        conn.last_insert_rowid()
    }

    /// Each status change of a job rewrites its entry in every index over `status`, so the
    /// table keeps one (migration 0014 dropped `jobs_by_kind`) besides its dedupe key's,
    /// and a claim still finds due jobs through it, not by reading the table.
    #[test]
    fn claims_and_refreshes_read_the_queue_through_its_indexes() {
        let conn = queue();
        let names: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs' ORDER BY name")
            .expect("prepares")
            .query_map([], |r| r.get(0))
            .expect("reads")
            .collect::<Result<_, _>>()
            .expect("names");
        assert_eq!(
            names,
            [
                "jobs_queued_by_kind",
                "jobs_ready",
                "sqlite_autoindex_jobs_1"
            ]
        );
        let plan = |query: &str| -> Vec<String> {
            conn.prepare(&format!("EXPLAIN QUERY PLAN {query}"))
                .expect("prepares")
                .query_map([], |r| r.get(3))
                .expect("reads")
                .collect::<Result<_, _>>()
                .expect("plan")
        };
        let claim = plan(
            "SELECT id FROM jobs WHERE status = 'queued' AND run_at <= 5 ORDER BY run_at, id LIMIT 8",
        );
        assert!(claim.iter().any(|s| s.contains("jobs_ready")), "{claim:?}");
        // The writer's look-up for a queued job to refresh reads the queued jobs of one kind,
        // in id order: no scan of every queued job, no sort (it halved the flows bench).
        let refresh = plan(
            "SELECT id FROM jobs WHERE kind = 'k' AND status = 'queued'
               AND substr(dedupe_key, 1, length('p')) = 'p' ORDER BY id LIMIT 1",
        );
        assert!(
            refresh.iter().any(|s| s.contains("jobs_queued_by_kind"))
                && !refresh.iter().any(|s| s.contains("TEMP B-TREE")),
            "{refresh:?}"
        );
    }

    /// A batch is the due jobs of the handled kinds, oldest due first, at most `limit`; the
    /// next batch does not claim them again, and finishing them marks them done.
    #[test]
    fn a_batch_claims_due_jobs_in_order_once_and_finishes_them() {
        let conn = queue();
        let late = job(&conn, "a", 30);
        let first = job(&conn, "a", 10);
        let other_kind = job(&conn, "b", 5);
        let second = job(&conn, "a", 20);
        let not_due = job(&conn, "a", 1_000);

        let batch = claim_batch(&conn, &["a"], 100, 2).expect("claims");
        let ids: Vec<i64> = batch.iter().map(|j| j.id).collect();
        assert_eq!(ids, [first, second]);
        assert!(
            batch
                .iter()
                .all(|j| j.status == JobStatus::Running && j.attempts == 1)
        );

        let rest = claim_batch(&conn, &["a"], 100, 8).expect("claims");
        assert_eq!(rest.iter().map(|j| j.id).collect::<Vec<_>>(), [late]);
        assert!(
            claim_batch(&conn, &["a"], 100, 8)
                .expect("claims")
                .is_empty()
        );

        complete_all(&conn, &ids, 200).expect("completes");
        let status = |id| by_id(&conn, id).expect("reads").expect("exists").status;
        assert_eq!(
            [first, second, late, other_kind, not_due].map(status),
            [
                JobStatus::Done,
                JobStatus::Done,
                JobStatus::Running,
                JobStatus::Queued,
                JobStatus::Queued
            ]
        );
    }

    /// A newer payload goes to the job still queued under the prefix (not to another
    /// prefix's, not to one already claimed), so the caller enqueues only when none waits.
    #[test]
    fn a_queued_job_takes_a_newer_payload_instead_of_a_second_job() {
        let conn = queue();
        let keyed = |key: &str, payload: &str| {
            let new = NewJob {
                kind: "seats-changed",
                payload: payload.into(),
                dedupe_key: Some(key.into()),
                cause: "event:e1".into(),
                run_at_ms: 0,
                max_attempts: 3,
            };
            assert!(enqueue(&conn, &new, 0).expect("enqueues"));
            conn.last_insert_rowid()
        };
        let relayed = keyed("seats-changed:e1:seq:1", r#"{"seq":1}"#);
        let refund = keyed("seats-changed:e1:refund:b1", r#"{"reason":"refund"}"#);
        let payload = |id| by_id(&conn, id).expect("reads").expect("exists").payload;

        let refresh = |prefix: &str, payload: &str| {
            refresh_queued(&conn, "seats-changed", prefix, payload, 5).expect("refreshes")
        };
        assert!(refresh("seats-changed:e1:seq:", r#"{"seq":2}"#));
        assert_eq!(payload(relayed), r#"{"seq":2}"#);
        assert_eq!(payload(refund), r#"{"reason":"refund"}"#);
        assert!(!refresh("seats-changed:e2:seq:", r#"{"seq":9}"#));

        let claimed = claim_batch(&conn, &["seats-changed"], 10, 8).expect("claims");
        assert_eq!(claimed.len(), 2);
        assert!(!refresh("seats-changed:e1:seq:", r#"{"seq":3}"#));
        assert_eq!(payload(relayed), r#"{"seq":2}"#);
    }

    /// A job enqueued claimed (a trigger making its email's first attempt) is the caller's
    /// alone: no worker's claim takes it while it runs, so the email is not sent by both;
    /// its attempt counts; a crash leaves it to start-up, which queues it again; and its
    /// dedupe key still admits it once.
    #[test]
    fn a_job_enqueued_claimed_is_nobody_elses_until_given_back() {
        let conn = queue();
        let new = NewJob {
            kind: "send-email",
            payload: "{}".into(),
            dedupe_key: Some("send-email:ntf_1".into()),
            cause: "booking:b1".into(),
            run_at_ms: 0,
            max_attempts: 3,
        };
        let id = enqueue_claimed(&conn, &new, 0)
            .expect("enqueues")
            .expect("new");
        assert_eq!(enqueue_claimed(&conn, &new, 0).expect("enqueues"), None);
        assert!(!enqueue(&conn, &new, 0).expect("enqueues"));
        assert!(
            claim_batch(&conn, &["send-email"], 10, 8)
                .expect("claims")
                .is_empty()
        );
        let job = by_id(&conn, id).expect("reads").expect("exists");
        assert_eq!((job.status, job.attempts), (JobStatus::Running, 1));
        // Within its lease nobody takes it back either.
        assert_eq!(requeue_abandoned(&conn, LEASE_MS - 1).expect("sweeps"), 0);

        assert_eq!(requeue_all_running(&conn, 20).expect("requeues"), 1);
        let again = claim_batch(&conn, &["send-email"], 30, 8).expect("claims");
        assert_eq!(again.len(), 1);
        assert_eq!((again[0].id, again[0].attempts), (id, 2));
    }
}
