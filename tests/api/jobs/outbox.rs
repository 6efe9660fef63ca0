//! What clients and admins see: dead jobs listed and retried over the API, and the
//! transactional outbox of account and hold changes.

use super::*;

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
        (j.status.as_str() == "queued" && j.attempts == 1).then_some(())
    })
    .await;
    app.clock.advance(time::Duration::seconds(1));
    app.jobs.wake();
    let dead = eventually("the job to die", || async {
        let j = job(&app).await;
        (j.status.as_str() == "dead").then_some(j)
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
        (job(&app).await.status.as_str() == "done").then_some(())
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
    // The welcome email's handler may already be running it; it never ran twice.
    let status = ours[0]["status"].as_str().unwrap_or_default();
    assert!(["queued", "running", "done"].contains(&status), "{status}");
    assert!(
        ours[0]["attempts"].as_i64().is_some_and(|a| a <= 1),
        "{:?}",
        ours[0]
    );
    crate::holds::assert_check_ok(&app, &admin).await;
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
    crate::holds::assert_check_ok(&app, &admin).await;
}
