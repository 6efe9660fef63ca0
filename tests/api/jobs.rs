//! The durable job queue: exponential backoff on a moved clock, dead letters and their retry
//! (API and CLI), kinds nobody handles yet, dedupe keys, the transactional outbox of account
//! and hold changes, and jobs left running by a crash.
//!
//! Queue mechanics are driven in-process (an `App` built but not served, so no worker races
//! the test for a job); what clients and operators see goes through HTTP and the binary.

use crate::helpers::{TestApp, test_config};
use rezerve::App;
use rezerve::clock::{Clock, ManualClock};
use rezerve::jobs::queue::{self, NewJob};
use rezerve::jobs::{JobRow, Jobs};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The longest a worker or the relay may take to get to a job on a loaded machine.
const EVENTUALLY: Duration = Duration::from_secs(10);

/// An app built on a data dir but not served: no worker runs, the test calls `run_next`.
struct Local {
    app: Option<App>,
    clock: ManualClock,
    dir: PathBuf,
    _temp: Option<tempfile::TempDir>,
}

impl Local {
    /// A fresh app on its own temp data dir.
    async fn build() -> Local {
        let temp = tempfile::tempdir().expect("temp dir");
        let dir = temp.path().to_path_buf();
        let mut local = Local::open(&dir).await;
        local._temp = Some(temp);
        local
    }

    /// An app on an existing data dir (as a restart would open it).
    async fn open(dir: &Path) -> Local {
        let clock = ManualClock::new(time::OffsetDateTime::now_utc());
        let app = App::build_with_clock(test_config(dir), Arc::new(clock.clone()))
            .await
            .expect("app builds");
        Local {
            app: Some(app),
            clock,
            dir: dir.to_path_buf(),
            _temp: None,
        }
    }

    fn app(&self) -> &App {
        self.app.as_ref().expect("app is open")
    }

    fn jobs(&self) -> &Jobs {
        self.app().jobs()
    }

    /// Stops the stores (as a process exit would) and builds the app again on the same dir.
    async fn restart(mut self) -> Local {
        self.close().await;
        let mut next = Local::open(&self.dir).await;
        next._temp = self._temp.take();
        next
    }

    /// Lets the stores commit what they have and drops the app.
    async fn close(&mut self) {
        if let Some(app) = self.app.take() {
            app.close().await;
        }
    }

    fn now_ms(&self) -> i64 {
        (self.clock.now().unix_timestamp_nanos() / 1_000_000) as i64
    }

    fn advance_ms(&self, ms: i64) {
        self.clock.advance(time::Duration::milliseconds(ms));
    }

    /// Enqueues a job due now (in its own transaction); returns whether it was new.
    async fn enqueue(&self, kind: &str, dedupe: Option<&str>, max_attempts: i64) -> bool {
        enqueue_in(
            &self.app().core().sqlite,
            kind,
            dedupe,
            max_attempts,
            self.now_ms(),
        )
        .await
    }

    /// The newest job of a kind.
    async fn newest(&self, kind: &str) -> JobRow {
        let rows = self
            .jobs()
            .list(None, Some(kind.into()), None, 10)
            .await
            .expect("list");
        rows.into_iter().next().expect("a job of this kind")
    }

    async fn get(&self, id: i64) -> JobRow {
        self.jobs().get(id).await.expect("job exists")
    }

    /// Runs the next due job and returns its new status, or `None` when nothing ran.
    async fn run_next(&self) -> Option<&'static str> {
        self.jobs()
            .run_next()
            .await
            .expect("run_next")
            .map(|ran| ran.status)
    }
}

/// Enqueues a job through a SQLite writer, as a domain does inside its own transaction.
async fn enqueue_in(
    sqlite: &rezerve::store::Sqlite,
    kind: &str,
    dedupe: Option<&str>,
    max_attempts: i64,
    now_ms: i64,
) -> bool {
    let (kind, dedupe) = (kind.to_string(), dedupe.map(str::to_string));
    sqlite
        .write(move |conn| {
            queue::enqueue(
                conn,
                &NewJob {
                    kind: &kind,
                    payload: json!({"n": 1}).to_string(),
                    dedupe_key: dedupe,
                    cause: "test:queue".into(),
                    run_at_ms: now_ms,
                    max_attempts,
                },
                now_ms,
            )
        })
        .await
        .expect("enqueue")
}

