//! `/admin/jobs`: a job made dead for real (an email against an SMTP port that refuses, with
//! one attempt allowed) is listed with its error, counted, and retried through the page's
//! form; the retry is refused, with a message, once the job is done; filters check their
//! input; only admins retry, and only with the form's token.

use super::{Console, PASSWORD};
use crate::helpers::{SmtpSink, TestApp};
use crate::notifications::{eventually, mail, spawn_with};
use serde_json::Value;

/// The `<tr>` of a job on the list.
pub fn job_row(html: &str, id: i64) -> &str {
    let start = html
        .find(&format!("data-job=\"{id}\""))
        .unwrap_or_else(|| panic!("job {id} is not listed:\n{html}"));
    let end = start + html[start..].find("</tr>").expect("row end");
    &html[start..end]
}

/// The job through the API.
async fn job(app: &TestApp, admin: &str, id: i64) -> Value {
    let reply = app.get(&format!("/api/v1/jobs/{id}"), Some(admin)).await;
    reply.assert_status(200);
    reply.body
}

/// Waits for the welcome email's delivery job to `to` to be dead; its id.
pub async fn dead_welcome_job(app: &TestApp, admin: &str, to: &str) -> i64 {
    let user = app.get(&format!("/api/v1/users?q={to}"), Some(admin)).await;
    user.assert_status(200);
    let cause = format!(
        "user:{}",
        user.body["items"][0]["id"].as_str().expect("user id")
    );
    eventually(&format!("the welcome email to {to} to die"), || async {
        let reply = app
            .get(
                "/api/v1/jobs?status=dead&kind=send-email&limit=200",
                Some(admin),
            )
            .await;
        reply.assert_status(200);
        reply.body["items"]
            .as_array()
            .and_then(|dead| dead.iter().find(|j| j["cause"] == cause.as_str()))
            .and_then(|j| j["id"].as_i64())
    })
    .await
}

