//! `/admin/emails`: the delivery log with an email made dead for real (SMTP refusing, one
//! attempt allowed), filtered by status and by recipient, and retried through the page's
//! form until it arrives; a sent email's retry is refused with a message; bad filters get
//! a 422 page.

use super::jobs::strip_tags;
use super::{Console, PASSWORD};
use crate::helpers::SmtpSink;
use crate::notifications::{eventually, mail, notifications, spawn_with};

/// The `<tr>` of an email on the log.
fn email_row<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("data-email=\"{id}\""))
        .unwrap_or_else(|| panic!("email {id} is not listed:\n{html}"));
    let end = start + html[start..].find("</tr>").expect("row end");
    &html[start..end]
}

#[tokio::test]
async fn a_dead_email_is_filtered_and_retried_through_the_form() {
    let mut sink = SmtpSink::start().await;
    sink.stop();
    let app = spawn_with(&sink, |c| c.mail.max_attempts = 1).await;
    let mut console = Console::signed_in(&app, "ada", "admin").await;
    app.customer("cara").await;
    let token = app.login("ada@example.test", PASSWORD).await;
    let dead = eventually("cara's welcome email to die", || async {
        notifications(&app, &token, "recipient=cara@example.test&status=dead")
            .await
            .into_iter()
            .next()
    })
    .await;
    let id = dead["id"].as_str().expect("id").to_string();

    // Dead, with its error and a retry button.
    let log = console.get("/admin/emails?status=dead").await;
    log.assert_html(200);
    let row = email_row(&log.text, &id);
    assert!(row.contains("cara@example.test"), "{row}");
    assert!(row.contains("Welcome"), "the subject: {row}");
    assert!(row.contains(">dead<"), "{row}");
    assert!(row.contains("smtp"), "the last error: {row}");
    assert!(row.contains(&format!("action=\"/admin/emails/{id}/retry\"")));
    // By recipient: only hers (case does not matter).
    let hers = console.get("/admin/emails?to=CARA%40example.test").await;
    hers.assert_html(200);
    assert_eq!(hers.text.matches("data-email=").count(), 1, "{}", hers.text);
    assert!(email_row(&hers.text, &id).contains("cara@example.test"));
    let sent_only = console.get("/admin/emails?status=sent").await;
    assert_eq!(sent_only.text.matches("data-email=").count(), 0);

    // Bad filter input: a 422 page naming the field.
    let bad = console.get("/admin/emails?status=lost").await;
    bad.assert_html(422);
    assert!(bad.text.contains("<strong>status</strong>"), "{}", bad.text);

    // The retry, with the server back: queued, then delivered once.
    sink.restart().await;
    let csrf = console.csrf().await;
    let retry = format!("/admin/emails/{id}/retry");
    let answer = console.post_form(&retry, &[("csrf", &csrf)]).await;
    assert_eq!(answer.status.as_u16(), 303, "{}", answer.text);
    assert_eq!(
        answer.location(),
        format!("/admin/emails?to=cara%40example.test&retried={id}")
    );
    let shown = console.get(answer.location()).await;
    shown.assert_html(200);
    assert!(shown.text.contains("was queued again"), "{}", shown.text);
    eventually("the retried email to be sent", || async {
        let now = notifications(&app, &token, "recipient=cara@example.test").await;
        (now[0]["status"] == "sent").then_some(())
    })
    .await;
    mail(&sink, "cara@example.test", "Welcome").await;
    let after = console.get("/admin/emails?to=cara%40example.test").await;
    let row = strip_tags(email_row(&after.text, &id));
    assert!(row.contains("sent"), "{row}");
    assert!(
        !email_row(&after.text, &id).contains("/retry"),
        "no retry for a sent email"
    );

    // Sent is final: the retry is refused with a message, and nothing changes.
    let again = console.post_form(&retry, &[("csrf", &csrf)]).await;
    again.assert_html(409);
    assert!(again.text.contains("was not retried"), "{}", again.text);
    assert!(
        again.text.contains("it is not sent twice"),
        "{}",
        again.text
    );
    let now = notifications(&app, &token, "recipient=cara@example.test").await;
    assert_eq!(now[0]["status"], "sent");
    assert_eq!(sink.messages_to("cara@example.test").len(), 1);
    // An unknown email: 404.
    let missing = console
        .post_form("/admin/emails/ntf_nothing/retry", &[("csrf", &csrf)])
        .await;
    missing.assert_html(404);
    // Staff may not see or retry.
    let mut staff = Console::signed_in(&app, "sam", "staff").await;
    let staff_csrf = staff.csrf().await;
    staff.get("/admin/emails").await.assert_html(403);
    staff
        .post_form(&retry, &[("csrf", &staff_csrf)])
        .await
        .assert_html(403);
}