/// A handler that fails `failures` times ("attempt N failed"), then succeeds; counts calls.
fn flaky(jobs: &Jobs, kind: &str, failures: u32) -> Arc<AtomicU32> {
    let calls = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&calls);
    jobs.register(kind, move |_job| {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        async move {
            if n <= failures {
                Err(format!("attempt {n} failed"))
            } else {
                Ok(())
            }
        }
    });
    calls
}

#[tokio::test]
async fn a_failing_job_is_retried_with_exponential_backoff() {
    let local = Local::build().await;
    let calls = flaky(local.jobs(), "flaky", 3);
    assert!(local.enqueue("flaky", None, 8).await);
    let id = local.newest("flaky").await.id;

    let mut previous_run_at = local.now_ms();
    for (attempt, backoff_ms) in [(1, 1000), (2, 2000), (3, 4000)] {
        assert_eq!(local.run_next().await, Some("queued"), "attempt {attempt}");
        let job = local.get(id).await;
        assert_eq!(job.status, "queued");
        assert_eq!(job.attempts, attempt);
        assert_eq!(
            job.last_error.as_deref(),
            Some(format!("attempt {attempt} failed").as_str())
        );
        assert_eq!(
            job.run_at_ms,
            local.now_ms() + backoff_ms,
            "attempt {attempt}"
        );
        assert!(job.run_at_ms > previous_run_at);
        previous_run_at = job.run_at_ms;
        // Not claimed a moment before its time.
        assert_eq!(local.run_next().await, None);
        local.advance_ms(backoff_ms - 1);
        assert_eq!(local.run_next().await, None, "claimed before run_at");
        assert_eq!(
            local.get(id).await.attempts,
            attempt,
            "an early claim counted"
        );
        local.advance_ms(1);
    }
    assert_eq!(local.run_next().await, Some("done"));
    let job = local.get(id).await;
    assert_eq!((job.status.as_str(), job.attempts), ("done", 4));
    assert_eq!(job.last_error, None);
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    assert_eq!(local.run_next().await, None, "a done job never runs again");
}

#[tokio::test]
async fn a_job_that_always_fails_is_parked_dead_with_its_last_error() {
    let local = Local::build().await;
    let calls = flaky(local.jobs(), "doomed", u32::MAX);
    local.enqueue("doomed", None, 3).await;
    let id = local.newest("doomed").await.id;

    assert_eq!(local.run_next().await, Some("queued"));
    local.advance_ms(1000);
    assert_eq!(local.run_next().await, Some("queued"));
    local.advance_ms(2000);
    assert_eq!(local.run_next().await, Some("dead"));
    let job = local.get(id).await;
    assert_eq!(job.status, "dead");
    assert_eq!((job.attempts, job.max_attempts), (3, 3));
    assert_eq!(job.last_error.as_deref(), Some("attempt 3 failed"));
    // A dead job waits for a person, however much time passes.
    local.advance_ms(24 * 3600 * 1000);
    assert_eq!(local.run_next().await, None);
    assert_eq!(local.get(id).await.status, "dead");
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    let dead = local
        .jobs()
        .list(Some("dead".into()), None, None, 10)
        .await
        .expect("list");
    assert_eq!(dead.iter().map(|j| j.id).collect::<Vec<_>>(), [id]);
}

