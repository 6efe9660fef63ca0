//! Finished work does not pile up for years: done jobs and sent emails older than
//! `storage.retention_days` are deleted, while what is still to do (a queued job), what needs
//! an operator (a dead job) and recent work stay; the bookings they came from are untouched,
//! and neither the live check nor `rezerve check` finds anything wrong afterwards.

use super::*;
use rezerve::jobs::JobFailure;

/// Every job in `status`, as the admin API lists them (first 200).
async fn jobs_in(app: &TestApp, admin: &str, status: &str) -> Vec<Value> {
    let reply = app
        .get(
            &format!("/api/v1/jobs?status={status}&limit=200"),
            Some(admin),
        )
        .await;
    reply.assert_status(200);
    reply.body["items"].as_array().expect("items").clone()
}

/// Every notification in `status` (first 200).
async fn emails_in(app: &TestApp, admin: &str, status: &str) -> Vec<Value> {
    let reply = app
        .get(
            &format!("/api/v1/notifications?status={status}&limit=200"),
            Some(admin),
        )
        .await;
    reply.assert_status(200);
    reply.body["items"].as_array().expect("items").clone()
}

/// Waits until no job is queued or running but those of `waiting` kinds.
async fn settled(app: &TestApp, admin: &str, waiting: &str) {
    eventually("the workers to finish", || async {
        let mut busy = jobs_in(app, admin, "queued").await;
        busy.extend(jobs_in(app, admin, "running").await);
        busy.iter().all(|j| j["kind"] == waiting).then_some(())
    })
    .await;
}

#[tokio::test]
async fn done_jobs_and_sent_emails_past_their_retention_go_and_the_checks_stay_clean() {
    let app = TestApp::spawn_with(|c| c.storage.retention_days = 30).await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 10).await;
    let hold = hold_seats(&app, &alice, &event, json!(["A-1", "A-2"])).await;
    let booked = app
        .post("/api/v1/bookings", Some(&alice), json!({"hold_id": hold}))
        .await;
    booked.assert_status(201);
    let booking = booked.body["id"].as_str().expect("id").to_string();
    let total = booked.body["total"]["amount_minor"].clone();
    app.post(
        &format!("/api/v1/bookings/{booking}/payments"),
        Some(&alice),
        json!({"method": "test", "amount_minor": total, "card_number": "4242424242424242"}),
    )
    .await
    .assert_status(201);
    // A job nobody handles waits; one refused for good is dead. Neither may go.
    app.jobs.register_parking("refused", |_job| async {
        Err(JobFailure::Park("refused for good".into()))
    });
    let now = (app.clock.now().unix_timestamp_nanos() / 1_000_000) as i64;
    for kind in ["waiting", "refused"] {
        let (kind, cause) = (kind.to_string(), format!("event:{event}"));
        app.core
            .sqlite
            .write(move |conn| {
                queue::enqueue(
                    conn,
                    &NewJob {
                        kind: &kind,
                        payload: "{}".into(),
                        dedupe_key: None,
                        cause,
                        run_at_ms: now,
                        max_attempts: 8,
                    },
                    now,
                )
            })
            .await
            .expect("enqueue");
    }
    app.jobs.wake();
    settled(&app, &admin, "waiting").await;
    // The sale moved the price, and no job is left for a consumer that does not exist.
    eventually("the price to move", || async {
        let detail = app.get(&format!("/api/v1/events/{event}"), None).await;
        (detail.body["prices"]["standard"]["amount_minor"].as_i64() > Some(90_000)).then_some(())
    })
    .await;
    settled(&app, &admin, "waiting").await;
    let all = app.get("/api/v1/jobs?limit=200", Some(&admin)).await;
    all.assert_status(200);
    let kinds: Vec<&str> = all.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|j| j["kind"].as_str())
        .collect();
    assert!(!kinds.contains(&"price-changed"), "{kinds:?}");
    let old_done = jobs_in(&app, &admin, "done").await.len();
    let old_sent = emails_in(&app, &admin, "sent").await.len();
    assert!(
        old_done >= 6,
        "welcomes, confirmation, seat changes: {old_done}"
    );
    assert!(old_sent >= 3, "two welcomes and the tickets: {old_sent}");
    assert_eq!(jobs_in(&app, &admin, "dead").await.len(), 1);

    // A month later, Bob signs up: his work is recent.
    app.clock.advance(time::Duration::days(31));
    let since = (app.clock.now().unix_timestamp_nanos() / 1_000_000) as i64;
    // Tokens of a month ago have expired.
    let admin = app
        .login("admin@example.test", "correct horse battery")
        .await;
    let alice = app
        .login("alice@example.test", "correct horse battery")
        .await;
    app.customer("bob").await;
    settled(&app, &admin, "waiting").await;
    let notifier = app.core.notifier().expect("notifier");
    let clock: rezerve::clock::SharedClock = Arc::new(app.clock.clone());
    let pruned = rezerve::retention::prune(&app.jobs, &notifier, &clock, 30)
        .await
        .expect("prune");
    assert_eq!(pruned.jobs, old_done, "{pruned:?}");
    assert_eq!(pruned.emails, old_sent, "{pruned:?}");

    let done = jobs_in(&app, &admin, "done").await;
    assert!(!done.is_empty(), "bob's jobs stay");
    for job in &done {
        assert!(job["created_at_ms"].as_i64() >= Some(since), "{job}");
    }
    let sent = emails_in(&app, &admin, "sent").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["recipient"], "bob@example.test");
    let queued = jobs_in(&app, &admin, "queued").await;
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0]["kind"], "waiting");
    let dead = jobs_in(&app, &admin, "dead").await;
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0]["kind"], "refused");
    // Pruning twice deletes nothing more.
    let again = rezerve::retention::prune(&app.jobs, &notifier, &clock, 30)
        .await
        .expect("prune");
    assert_eq!((again.jobs, again.emails), (0, 0));

    // The booking is untouched, and both checks are clean.
    let b = app
        .get(&format!("/api/v1/bookings/{booking}"), Some(&alice))
        .await;
    b.assert_status(200);
    assert_eq!(b.body["status"], "confirmed", "{}", b.text);
    let check = app.get("/api/v1/admin/check", Some(&admin)).await;
    check.assert_status(200);
    assert_eq!(check.body["ok"], true, "{}", check.text);
    let dir = app.stop().await;
    let findings = rezerve::audit::run_offline(dir.path()).expect("rezerve check runs");
    let problems: Vec<_> = findings.iter().filter(|f| f.problem.is_some()).collect();
    assert!(problems.is_empty(), "{problems:?}");
}
