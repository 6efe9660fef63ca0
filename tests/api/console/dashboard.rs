//! The dashboard's figures against what happened through the API: seats sold, held and free
//! per event, takings by method, check-ins, and the warnings that need a person.

use super::Console;
use crate::bookings::{bought, hold, text, tickets};
use crate::helpers::TestApp;
use rezerve::clock::Clock;
use serde_json::json;

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .expect("valid")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("formats")
}

/// The `<tr>` of an event on the dashboard.
fn row_of<'a>(html: &'a str, event: &str) -> &'a str {
    let start = html
        .find(&format!("data-event=\"{event}\""))
        .unwrap_or_else(|| panic!("{event} not on the dashboard"));
    let end = start + html[start..].find("</tr>").expect("row end");
    &html[start..end]
}

fn cells(row: &str) -> Vec<String> {
    row.split("<td class=\"num\">")
        .skip(1)
        .map(|c| c.split('<').next().unwrap_or("").trim().to_string())
        .collect()
}

#[tokio::test]
async fn figures_follow_sales_holds_and_check_ins() {
    let app = crate::bookings::spawn().await;
    let admin = app.admin().await;
    let staff = app.account("door", "staff").await;
    let alice = app.customer("alice").await;
    let now = app.clock.now();
    // A show an hour from now and one next month.
    let soon = app
        .post(
            "/api/v1/events",
            Some(&admin),
            json!({"name": "Matinee", "category": "concert", "starts_at": rfc3339(now + time::Duration::hours(1)),
                   "venue": {"name": "Town Hall"},
                   "seat_map": {"sections": [{"name": "Stalls", "rows": [{"row": "A", "seats": 10}]}]},
                   "prices": {"standard": {"amount_minor": 50000, "currency": "INR"}}}),
        )
        .await;
    soon.assert_status(201);
    let soon = text(&soon.body, "id");
    let later = app.create_concert(&admin, 2, 5).await;

    let booking = bought(&app, &alice, &soon, &["A-1", "A-2", "A-3"]).await;
    hold(&app, &alice, &soon, &["A-9"]).await;
    let ticket = tickets(&app, &alice, &text(&booking, "id")).await[0]["code"]
        .as_str()
        .expect("code")
        .to_string();
    app.post(
        "/api/v1/checkins",
        Some(&staff),
        json!({"code": ticket, "event_id": soon}),
    )
    .await
    .assert_status(200);

    let console = Console::signed_in(&app, "sam", "staff").await;
    let page = console.get("/admin/").await;
    page.assert_html(200);
    let today_expected = (now + time::Duration::hours(1)).date() == now.date();
    // From an hour before midnight UTC the matinee is tomorrow's, and the page has no
    // today section at all: an absent section contains nothing.
    let section = |id: &str| {
        page.text
            .find(&format!("id=\"{id}\""))
            .map(|start| page.text[start..].to_string())
            .unwrap_or_default()
    };
    let soon_row = row_of(&page.text, &soon);
    assert_eq!(
        cells(soon_row)[..3],
        ["3", "1", "6"],
        "sold, held, free: {soon_row}"
    );
    assert!(soon_row.contains("40%"), "fill: {soon_row}");
    assert_eq!(
        section("events-today").contains(&soon),
        today_expected,
        "the matinee is today's"
    );
    let later_row = row_of(&page.text, &later);
    assert_eq!(cells(later_row)[..3], ["0", "0", "10"]);
    assert!(section("events-upcoming").contains(&later));

    assert!(
        page.text
            .contains("<td>test</td><td class=\"num\">1</td><td class=\"num\">INR 1,500.00</td>"),
        "takings: {}",
        section("takings")
    );
    assert!(
        page.text
            .contains("<div class=\"value\" id=\"checkins\">1</div>")
    );
    assert!(!page.text.contains("id=\"warnings\""), "no warnings yet");
}

#[tokio::test]
async fn warnings_name_dead_jobs_and_undelivered_email() {
    let app = TestApp::spawn().await;
    let console = Console::signed_in(&app, "sam", "staff").await;
    let db = rusqlite::Connection::open(app.data_dir.path().join("rezerve.db")).expect("db");
    db.busy_timeout(std::time::Duration::from_secs(5))
        .expect("timeout");
    db.execute_batch(
        "INSERT INTO jobs (kind, status, run_at, attempts, max_attempts, last_error, created_at, updated_at)
         VALUES ('noop', 'dead', 0, 3, 3, 'boom', 0, 0);
         INSERT INTO job_payloads (id, payload, cause) VALUES (last_insert_rowid(), '{}', 'test:1');
         INSERT INTO notifications (id, kind, recipient, subject, status, attempts, cause, dedupe_key, message, created_at, updated_at)
         VALUES ('ntf_1', 'test', 'a@example.test', 'Hi', 'dead', 8, 'test:1', 'k1', x'00', 0, 0),
                ('ntf_2', 'test', 'b@example.test', 'Hi', 'failed', 2, 'test:2', 'k2', x'00', 0, 0);",
    )
    .expect("rows");
    let page = console.get("/admin/").await;
    let start = page.text.find("id=\"warnings\"").expect("warnings shown");
    let warnings = &page.text[start..start + page.text[start..].find("</ul>").expect("end")];
    assert!(
        warnings.contains("1 background job(s) ran out of attempts"),
        "{warnings}"
    );
    assert!(
        warnings.contains("1 email(s) could not be delivered"),
        "{warnings}"
    );
    assert!(warnings.contains("1 email(s) are failing"), "{warnings}");
}