#[tokio::test]
async fn a_kind_without_a_handler_waits_in_the_queue() {
    let local = Local::build().await;
    flaky(local.jobs(), "something-else", 0);
    local.enqueue("price-changed", None, 8).await;
    let id = local.newest("price-changed").await.id;
    assert_eq!(local.run_next().await, None);
    local.advance_ms(3600 * 1000);
    assert_eq!(local.run_next().await, None);
    let job = local.get(id).await;
    assert_eq!((job.status.as_str(), job.attempts), ("queued", 0));
    // Once a consumer exists, the waiting job is the first it gets.
    let calls = flaky(local.jobs(), "price-changed", 0);
    assert_eq!(local.run_next().await, Some("done"));
    assert_eq!(local.get(id).await.status, "done");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn one_dedupe_key_makes_one_job_ever() {
    let local = Local::build().await;
    assert!(local.enqueue("mail", Some("welcome:42"), 8).await);
    assert!(!local.enqueue("mail", Some("welcome:42"), 8).await);
    // Twice inside one transaction, too.
    let now = local.now_ms();
    let both = local
        .app()
        .core()
        .sqlite
        .write(move |conn| {
            let job = |key: &str| NewJob {
                kind: "mail",
                payload: "{}".into(),
                dedupe_key: Some(key.into()),
                cause: "test:queue".into(),
                run_at_ms: now,
                max_attempts: 8,
            };
            Ok((
                queue::enqueue(conn, &job("welcome:43"), now)?,
                queue::enqueue(conn, &job("welcome:43"), now)?,
            ))
        })
        .await
        .expect("enqueue twice");
    assert_eq!(both, (true, false));
    // No key, no dedupe.
    assert!(local.enqueue("mail", None, 8).await);
    assert!(local.enqueue("mail", None, 8).await);
    let keys: Vec<Option<String>> = local
        .jobs()
        .list(None, Some("mail".into()), None, 50)
        .await
        .expect("list")
        .into_iter()
        .map(|j| j.dedupe_key)
        .collect();
    assert_eq!(keys.len(), 4, "{keys:?}");
    assert_eq!(
        keys.iter()
            .filter(|k| k.as_deref() == Some("welcome:42"))
            .count(),
        1
    );
    assert_eq!(
        keys.iter()
            .filter(|k| k.as_deref() == Some("welcome:43"))
            .count(),
        1
    );

    // Even once the job has run, its key is spent.
    flaky(local.jobs(), "mail", 0);
    while local.run_next().await.is_some() {}
    assert!(!local.enqueue("mail", Some("welcome:42"), 8).await);
    assert_eq!(
        local
            .jobs()
            .list(Some("queued".into()), Some("mail".into()), None, 50)
            .await
            .expect("list")
            .len(),
        0
    );
}

#[tokio::test]
async fn a_job_left_running_by_a_crash_runs_after_restart() {
    let local = Local::build().await;
    local.enqueue("resumable", None, 8).await;
    let now = local.now_ms();
    let claimed = local
        .app()
        .core()
        .sqlite
        .write(move |conn| queue::claim(conn, &["resumable"], now))
        .await
        .expect("claim")
        .expect("a due job");
    assert_eq!(claimed.status, "running");
    // Claimed by a worker that never finishes: not claimable again while "running".
    flaky(local.jobs(), "resumable", 0);
    assert_eq!(local.run_next().await, None);

    let local = local.restart().await;
    let job = local.get(claimed.id).await;
    assert_eq!(
        job.status, "queued",
        "start-up gives back jobs left running"
    );
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    local.jobs().register("resumable", move |job| {
        log.lock().expect("log").push((job.id, job.payload.clone()));
        async { Ok(()) }
    });
    assert_eq!(local.run_next().await, Some("done"));
    assert_eq!(
        *seen.lock().expect("log"),
        [(claimed.id, json!({"n": 1}).to_string())]
    );
    assert_eq!(local.get(claimed.id).await.status, "done");
}

/// Polls `probe` until it returns `Some`, for at most [`EVENTUALLY`].
async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + EVENTUALLY;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn dead_jobs_are_listed_and_retried_over_the_api() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let healthy = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(AtomicU32::new(0));
    let (ok, counter) = (Arc::clone(&healthy), Arc::clone(&calls));
    app.jobs.register("mail-out", move |_job| {
        counter.fetch_add(1, Ordering::SeqCst);
        let ok = ok.load(Ordering::SeqCst);
        async move {
            if ok {
                Ok(())
            } else {
                Err("smtp refused".to_string())
            }
        }
    });
    let now = (app.clock.now().unix_timestamp_nanos() / 1_000_000) as i64;
    enqueue_in(&app.core.sqlite, "mail-out", None, 2, now).await;
    app.jobs.wake();
    let id = app
        .jobs
        .list(None, Some("mail-out".into()), None, 1)
        .await
        .expect("list")[0]
        .id;
    let job = |app: &TestApp| {
        let jobs = app.jobs.clone();
        async move { jobs.get(id).await.expect("job") }
    };

    // The workers try once, then wait out the backoff on the server's clock.
    eventually("the first attempt", || async {
        let j = job(&app).await;
        (j.status == "queued" && j.attempts == 1).then_some(())
    })
    .await;
    app.clock.advance(time::Duration::seconds(1));
    app.jobs.wake();
    let dead = eventually("the job to die", || async {
        let j = job(&app).await;
        (j.status == "dead").then_some(j)
    })
    .await;
    assert_eq!(dead.attempts, 2);
    assert_eq!(dead.last_error.as_deref(), Some("smtp refused"));
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    let listed = app.get("/api/v1/jobs?status=dead", Some(&admin)).await;
    listed.assert_status(200);
    let items = listed.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{}", listed.text);
    assert_eq!(items[0]["id"], id);
    assert_eq!(items[0]["kind"], "mail-out");
    assert_eq!(items[0]["last_error"], "smtp refused");
    let one = app.get(&format!("/api/v1/jobs/{id}"), Some(&admin)).await;
    one.assert_status(200);
    assert_eq!(one.body["status"], "dead");
    app.get("/api/v1/jobs?status=dead", Some(&alice))
        .await
        .assert_problem(403, "forbidden");
    app.get("/api/v1/jobs?status=zombie", Some(&admin))
        .await
        .assert_problem(422, "validation_failed");
    let retry = format!("/api/v1/jobs/{id}/retry");
    app.post(&retry, Some(&alice), json!({}))
        .await
        .assert_problem(403, "forbidden");

    healthy.store(true, Ordering::SeqCst);
    let reply = app.post(&retry, Some(&admin), json!({})).await;
    reply.assert_status(200);
    assert_eq!(reply.body["status"], "queued");
    assert_eq!(reply.body["attempts"], 0);
    eventually("the retried job to run", || async {
        (job(&app).await.status == "done").then_some(())
    })
    .await;
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    app.post(&retry, Some(&admin), json!({}))
        .await
        .assert_problem(409, "job_not_retryable");
    app.post("/api/v1/jobs/987654/retry", Some(&admin), json!({}))
        .await
        .assert_problem(404, "not_found");
    let listed = app.get("/api/v1/jobs?status=dead", Some(&admin)).await;
    assert_eq!(listed.body["items"], json!([]));
}

