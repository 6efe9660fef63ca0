//! Delivery that survives the SMTP server going away: failed attempts logged with their
//! error and retried with backoff (the app's clock makes retries due), the email arriving
//! exactly once when the server is back, replayed triggers sending nothing new, dead letters
//! and the admin's retry, and the log's access rules, filters and pages.

use super::*;
use rezerve::clock::Clock;
use rezerve::jobs::queue::{self, NewJob};

/// Waits until the single `booking-confirmed` email of `booking_id` satisfies `done`.
async fn confirmation(
    app: &TestApp,
    admin: &str,
    booking_id: &str,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let query = format!("kind=booking-confirmed&cause=booking:{booking_id}");
    notification_where(app, admin, &query, what, done).await
}

#[tokio::test]
async fn an_email_sent_while_the_server_is_down_arrives_exactly_once_when_it_is_back() {
    let mut sink = SmtpSink::start().await;
    let app = spawn(&sink).await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 10).await;
    // Everything so far has arrived (and the transport's pool holds a live connection).
    mail(&sink, "alice@example.test", "Welcome").await;
    mail(&sink, "admin@example.test", "Welcome").await;

    sink.stop();
    let booking = buy(&app, &alice, &event, &["A-1"]).await;
    let id = text(&booking, "id");
    let failed = confirmation(&app, &admin, &id, "failed with an error", |n| {
        n["status"] == "failed" && n["last_error"].is_string()
    })
    .await;
    assert_eq!(failed["attempts"], 1, "{failed}");
    assert!(
        text(&failed, "last_error").contains("smtp"),
        "the error says what failed: {failed}"
    );
    assert_eq!(failed["recipient"], "alice@example.test");
    assert_eq!(failed["sent_at_ms"], Value::Null);

    // The retry is due a second later on the app's clock; the server is still down.
    app.clock.advance(time::Duration::seconds(2));
    let again = confirmation(&app, &admin, &id, "tried twice", |n| {
        n["attempts"].as_i64() >= Some(2)
    })
    .await;
    assert_eq!(again["status"], "failed", "{again}");
    assert_eq!(again["id"], failed["id"], "the same email, tried again");

    sink.restart().await;
    app.clock.advance(time::Duration::seconds(30));
    let sent = confirmation(&app, &admin, &id, "sent", |n| n["status"] == "sent").await;
    assert!(sent["sent_at_ms"].is_i64(), "{sent}");
    let m = mail(&sink, "alice@example.test", "Your tickets").await;
    assert_eq!(m.message_id, format!("{}@rezerve", text(&sent, "id")));
    assert_eq!(m.images.len(), 1);
    assert_still(&app, &sink, "alice@example.test", "Your tickets", 1).await;

    // Replaying the trigger sends nothing new. The job API will not run a done job again…
    let reply = app
        .get(
            "/api/v1/jobs?kind=payment-succeeded&limit=100",
            Some(&admin),
        )
        .await;
    reply.assert_status(200);
    let job = reply.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|j| j["cause"] == format!("booking:{id}"))
        .cloned()
        .expect("the payment-succeeded job");
    assert_eq!(job["status"], "done", "{job}");
    app.post(
        &format!("/api/v1/jobs/{}/retry", job["id"]),
        Some(&admin),
        json!({}),
    )
    .await
    .assert_problem(409, "job_not_retryable");
    // …and the same trigger enqueued again (as after a crash before its job was marked
    // done) is handled but renders no second email.
    let (payload, cause) = (text(&job, "payload"), text(&job, "cause"));
    let now_ms = (app.clock.now().unix_timestamp_nanos() / 1_000_000) as i64;
    let replay = app
        .core
        .sqlite
        .write(move |conn| {
            queue::enqueue(
                conn,
                &NewJob {
                    kind: "payment-succeeded",
                    payload,
                    dedupe_key: Some(format!("replay:{cause}")),
                    cause,
                    run_at_ms: now_ms,
                    max_attempts: 3,
                },
                now_ms,
            )?;
            Ok(conn.last_insert_rowid())
        })
        .await
        .expect("replayed trigger enqueued");
    eventually("the replayed trigger to run", || async {
        let reply = app
            .get(&format!("/api/v1/jobs/{replay}"), Some(&admin))
            .await;
        reply.assert_status(200);
        (reply.body["status"] == "done").then_some(())
    })
    .await;
    let all = notifications(
        &app,
        &admin,
        &format!("kind=booking-confirmed&cause=booking:{id}"),
    )
    .await;
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0]["status"], "sent");
    assert_eq!(all[0]["attempts"], sent["attempts"]);
    assert_still(&app, &sink, "alice@example.test", "Your tickets", 1).await;

    // A crash after the `sent` mark but before the delivery job was marked done leaves the
    // job to run again on restart: it finds the email sent and sends nothing.
    let key = format!("send-email:{}", text(&sent, "id"));
    let now_ms = (app.clock.now().unix_timestamp_nanos() / 1_000_000) as i64;
    let delivery = app
        .core
        .sqlite
        .write(move |conn| {
            Ok(conn.query_row(
                "UPDATE jobs SET status = 'queued', run_at = ?2 WHERE dedupe_key = ?1 RETURNING id",
                rusqlite::params![key, now_ms],
                |r| r.get::<_, i64>(0),
            )?)
        })
        .await
        .expect("delivery job queued again");
    app.jobs.wake();
    eventually("the delivery job to run again", || async {
        let reply = app
            .get(&format!("/api/v1/jobs/{delivery}"), Some(&admin))
            .await;
        (reply.body["status"] == "done").then_some(())
    })
    .await;
    assert_still(&app, &sink, "alice@example.test", "Your tickets", 1).await;
}

