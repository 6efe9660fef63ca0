//! Jobs across restarts and shutdowns: a job left running by a crash runs again, a job in
//! progress at shutdown finishes once, `seats-changed` keeps its sequence growing, and the
//! CLI lists and re-queues dead jobs on a stopped data dir.

use super::*;

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
    assert_eq!(claimed.status.as_str(), "running");
    // Claimed by a worker that never finishes: not claimable again while "running".
    flaky(local.jobs(), "resumable", 0);
    assert_eq!(local.run_next().await, None);

    let local = local.restart().await;
    let job = local.get(claimed.id).await;
    assert_eq!(
        job.status.as_str(),
        "queued",
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
    assert_eq!(local.get(claimed.id).await.status.as_str(), "done");
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