/// Every job of a kind, as the admin API lists it (first 200).
async fn jobs_of(app: &TestApp, admin: &str, kind: &str) -> Vec<Value> {
    let reply = app
        .get(&format!("/api/v1/jobs?kind={kind}&limit=200"), Some(admin))
        .await;
    reply.assert_status(200);
    reply.body["items"].as_array().expect("items").clone()
}

#[tokio::test]
async fn registering_a_user_enqueues_exactly_one_user_created_job() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let before = jobs_of(&app, &admin, "user-created").await.len();
    let reply = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "alice@example.test", "password": "correct horse battery", "name": "Alice"}),
        )
        .await;
    reply.assert_status(201);
    let user = reply.body["user"]["id"]
        .as_str()
        .expect("user id")
        .to_string();
    // A second registration of the same email fails and enqueues nothing.
    app.post(
        "/api/v1/auth/register",
        None,
        json!({"email": "alice@example.test", "password": "correct horse battery", "name": "Alice"}),
    )
    .await
    .assert_status(409);

    let jobs = jobs_of(&app, &admin, "user-created").await;
    assert_eq!(jobs.len(), before + 1);
    let cause = format!("user:{user}");
    let ours: Vec<&Value> = jobs
        .iter()
        .filter(|j| j["cause"] == cause.as_str())
        .collect();
    assert_eq!(ours.len(), 1, "{jobs:?}");
    // No consumer yet: it waits, unattempted.
    assert_eq!(ours[0]["status"], "queued");
    assert_eq!(ours[0]["attempts"], 0);
    super::holds::assert_check_ok(&app, &admin).await;
}

/// The decoded payloads of the `seats-changed` jobs of one event.
async fn seats_changed(app: &TestApp, admin: &str, event: &str) -> Vec<(Value, Value)> {
    jobs_of(app, admin, "seats-changed")
        .await
        .into_iter()
        .filter_map(|job| {
            let payload: Value =
                serde_json::from_str(job["payload"].as_str().expect("payload")).expect("JSON");
            (payload["event_id"] == event).then_some((job, payload))
        })
        .collect()
}