/// A trigger makes its email's first attempt itself, its `send-email` job written claimed
/// (running, the attempt counted) with the email. A crash between that write and the
/// attempt leaves the job running and the email queued: start-up queues the job again and
/// the email arrives once, with its Message-ID.
#[tokio::test]
async fn an_email_a_crash_caught_before_its_first_attempt_arrives_once_after_the_restart() {
    let mut sink = SmtpSink::start().await;
    let app = spawn(&sink).await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 10).await;
    mail(&sink, "alice@example.test", "Welcome").await;

    // The first attempt fails (no server), which leaves the rows to rewind to the state the
    // crash would have left: the email queued and untried, its job claimed.
    sink.stop();
    let booking = buy(&app, &alice, &event, &["A-1"]).await;
    let id = text(&booking, "id");
    let failed = confirmation(&app, &admin, &id, "failed", |n| n["status"] == "failed").await;
    let ntf = text(&failed, "id");
    let (key, rewound) = (format!("send-email:{ntf}"), ntf.clone());
    let now_ms = (app.clock.now().unix_timestamp_nanos() / 1_000_000) as i64;
    let job = app
        .core
        .sqlite
        .write(move |conn| {
            conn.execute(
                "UPDATE notifications SET status = 'queued', attempts = 0, last_error = NULL WHERE id = ?1",
                [&rewound],
            )?;
            Ok(conn.query_row(
                "UPDATE jobs SET status = 'running', attempts = 1, last_error = NULL, run_at = ?2,
                        locked_until = ?2 + 300000 WHERE dedupe_key = ?1 RETURNING id",
                rusqlite::params![key, now_ms],
                |r| r.get::<_, i64>(0),
            )?)
        })
        .await
        .expect("rewound");
    let dir = app.stop().await;

    sink.restart().await;
    let app = respawn(&sink, dir).await;
    let admin = app
        .login("admin@example.test", "correct horse battery")
        .await;
    let sent = confirmation(&app, &admin, &id, "sent", |n| n["status"] == "sent").await;
    assert_eq!(
        (text(&sent, "id"), &sent["attempts"]),
        (ntf.clone(), &json!(1))
    );
    let m = mail(&sink, "alice@example.test", "Your tickets").await;
    assert_eq!(m.message_id, format!("{ntf}@rezerve"));
    // The email is marked sent in one commit and its job done in the next: wait for both.
    eventually("the delivery job to be done", || async {
        let reply = app.get(&format!("/api/v1/jobs/{job}"), Some(&admin)).await;
        (reply.body["status"] == "done").then_some(())
    })
    .await;
    let reply = app.get(&format!("/api/v1/jobs/{job}"), Some(&admin)).await;
    reply.assert_status(200);
    assert_eq!(reply.body["status"], "done", "{}", reply.body);
    assert_eq!(
        reply.body["attempts"], 2,
        "the lost attempt counts: {}",
        reply.body
    );
    assert_still(&app, &sink, "alice@example.test", "Your tickets", 1).await;
}

