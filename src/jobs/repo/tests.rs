//! Tests of the queue's SQL: claims, refreshes, enqueued-claimed jobs, the prune, and the
//! indexes each query reads (migration 0023).

use super::*;
use crate::store::migrations::query_plan;

fn queue() -> Connection {
    let mut conn = Connection::open_in_memory().expect("opens");
    crate::store::migrations::apply(&mut conn).expect("migrates");
    conn
}

/// The first column of every row `sql` reads.
fn column<T: rusqlite::types::FromSql>(conn: &Connection, sql: &str) -> Vec<T> {
    conn.prepare(sql)
        .expect("prepares")
        .query_map([], |r| r.get(0))
        .expect("reads")
        .collect::<Result<_, _>>()
        .expect("values")
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

/// No index over the jobs is keyed on their status: each state's readers have an index
/// of that state's jobs alone (migration 0023), so a claim or a finish moves only the
/// entries of the states it leaves and enters, none in a section nobody reads.
#[test]
fn no_index_of_jobs_is_keyed_on_their_status() {
    let conn = queue();
    let indexes: Vec<(String, bool)> = conn
        .prepare("SELECT name, partial FROM pragma_index_list('jobs') ORDER BY name")
        .expect("prepares")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("reads")
        .collect::<Result<_, _>>()
        .expect("indexes");
    let names: Vec<&str> = indexes.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "jobs_dead",
            "jobs_due",
            "jobs_leases",
            "jobs_queued_by_kind",
            "sqlite_autoindex_jobs_1"
        ]
    );
    for (name, partial) in &indexes {
        let columns: Vec<String> = conn
            .prepare("SELECT name FROM pragma_index_info(?1)")
            .expect("prepares")
            .query_map([name], |r| r.get(0))
            .expect("reads")
            .collect::<Result<_, _>>()
            .expect("columns");
        assert!(
            !columns.iter().any(|c| c == "status"),
            "{name}: {columns:?}"
        );
        assert!(*partial || name.starts_with("sqlite_autoindex"), "{name}");
    }
}

/// Every query of the queue that picks jobs by state finds them through that state's
/// index, not by reading the table (which keeps the done jobs of the retention days).
#[test]
fn every_query_by_state_reads_that_states_index() {
    let conn = queue();
    let cases = [
        // A claim walks the due jobs in order and stops at its limit: no sort.
        (
            "SELECT id FROM jobs INDEXED BY jobs_due WHERE status = 'queued' AND run_at <= 5
               AND kind IN (SELECT value FROM json_each('[\"a\"]')) ORDER BY run_at, id LIMIT 8",
            "jobs_due",
        ),
        // The writer's look-up of a queued job to refresh reads one event's keys.
        (
            "SELECT id FROM jobs WHERE kind = 'k' AND status = 'queued'
               AND dedupe_key >= 'k:e1:' AND dedupe_key < 'k:e1:' || char(1114111)
             ORDER BY id LIMIT 1",
            "jobs_queued_by_kind (kind=? AND dedupe_key>? AND dedupe_key<?)",
        ),
        (
            "SELECT id FROM jobs WHERE status = 'running' AND locked_until < 5",
            "jobs_leases",
        ),
        (
            "SELECT id FROM jobs WHERE status = 'running'",
            "jobs_leases",
        ),
        (
            "SELECT count(*) FROM jobs WHERE status = 'dead'",
            "jobs_dead",
        ),
    ];
    for (query, index) in cases {
        let plan = query_plan(&conn, query);
        assert!(plan.contains(&format!("INDEX {index}")), "{query}: {plan}");
        if index == "jobs_due" {
            assert!(!plan.contains("TEMP B-TREE"), "{query}: {plan}");
        }
    }
    let depth = query_plan(
        &conn,
        "SELECT kind, 'queued', count(*) FROM jobs WHERE status = 'queued' GROUP BY kind
         UNION ALL
         SELECT kind, 'running', count(*) FROM jobs WHERE status = 'running' GROUP BY kind
         UNION ALL
         SELECT kind, 'dead', count(*) FROM jobs WHERE status = 'dead' GROUP BY kind",
    );
    for index in ["jobs_queued_by_kind", "jobs_leases", "jobs_dead"] {
        assert!(depth.contains(index), "{depth}");
    }
    assert!(
        !depth.contains("SCAN jobs;") && !depth.ends_with("SCAN jobs"),
        "{depth}"
    );
}