#[tokio::test]
async fn a_hold_enqueues_seats_changed_with_the_counts_and_a_sequence() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 2, 10).await;
    let reply = app
        .post(
            &format!("/api/v1/events/{event}/holds"),
            Some(&alice),
            json!({"seats": ["A-1", "A-2"]}),
        )
        .await;
    reply.assert_status(201);
    let hold = reply.body["id"].as_str().expect("id").to_string();

    let (job, payload) = eventually("seats-changed for the hold", || async {
        seats_changed(&app, &admin, &event)
            .await
            .into_iter()
            .find(|(_, p)| p["categories"]["standard"]["held"] == 2)
    })
    .await;
    assert_eq!(
        payload["categories"]["standard"],
        json!({"total": 20, "available": 18, "held": 2, "sold": 0, "blocked": 0})
    );
    let held_seq = payload["seq"].as_u64().expect("seq");
    assert!(held_seq > 0);
    assert_eq!(job["cause"], format!("event:{event}"));
    assert_ne!(job["status"], "dead", "{job}");

    app.delete(&format!("/api/v1/holds/{hold}"), Some(&alice))
        .await
        .assert_status(204);
    let (_, payload) = eventually("seats-changed for the release", || async {
        seats_changed(&app, &admin, &event)
            .await
            .into_iter()
            .find(|(_, p)| p["seq"].as_u64() > Some(held_seq))
    })
    .await;
    assert_eq!(payload["categories"]["standard"]["held"], 0);
    assert_eq!(payload["categories"]["standard"]["available"], 20);
    // One job per (event, seq): the dedupe keys differ.
    let all = seats_changed(&app, &admin, &event).await;
    let mut keys: Vec<&str> = all
        .iter()
        .map(|(j, _)| j["dedupe_key"].as_str().expect("key"))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), all.len());
    super::holds::assert_check_ok(&app, &admin).await;
}

