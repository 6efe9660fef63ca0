//! A mail server's answers taken at their word: a temporary refusal (4xx) is tried again
//! after the backoff until it is accepted, a permanent one (5xx: the mailbox does not exist)
//! marks the email dead at once with the server's answer, visible to the operator in the API
//! and on `/admin/emails`, and it is never tried again by itself; its job is done, so the
//! queue does not call for the operator over a customer's address.

use super::*;
use crate::console::Console;

#[tokio::test]
async fn a_permanent_refusal_is_dead_at_once_with_the_servers_answer_and_a_temporary_one_is_retried()
 {
    // The first message (the admin's own welcome) is deferred with a 451.
    let sink = SmtpSink::start_deferring(1).await;
    let app = spawn(&sink).await;
    let admin = app.admin().await;
    let query = "kind=welcome&recipient=admin@example.test";
    let failed = notification_status(&app, &admin, query, "failed").await;
    assert_eq!(failed["attempts"], 1, "{failed}");
    assert!(text(&failed, "last_error").contains("451"), "{failed}");

    // A mailbox the server says does not exist (the sink refuses `@reject.test` with 550).
    app.post(
        "/api/v1/auth/register",
        None,
        json!({"email": "nobody@reject.test", "password": "correct horse battery", "name": "Nobody"}),
    )
    .await
    .assert_status(201);
    let refused = "kind=welcome&recipient=nobody@reject.test";
    let dead = notification_status(&app, &admin, refused, "dead").await;
    assert_eq!(dead["attempts"], 1, "dead after its first attempt: {dead}");
    let error = text(&dead, "last_error");
    assert!(error.contains("550"), "the server's code: {error}");
    assert!(
        error.contains("no such mailbox here"),
        "the server's answer: {error}"
    );
    // Its job is done, not dead: the delivery has its verdict, and a dead job would tell the
    // operator the queue needs them (the dashboard and RezerveDeadJobs) for a customer's typo.
    let nid = text(&dead, "id");
    let finished = eventually("the refused email's job to finish", || async {
        let jobs = app
            .get("/api/v1/jobs?kind=send-email&status=done", Some(&admin))
            .await;
        jobs.assert_status(200);
        jobs.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|j| j["payload"].as_str().unwrap_or("").contains(&nid))
            .cloned()
    })
    .await;
    assert_eq!(finished["attempts"], 1, "{finished}");
    let dead_jobs = app
        .get("/api/v1/jobs?kind=send-email&status=dead", Some(&admin))
        .await;
    dead_jobs.assert_status(200);
    assert_eq!(dead_jobs.body["items"], json!([]), "{}", dead_jobs.body);

    // The deferred one is retried and arrives; the refused one is not tried again, however
    // long we wait.
    app.clock.advance(time::Duration::seconds(2));
    let sent = notification_status(&app, &admin, query, "sent").await;
    assert_eq!(sent["attempts"], 2, "{sent}");
    mail(&sink, "admin@example.test", "Welcome").await;
    assert_still(&app, &sink, "nobody@reject.test", "Welcome", 0).await;
    let still = notification_status(&app, &admin, refused, "dead").await;
    assert_eq!(still["attempts"], 1, "not retried by itself: {still}");

    // The operator sees why on the delivery log.
    let console = Console::signed_in(&app, "ops", "admin").await;
    let log = console.get("/admin/emails?status=dead").await;
    log.assert_html(200);
    let start = log
        .text
        .find(&format!("data-email=\"{}\"", text(&dead, "id")))
        .unwrap_or_else(|| panic!("the refused email is not listed:\n{}", log.text));
    let row = &log.text[start..start + log.text[start..].find("</tr>").expect("row end")];
    assert!(row.contains("nobody@reject.test"), "{row}");
    assert!(row.contains("no such mailbox here"), "{row}");

    // The dashboard warns about the email once, and not about the queue.
    let dashboard = console.get("/admin/").await;
    dashboard.assert_html(200);
    assert!(
        dashboard.text.contains("1 email(s) could not be delivered"),
        "{}",
        dashboard.text
    );
    assert!(
        !dashboard.text.contains("ran out of attempts"),
        "{}",
        dashboard.text
    );
}