/// The prune deletes the done jobs that finished before the cutoff with their payloads,
/// keeps every other job, and stops walking at the first job created after the cutoff.
#[test]
fn the_prune_walks_the_old_jobs_only() {
    let conn = queue();
    conn.pragma_update(None, "foreign_keys", "ON")
        .expect("references checked");
    let at = |created: i64, status: &str, updated: i64| {
        conn.execute(
            "INSERT INTO jobs (kind, status, run_at, max_attempts, created_at, updated_at)
             VALUES ('a', ?1, ?2, 3, ?2, ?3)",
            rusqlite::params![status, created, updated],
        )
        .expect("inserts");
        let id = conn.last_insert_rowid();
        conn.execute(
            "INSERT INTO job_payloads (id, payload, cause) VALUES (?1, '{}', 'test')",
            [id],
        )
        .expect("inserts its payload");
        id
    };
    let old_done = at(10, "done", 20);
    let old_dead = at(11, "dead", 20);
    let finished_late = at(12, "done", 150);
    let old_queued = at(13, "queued", 13);
    let other_old_done = at(14, "done", 30);
    let recent = at(100, "done", 110);
    // Created after the cutoff: never walked, though it claims to have finished before.
    let clock_stepped_back = at(120, "done", 50);

    let step = delete_done_before(&conn, 100, 0, 2).expect("prunes");
    assert_eq!(
        step,
        PruneStep {
            deleted: 1,
            next: Some(old_dead)
        }
    );
    let step = delete_done_before(&conn, 100, old_dead, 500).expect("prunes");
    assert_eq!(
        step,
        PruneStep {
            deleted: 1,
            next: None
        }
    );

    let left: Vec<i64> = column(&conn, "SELECT id FROM jobs ORDER BY id");
    assert_eq!(
        left,
        [
            old_dead,
            finished_late,
            old_queued,
            recent,
            clock_stepped_back
        ]
    );
    assert!(
        ![old_done, other_old_done]
            .iter()
            .any(|id| left.contains(id))
    );
    let payloads: Vec<i64> = column(&conn, "SELECT id FROM job_payloads ORDER BY id");
    assert_eq!(payloads, left);
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

/// What a job carries and what caused it are written once, in `job_payloads` (migration
/// 0024): the `jobs` row that its claim and its end rewrite holds only what changes and
/// what the queue's indexes read, and every read of the job still gives both.
#[test]
fn a_jobs_payload_and_cause_are_kept_beside_the_row_its_claim_rewrites() {
    let conn = queue();
    let columns: Vec<String> = column(&conn, "SELECT name FROM pragma_table_info('jobs')");
    assert!(
        !columns.iter().any(|c| c == "payload" || c == "cause"),
        "{columns:?}"
    );
    let new = NewJob {
        kind: "a",
        payload: r#"{"n":1}"#.into(),
        dedupe_key: Some("a:1".into()),
        cause: "event:e1".into(),
        run_at_ms: 0,
        max_attempts: 3,
    };
    assert!(enqueue(&conn, &new, 0).expect("enqueues"));
    let claimed = claim_batch(&conn, &["a"], 10, 8).expect("claims");
    let read = |job: &JobRow| (job.payload.clone(), job.cause.clone());
    let expected = (r#"{"n":1}"#.to_string(), "event:e1".to_string());
    assert_eq!(claimed.len(), 1);
    assert_eq!(read(&claimed[0]), expected);
    complete_all(&conn, &[claimed[0].id], 20).expect("completes");
    let done = by_id(&conn, claimed[0].id).expect("reads").expect("exists");
    assert_eq!(
        (done.status, read(&done)),
        (JobStatus::Done, expected.clone())
    );
    let listed = crate::jobs::queue::list(&conn, None, None, None, 10).expect("lists");
    assert_eq!(listed.iter().map(read).collect::<Vec<_>>(), [expected]);
    assert_eq!(
        crate::jobs::queue::causes(&conn).expect("causes"),
        [(claimed[0].id, "event:e1".to_string(), JobStatus::Done)]
    );
}
