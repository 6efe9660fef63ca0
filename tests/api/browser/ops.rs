//! The operations pages in a real browser: retrying a dead job (made dead for real: its
//! email met an SMTP port that refuses, with one attempt allowed) through the job's page
//! until the email arrives; and every operations page driven through its forms, with
//! screenshots at desktop and phone widths for people to look at.

use super::Browser;
use crate::console::PASSWORD;
use crate::console::jobs::dead_welcome_job;
use crate::helpers::{SmtpSink, TestApp};
use crate::notifications::{eventually, mail, spawn_with};

/// Clicks the link with this text and waits for the page it leads to.
async fn follow(browser: &Browser, text: &str) {
    let link = browser
        .client()
        .find(fantoccini::Locator::LinkText(text))
        .await
        .unwrap_or_else(|e| panic!("no link {text:?}: {e}"));
    browser
        .navigating(async || link.click().await.expect("clicked"))
        .await;
}

/// The job's status through the API.
async fn job_status(app: &TestApp, admin: &str, id: i64) -> String {
    let reply = app.get(&format!("/api/v1/jobs/{id}"), Some(admin)).await;
    reply.assert_status(200);
    reply.body["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn retrying_a_dead_job() {
    let mut sink = SmtpSink::start().await;
    sink.stop();
    let app = spawn_with(&sink, |c| c.mail.max_attempts = 1).await;
    let token = app.account("ada", "admin").await;
    let id = dead_welcome_job(&app, &token, "ada@example.test").await;

    let browser = Browser::start(&app).await;
    browser.sign_in("ada@example.test", PASSWORD).await;
    browser.goto("/admin/jobs").await;
    browser.select("Status", "dead").await;
    browser.click_button("Show").await;
    assert_eq!(
        browser.current_path().await,
        "/admin/jobs?status=dead&kind="
    );
    let row = browser.text(&format!("tr[data-job=\"{id}\"]")).await;
    assert!(row.contains("dead") && row.contains("smtp"), "{row}");
    browser.screenshot("ops-jobs-dead").await;

    browser.goto(&format!("/admin/jobs/{id}")).await;
    assert_eq!(browser.text("#job-status").await, "dead");
    browser.screenshot("ops-job-dead").await;

    // The mail server is back; the person presses Retry.
    sink.restart().await;
    browser.click_button(&format!("Retry job {id}")).await;
    assert_eq!(
        browser.current_path().await,
        format!("/admin/jobs/{id}?retried=1")
    );
    assert!(browser.text("#notice").await.contains("queued again"));
    eventually("the retried job to be done", || async {
        (job_status(&app, &token, id).await == "done").then_some(())
    })
    .await;
    mail(&sink, "ada@example.test", "Welcome").await;
    browser.goto(&format!("/admin/jobs/{id}")).await;
    assert_eq!(browser.text("#job-status").await, "done");
    assert!(
        browser.all("form[action$=\"/retry\"]").await.is_empty(),
        "no retry for a done job"
    );
    browser.screenshot("ops-job-done").await;
}

#[tokio::test]
async fn the_operations_pages_through_their_forms() {
    let mut sink = SmtpSink::start().await;
    sink.stop();
    let app = spawn_with(&sink, |c| c.mail.max_attempts = 1).await;
    let token = app.account("ada", "admin").await;
    app.create_concert(&token, 2, 5).await;
    app.customer("cara").await;
    dead_welcome_job(&app, &token, "ada@example.test").await;
    let browser = Browser::start(&app).await;
    browser.sign_in("ada@example.test", PASSWORD).await;

    // Emails: filtered by recipient.
    browser.goto("/admin/emails").await;
    browser.fill("Recipient", "cara@example.test").await;
    browser.click_button("Show").await;
    let rows = browser.texts("#emails tbody tr").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains("cara@example.test"));
    browser.goto("/admin/emails").await;
    browser.screenshot("ops-emails").await;

    // Users: a bad form first, then a staff account with a generated password.
    browser.goto("/admin/users").await;
    follow(&browser, "Create a user").await;
    browser.fill("Email", "not an email").await;
    browser.fill("Password", "short").await;
    browser.click_button("Create the user").await;
    assert!(
        browser
            .text("#email-error")
            .await
            .contains("must be an email address")
    );
    assert!(
        browser
            .text("#name-error")
            .await
            .contains("must not be empty")
    );
    assert!(browser.text("#password-error").await.contains("at least 8"));
    browser.screenshot("ops-user-new-errors").await;
    browser.fill("Email", "kim@example.test").await;
    browser.fill("Name", "Kim Lee").await;
    browser.fill("Password", "").await;
    browser.click_button("Create the user").await;
    let password = browser
        .execute(
            "return document.getElementById('generated-password').value;",
            serde_json::json!([]),
        )
        .await;
    let password = password.as_str().expect("a password").to_string();
    app.login("kim@example.test", &password).await;
    browser.screenshot("ops-user-created").await;

    browser.goto("/admin/users").await;
    browser.fill("Email or name contains", "kim").await;
    browser.click_button("Search").await;
    assert_eq!(browser.texts("#users tbody tr").await.len(), 1);
    browser.goto("/admin/users").await;
    browser.screenshot("ops-users").await;

    // Kim's page: disable, then see it said.
    browser.goto("/admin/users?q=kim").await;
    let href = browser
        .execute(
            "return document.querySelector('#users tbody a').getAttribute('href');",
            serde_json::json!([]),
        )
        .await;
    browser.goto(href.as_str().expect("a link")).await;
    browser.click_button("Disable the account").await;
    assert!(browser.text("#notice").await.contains("Account disabled"));
    assert!(browser.text("#user-access").await.contains("disabled"));
    browser.screenshot("ops-user").await;

    // Her own page says what a change does to her.
    browser.goto("/admin/users?q=ada").await;
    let href = browser
        .execute(
            "return document.querySelector('#users tbody a').getAttribute('href');",
            serde_json::json!([]),
        )
        .await;
    browser.goto(href.as_str().expect("a link")).await;
    browser.click_button("Disable the account").await;
    assert!(browser.text("#notice").await.contains("last enabled admin"));
    browser.screenshot("ops-user-self-refused").await;

    // System: the check in words, and the backup section.
    browser.goto("/admin/system").await;
    browser.click_button("Run the check").await;
    assert!(
        browser
            .text("#check-summary")
            .await
            .starts_with("All clear")
    );
    browser.screenshot("ops-system").await;
    assert!(
        browser
            .current_path()
            .await
            .starts_with("/admin/system/check"),
        "a read-only GET"
    );
}