/// The text of some HTML, tags dropped.
pub fn strip_tags(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

#[tokio::test]
async fn a_dead_job_is_listed_and_retried_through_the_form() {
    let mut sink = SmtpSink::start().await;
    sink.stop();
    let app = spawn_with(&sink, |c| c.mail.max_attempts = 1).await;
    let mut console = Console::signed_in(&app, "ada", "admin").await;
    let mut staff = Console::signed_in(&app, "sam", "staff").await;
    let token = app.login("ada@example.test", PASSWORD).await;
    let id = dead_welcome_job(&app, &token, "ada@example.test").await;

    // Listed with its error and a retry button, counted at the top, and on its own page.
    let list = console.get("/admin/jobs?status=dead").await;
    list.assert_html(200);
    let row = job_row(&list.text, id);
    assert!(row.contains("send-email"), "{row}");
    assert!(row.contains(">dead<"), "{row}");
    assert!(row.contains("1 of 1"), "{row}");
    assert!(row.contains("smtp"), "the last error is shown: {row}");
    assert!(
        row.contains(&format!("action=\"/admin/jobs/{id}/retry\"")),
        "{row}"
    );
    assert!(list.text.contains("id=\"job-counts\""));
    let detail = console.get(&format!("/admin/jobs/{id}")).await;
    detail.assert_html(200);
    assert!(detail.text.contains("id=\"job-status\">dead<"));
    assert!(
        detail.text.contains("notification_id"),
        "the payload is shown"
    );
    assert!(detail.text.contains(&format!("Retry job {id}")));

    // Staff may not retry; a form without its token changes nothing either.
    let staff_csrf = staff.csrf().await;
    let refused = staff
        .post_form(&format!("/admin/jobs/{id}/retry"), &[("csrf", &staff_csrf)])
        .await;
    refused.assert_html(403);
    assert_eq!(refused.error_code().as_deref(), Some("forbidden"));
    let refused = console
        .post_form(&format!("/admin/jobs/{id}/retry"), &[])
        .await;
    refused.assert_html(403);
    assert_eq!(refused.error_code().as_deref(), Some("csrf_failed"));
    assert_eq!(job(&app, &token, id).await["status"], "dead");

    // With the mail server back, the retry delivers the email.
    sink.restart().await;
    let csrf = console.csrf().await;
    let retried = console
        .post_form(&format!("/admin/jobs/{id}/retry"), &[("csrf", &csrf)])
        .await;
    assert_eq!(retried.status.as_u16(), 303, "{}", retried.text);
    assert_eq!(retried.location(), format!("/admin/jobs/{id}?retried=1"));
    let shown = console.get(retried.location()).await;
    shown.assert_html(200);
    assert!(shown.text.contains("was queued again"), "{}", shown.text);
    eventually("the retried job to be done", || async {
        (job(&app, &token, id).await["status"] == "done").then_some(())
    })
    .await;
    mail(&sink, "ada@example.test", "Welcome").await;

    // A done job is not retried: the page says why, and nothing changes.
    let again = console
        .post_form(&format!("/admin/jobs/{id}/retry"), &[("csrf", &csrf)])
        .await;
    again.assert_html(409);
    assert!(again.text.contains("Not retried"), "{}", again.text);
    assert!(
        again.text.contains("only dead or queued jobs"),
        "{}",
        again.text
    );
    let after = job(&app, &token, id).await;
    assert_eq!(after["status"], "done");
    assert_eq!(after["attempts"], 1);
    // No such job: a 404 page.
    for path in ["/admin/jobs/987654/retry", "/admin/jobs/nope/retry"] {
        let page = console.post_form(path, &[("csrf", &csrf)]).await;
        page.assert_html(404);
        assert_eq!(page.error_code().as_deref(), Some("not_found"), "{path}");
    }
    console.get("/admin/jobs/987654").await.assert_html(404);
}

#[tokio::test]
async fn the_job_list_filters_counts_and_pages() {
    let app = TestApp::spawn().await;
    let console = Console::signed_in(&app, "ada", "admin").await;
    let token = app.login("ada@example.test", PASSWORD).await;
    // 55 more accounts: 56 user-created jobs in all, more than a page.
    for i in 0..55 {
        app.post(
            "/api/v1/users",
            Some(&token),
            serde_json::json!({"email": format!("u{i}@example.test"), "password": PASSWORD, "name": format!("User {i}"), "role": "customer"}),
        )
        .await
        .assert_status(201);
    }
    let first = console.get("/admin/jobs?kind=user-created").await;
    first.assert_html(200);
    let rows = first.text.matches("data-job=").count();
    assert_eq!(rows, 50, "one page of 50");
    let next = first
        .text
        .split("rel=\"next\"")
        .next()
        .and_then(|before| before.rsplit("href=\"").next())
        .and_then(|href| href.split('"').next())
        .expect("a next-page link")
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    assert!(
        next.starts_with("/admin/jobs?kind=user-created&cursor="),
        "{next}"
    );
    let second = console.get(&next).await;
    second.assert_html(200);
    assert_eq!(second.text.matches("data-job=").count(), 6);
    assert!(!second.text.contains("rel=\"next\""));
    assert!(second.text.contains("First page"));
    // Every user-created job is counted, whatever its status by now.
    let counts = &first.text[first.text.find("id=\"job-counts\"").expect("counts")..];
    let line = &counts[counts.find(">user-created<").expect("the kind's line")..];
    let line = &line[..line.find("</tr>").expect("line end")];
    let total: i64 = line
        .split("<td class=\"num\">")
        .skip(1)
        .map(|cell| {
            let cell = cell.split("</td>").next().unwrap_or("");
            strip_tags(cell).trim().parse::<i64>().expect("a count")
        })
        .sum();
    assert_eq!(total, 56, "{line}");

    // Bad input on the filter: a 422 page naming the field, never a 500.
    let bad = console.get("/admin/jobs?status=zombie").await;
    bad.assert_html(422);
    assert!(bad.text.contains("<strong>status</strong>"), "{}", bad.text);
    let bad = console.get("/admin/jobs?cursor=%%%").await;
    assert!(bad.status.is_client_error(), "{}", bad.status);
    let bad = console.get("/admin/jobs?cursor=Zm9v").await;
    bad.assert_html(422);
    // A kind nobody has: an empty list that says so.
    let none = console.get("/admin/jobs?kind=no-such-kind").await;
    none.assert_html(200);
    assert!(none.text.contains("id=\"no-jobs\""));
}