#[tokio::test]
async fn a_server_answering_4xx_is_tried_again_until_it_accepts() {
    // The first message (the admin's own welcome, the only one in flight) is deferred.
    let sink = SmtpSink::start_deferring(1).await;
    let app = spawn(&sink).await;
    let admin = app.admin().await;
    let query = "kind=welcome&recipient=admin@example.test";
    let failed = notification_status(&app, &admin, query, "failed").await;
    assert_eq!(failed["attempts"], 1, "{failed}");
    assert!(text(&failed, "last_error").contains("451"), "{failed}");
    assert!(
        sink.messages().is_empty(),
        "a deferred message is not stored"
    );

    app.clock.advance(time::Duration::seconds(2));
    let sent = notification_status(&app, &admin, query, "sent").await;
    assert_eq!(sent["attempts"], 2, "{sent}");
    let m = mail(&sink, "admin@example.test", "Welcome").await;
    assert_eq!(m.message_id, format!("{}@rezerve", text(&sent, "id")));
    assert_still(&app, &sink, "admin@example.test", "Welcome", 1).await;
}

#[tokio::test]
async fn an_email_out_of_attempts_is_dead_until_an_admin_retries_it() {
    let mut sink = SmtpSink::start().await;
    sink.stop();
    let app = spawn_with(&sink, |c| c.mail.max_attempts = 2).await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 10).await;
    let booking = buy(&app, &alice, &event, &["A-1"]).await;
    let id = text(&booking, "id");

    confirmation(&app, &admin, &id, "failed once", |n| {
        n["status"] == "failed"
    })
    .await;
    app.clock.advance(time::Duration::seconds(2));
    let dead = confirmation(&app, &admin, &id, "dead", |n| n["status"] == "dead").await;
    assert_eq!(dead["attempts"], 2, "{dead}");
    assert!(text(&dead, "last_error").contains("smtp"), "{dead}");
    let listed = notifications(&app, &admin, "status=dead&kind=booking-confirmed").await;
    assert_eq!(listed.len(), 1, "{listed:#?}");
    let nid = text(&dead, "id");
    let retry = format!("/api/v1/notifications/{nid}/retry");

    // Dead stays dead: time passing sends nothing, even with the server back.
    sink.restart().await;
    assert_still(&app, &sink, "alice@example.test", "Your tickets", 0).await;
    // Only admins retry.
    app.post(&retry, Some(&alice), json!({}))
        .await
        .assert_problem(403, "forbidden");
    let staff = app.account("boxoffice", "staff").await;
    app.post(&retry, Some(&staff), json!({}))
        .await
        .assert_problem(403, "forbidden");
    app.post(&retry, None, json!({}))
        .await
        .assert_problem(401, "unauthorized");

    let reply = app.post(&retry, Some(&admin), json!({})).await;
    reply.assert_status(200);
    assert_eq!(reply.body["id"], nid.as_str());
    assert!(
        reply.body["status"] == "queued" || reply.body["status"] == "sent",
        "{}",
        reply.text
    );
    let sent = confirmation(&app, &admin, &id, "sent", |n| n["status"] == "sent").await;
    assert_eq!(sent["id"], nid.as_str());
    let m = mail(&sink, "alice@example.test", "Your tickets").await;
    assert_eq!(m.message_id, format!("{nid}@rezerve"));
    assert_still(&app, &sink, "alice@example.test", "Your tickets", 1).await;

    // Sent is final.
    app.post(&retry, Some(&admin), json!({}))
        .await
        .assert_problem(409, "already_sent");
    app.post(
        "/api/v1/notifications/ntf_0123456789abcdef0123456789abcdef/retry",
        Some(&admin),
        json!({}),
    )
    .await
    .assert_problem(404, "not_found");
    app.post(
        "/api/v1/notifications/garbage/retry",
        Some(&admin),
        json!({}),
    )
    .await
    .assert_problem(404, "not_found");
    assert_still(&app, &sink, "alice@example.test", "Your tickets", 1).await;
}

