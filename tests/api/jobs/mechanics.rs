//! Queue mechanics in-process: exponential backoff on a moved clock, dead letters, kinds
//! nobody handles yet, dedupe keys, and racing claimers that never run a job twice.

use super::*;

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
        assert_eq!(job.status.as_str(), "queued");
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
    assert_eq!(job.status.as_str(), "dead");
    assert_eq!((job.attempts, job.max_attempts), (3, 3));
    assert_eq!(job.last_error.as_deref(), Some("attempt 3 failed"));
    // A dead job waits for a person, however much time passes.
    local.advance_ms(24 * 3600 * 1000);
    assert_eq!(local.run_next().await, None);
    assert_eq!(local.get(id).await.status.as_str(), "dead");
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    let dead = local
        .jobs()
        .list(Some("dead".parse().expect("a status")), None, None, 10)
        .await
        .expect("list");
    assert_eq!(dead.iter().map(|j| j.id).collect::<Vec<_>>(), [id]);
}

#[tokio::test]
async fn a_kind_without_a_handler_waits_in_the_queue() {
    let local = Local::build().await;
    flaky(local.jobs(), "something-else", 0);
    local.enqueue("not-yet-handled", None, 8).await;
    let id = local.newest("not-yet-handled").await.id;
    assert_eq!(local.run_next().await, None);
    local.advance_ms(3600 * 1000);
    assert_eq!(local.run_next().await, None);
    let job = local.get(id).await;
    assert_eq!((job.status.as_str(), job.attempts), ("queued", 0));
    // Once a consumer exists, the waiting job is the first it gets.
    let calls = flaky(local.jobs(), "not-yet-handled", 0);
    assert_eq!(local.run_next().await, Some("done"));
    assert_eq!(local.get(id).await.status.as_str(), "done");
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
            .list(
                Some("queued".parse().expect("a status")),
                Some("mail".into()),
                None,
                50
            )
            .await
            .expect("list")
            .len(),
        0
    );
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
            .filter(|j| j.status.as_str() != "done")
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
async fn a_batched_kind_gets_a_workers_claimed_jobs_in_one_call_each_with_its_own_outcome() {
    let app = TestApp::spawn().await;
    let now = (app.clock.now().unix_timestamp_nanos() / 1_000_000) as i64;
    // Queued before anyone handles the kind, so one claim finds them all due.
    for dedupe in ["batch-a", "batch-b", "batch-fails"] {
        assert!(enqueue_in(&app.core.sqlite, "batched", Some(dedupe), 3, now).await);
    }
    let calls = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = Arc::clone(&calls);
    app.jobs.register_batch("batched", move |jobs| {
        seen.lock().expect("calls").push(jobs.len());
        let outcomes = jobs
            .iter()
            .map(|j| match j.dedupe_key.as_deref() {
                Some("batch-fails") => Err(rezerve::jobs::JobFailure::Retry("no".into())),
                _ => Ok(()),
            })
            .collect();
        async move { outcomes }
    });
    let jobs = eventually("every job to have run once", || async {
        let jobs = app
            .jobs
            .list(None, Some("batched".into()), None, 10)
            .await
            .expect("list");
        jobs.iter()
            .all(|j| j.attempts == 1 && j.status.as_str() != "running")
            .then_some(jobs)
    })
    .await;
    assert_eq!(
        *calls.lock().expect("calls"),
        [3],
        "one call with all three"
    );
    for job in jobs {
        match job.dedupe_key.as_deref() {
            Some("batch-fails") => {
                assert_eq!(job.status.as_str(), "queued", "retried after the backoff");
                assert_eq!(job.last_error.as_deref(), Some("no"));
            }
            _ => {
                eventually("its done mark", || async {
                    (app.jobs.get(job.id).await.expect("job").status.as_str() == "done")
                        .then_some(())
                })
                .await
            }
        }
    }
}