#[tokio::test]
async fn the_cli_lists_dead_jobs_and_requeues_them() {
    let work = crate::cli::Workdir::new();
    let mut local = Local::open(&work.data_dir()).await;
    flaky(local.jobs(), "doomed", u32::MAX);
    flaky(local.jobs(), "fine", 0);
    local.enqueue("doomed", None, 1).await;
    local.enqueue("fine", None, 1).await;
    while local.run_next().await.is_some() {}
    let dead = local.newest("doomed").await;
    let done = local.newest("fine").await;
    assert_eq!(
        (dead.status.as_str(), done.status.as_str()),
        ("dead", "done")
    );
    local.close().await;

    let (dead_id, done_id) = (dead.id.to_string(), done.id.to_string());
    let listed = work.run(&["jobs", "dead"]);
    listed
        .assert_success()
        .assert_stdout(&dead_id)
        .assert_stdout("doomed")
        .assert_stdout("attempt 1 failed");
    assert!(!listed.stdout.contains("fine"), "{}", listed.stdout);
    let all = work.run(&["jobs", "list"]);
    all.assert_success()
        .assert_stdout("doomed")
        .assert_stdout("fine");
    let only_done = work.run(&["jobs", "list", "--status", "done"]);
    only_done.assert_success().assert_stdout("fine");
    assert!(!only_done.stdout.contains("doomed"), "{}", only_done.stdout);

    work.run(&["jobs", "retry", &done_id]).assert_failure();
    work.run(&["jobs", "retry", "987654"]).assert_failure();
    work.run(&["jobs", "retry", &dead_id])
        .assert_success()
        .assert_stdout("queued again");
    let queued = work.run(&["jobs", "list", "--status", "queued"]);
    queued
        .assert_success()
        .assert_stdout(&dead_id)
        .assert_stdout("doomed");
    work.run(&["jobs", "dead"])
        .assert_success()
        .assert_stdout("(no jobs)");

    let local = Local::open(&work.data_dir()).await;
    flaky(local.jobs(), "doomed", 0);
    assert_eq!(local.run_next().await, Some("done"));
    let job = local.get(dead.id).await;
    assert_eq!((job.status.as_str(), job.attempts), ("done", 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_workers_run_each_job_exactly_once() {
    let app = TestApp::spawn().await;
    let runs: Arc<std::sync::Mutex<std::collections::HashMap<i64, u32>>> = Arc::default();
    let log = Arc::clone(&runs);
    app.jobs.register("count-me", move |job| {
        *log.lock().expect("runs").entry(job.id).or_default() += 1;
        async { Ok(()) }
    });
    let now = (app.clock.now().unix_timestamp_nanos() / 1_000_000) as i64;
    app.core
        .sqlite
        .write(move |conn| {
            for n in 0..300 {
                queue::enqueue(
                    conn,
                    &NewJob {
                        kind: "count-me",
                        payload: json!({ "n": n }).to_string(),
                        dedupe_key: None,
                        cause: "test:queue".into(),
                        run_at_ms: now,
                        max_attempts: 8,
                    },
                    now,
                )?;
            }
            Ok(())
        })
        .await
        .expect("enqueue");
    app.jobs.wake();
    // The server's two workers and four more claimers in the test, all at once.
    let claimers: Vec<_> = (0..4)
        .map(|_| {
            let jobs = app.jobs.clone();
            tokio::spawn(async move { while jobs.run_next().await.expect("run_next").is_some() {} })
        })
        .collect();
    for claimer in claimers {
        claimer.await.expect("claimer");
    }
    eventually("every job to be done", || async {
        let open = app
            .jobs
            .list(None, Some("count-me".into()), None, 1000)
            .await
            .expect("list")
            .iter()
            .filter(|j| j.status != "done")
            .count();
        (open == 0).then_some(())
    })
    .await;
    let runs = runs.lock().expect("runs");
    assert_eq!(runs.len(), 300);
    let twice: Vec<_> = runs.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "jobs run more than once: {twice:?}");
}

#[tokio::test]
async fn a_job_in_progress_at_shutdown_finishes_and_never_runs_again() {
    let app = TestApp::spawn().await;
    let started = Arc::new(tokio::sync::Notify::new());
    let calls = Arc::new(AtomicU32::new(0));
    let (signal, counter) = (Arc::clone(&started), Arc::clone(&calls));
    app.jobs.register("slow", move |_job| {
        let (signal, counter) = (Arc::clone(&signal), Arc::clone(&counter));
        async move {
            signal.notify_one();
            tokio::time::sleep(Duration::from_millis(300)).await;
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    });
    let now = (app.clock.now().unix_timestamp_nanos() / 1_000_000) as i64;
    enqueue_in(&app.core.sqlite, "slow", None, 8, now).await;
    app.jobs.wake();
    tokio::time::timeout(EVENTUALLY, started.notified())
        .await
        .expect("a worker started the job");
    let id = app
        .jobs
        .list(None, Some("slow".into()), None, 1)
        .await
        .expect("list")[0]
        .id;

    let dir = app.stop().await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "shutdown waited for the job"
    );
    let app = TestApp::spawn_in(dir).await;
    let job = app.jobs.get(id).await.expect("job");
    assert_eq!((job.status.as_str(), job.attempts), ("done", 1));
}

#[tokio::test]
async fn seats_changed_keeps_its_sequence_growing_across_a_restart() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 2, 10).await;
    let id = hold_seats(&app, &alice, &event, json!(["A-1"])).await;
    app.delete(&format!("/api/v1/holds/{id}"), Some(&alice))
        .await
        .assert_status(204);
    let before = eventually("seats-changed for the release", || async {
        let all = seats_changed(&app, &admin, &event).await;
        all.iter()
            .any(|(_, p)| p["categories"]["standard"]["held"] == 0 && p["seq"].as_u64() > Some(1))
            .then_some(all)
    })
    .await;
    let highest = before
        .iter()
        .filter_map(|(_, p)| p["seq"].as_u64())
        .max()
        .expect("a seq");

    let app = TestApp::spawn_in(app.stop().await).await;
    let admin = app
        .login("admin@example.test", "correct horse battery")
        .await;
    hold_seats(&app, &alice, &event, json!(["B-1", "B-2", "B-3"])).await;
    let (_, payload) = eventually("seats-changed after the restart", || async {
        seats_changed(&app, &admin, &event)
            .await
            .into_iter()
            .find(|(_, p)| p["categories"]["standard"]["held"] == 3)
    })
    .await;
    let seq = payload["seq"].as_u64().expect("seq");
    assert!(
        seq > highest,
        "seq went back from {highest} to {seq} after a restart"
    );
}

/// Holds seats, asserting 201, and returns the hold's id.
async fn hold_seats(app: &TestApp, token: &str, event: &str, seats: Value) -> String {
    let path = format!("/api/v1/events/{event}/holds");
    let reply = app
        .post(&path, Some(token), json!({ "seats": seats }))
        .await;
    reply.assert_status(201);
    reply.body["id"].as_str().expect("id").to_string()
}