#[tokio::test]
async fn the_log_is_for_admins_filtered_and_paged() {
    let sink = SmtpSink::start().await;
    let app = spawn(&sink).await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    app.customer("bob").await;
    app.customer("carol").await;
    for who in ["alice", "bob", "carol"] {
        mail(&sink, &format!("{who}@example.test"), "Welcome").await;
    }
    eventually("every welcome logged as sent", || async {
        let sent = notifications(&app, &admin, "kind=welcome&status=sent&limit=100").await;
        (sent.len() == 4).then_some(())
    })
    .await;

    let first = app
        .get("/api/v1/notifications?kind=welcome&limit=3", Some(&admin))
        .await;
    first.assert_status(200);
    let page = first.body["items"].as_array().expect("items").clone();
    assert_eq!(page.len(), 3, "{}", first.text);
    let cursor = text(&first.body, "next_cursor");
    let second = app
        .get(
            &format!("/api/v1/notifications?kind=welcome&limit=3&cursor={cursor}"),
            Some(&admin),
        )
        .await;
    second.assert_status(200);
    let rest = second.body["items"].as_array().expect("items").clone();
    assert_eq!(rest.len(), 1, "{}", second.text);
    assert_eq!(second.body["next_cursor"], Value::Null);
    let mut recipients: Vec<String> = page
        .iter()
        .chain(rest.iter())
        .map(|n| text(n, "recipient"))
        .collect();
    recipients.sort();
    assert_eq!(
        recipients,
        [
            "admin@example.test",
            "alice@example.test",
            "bob@example.test",
            "carol@example.test"
        ]
    );
    for n in page.iter().chain(rest.iter()) {
        assert!(
            n.get("message").is_none(),
            "the log does not serve bodies: {n}"
        );
    }

    let only = notifications(&app, &admin, "recipient=BOB@example.test").await;
    assert_eq!(only.len(), 1, "{only:#?}");
    assert_eq!(only[0]["recipient"], "bob@example.test");
    assert!(notifications(&app, &admin, "status=dead").await.is_empty());
    assert!(
        notifications(&app, &admin, "kind=event-cancelled")
            .await
            .is_empty()
    );

    app.get("/api/v1/notifications?status=bogus", Some(&admin))
        .await
        .assert_problem(422, "validation_failed");
    app.get("/api/v1/notifications", Some(&alice))
        .await
        .assert_problem(403, "forbidden");
    app.get("/api/v1/notifications", None)
        .await
        .assert_problem(401, "unauthorized");
}

/// Emails are logged as their data and rendered when sent (migration 0012); one logged
/// before, as a whole rendered message, is still sent exactly as it was rendered.
#[tokio::test]
async fn an_email_logged_rendered_before_its_data_was_kept_is_sent_as_rendered() {
    let sink = SmtpSink::start().await;
    let app = spawn(&sink).await;
    let admin = app.admin().await;
    mail(&sink, "admin@example.test", "Welcome").await;

    let raw = "From: Rezerve <noreply@example.test>\r\nTo: old@example.test\r\n\
               Subject: Rendered long ago\r\nMessage-ID: <ntf_rendered@rezerve>\r\n\
               Content-Type: text/plain; charset=utf-8\r\n\r\nKept as it was rendered.\r\n";
    let now_ms = (app.clock.now().unix_timestamp_nanos() / 1_000_000) as i64;
    app.core
        .sqlite
        .write(move |conn| {
            conn.execute(
                "INSERT INTO notifications (id, kind, recipient, subject, status, attempts, cause,
                                            dedupe_key, message, created_at, updated_at)
                 VALUES ('ntf_rendered', 'welcome', 'old@example.test', 'Rendered long ago',
                         'queued', 0, 'test:rendered', 'welcome:test:rendered:old@example.test',
                         ?1, ?2, ?2)",
                rusqlite::params![raw.as_bytes(), now_ms],
            )?;
            queue::enqueue(
                conn,
                &NewJob {
                    kind: "send-email",
                    payload: r#"{"notification_id":"ntf_rendered"}"#.into(),
                    dedupe_key: Some("send-email:ntf_rendered".into()),
                    cause: "test:rendered".into(),
                    run_at_ms: now_ms,
                    max_attempts: 3,
                },
                now_ms,
            )?;
            Ok(())
        })
        .await
        .expect("an email logged the old way");
    app.jobs.wake();

    let m = mail(&sink, "old@example.test", "Rendered long ago").await;
    assert_eq!(m.message_id, "ntf_rendered@rezerve");
    assert_eq!(m.text.trim(), "Kept as it was rendered.");
    notification_status(&app, &admin, "cause=test:rendered", "sent").await;
}
