//! Editing, cancelling and deleting events through the console, checked through the API; and
//! what staff (not admins) may and may not do.

use super::{Form, admin, api_event, input_value, local};
use crate::bookings::{bought, hold, status_of, text, total};
use crate::console::Console;
use crate::helpers::TestApp;

#[tokio::test]
async fn an_edit_saves_what_changed_in_the_event_zone() {
    let app = TestApp::spawn().await;
    let (mut console, token) = admin(&app).await;
    let id = app.create_concert(&token, 2, 5).await;
    let page = console.get(&format!("/admin/events/{id}/edit")).await;
    page.assert_html(200);
    let csrf = page.csrf().expect("token");
    let starts = local(40, "20:15");
    let form = Form::default()
        .set("csrf", &csrf)
        .set("name", "Evening Raga, second night")
        .set("description", "Now with tabla.")
        .set("timezone", "Asia/Kolkata")
        .set("first", &starts)
        .set("last", "")
        .set("price_standard", "1,000.50");
    let page = console
        .post_form(&format!("/admin/events/{id}/edit"), &form.pairs())
        .await;
    assert_eq!(page.status.as_u16(), 303, "{}", page.text);
    assert_eq!(page.location(), format!("/admin/events/{id}?updated=1"));
    let event = api_event(&app, &id).await;
    assert_eq!(event["name"], "Evening Raga, second night");
    assert_eq!(event["description"], "Now with tabla.");
    assert_eq!(event["timezone"], "Asia/Kolkata");
    assert_eq!(event["starts_at"], super::utc_of(&starts, super::KOLKATA));
    assert_eq!(
        event["categories"][0]["base_price"]["amount_minor"],
        100_050
    );
    let shown = console.get(page.location()).await;
    assert!(shown.text.contains("Your changes were saved."));
    // The form shows the event's local times back.
    let page = console.get(&format!("/admin/events/{id}/edit")).await;
    assert_eq!(
        input_value(&page, "first").as_deref(),
        Some(starts.as_str())
    );
}

#[tokio::test]
async fn cancelling_from_the_event_page_refunds_and_releases() {
    let app = crate::bookings::spawn().await;
    let (mut console, token) = admin(&app).await;
    let id = app.create_concert(&token, 2, 5).await;
    let cara = app.customer("cara").await;
    let dev = app.customer("dev").await;
    let paid = bought(&app, &cara, &id, &["A-1", "A-2"]).await;
    let _cart = hold(&app, &dev, &id, &["B-1"]).await;

    let detail = console.get(&format!("/admin/events/{id}")).await;
    assert!(
        detail
            .text
            .contains(&format!("href=\"/admin/events/{id}/cancel\""))
    );
    let page = console.get(&format!("/admin/events/{id}/cancel")).await;
    page.assert_html(200);
    let paid_line = between(&page.text, "id=\"paid\"", "</li>");
    assert!(
        paid_line.contains("<strong>1</strong> paid booking (2 seats)"),
        "{paid_line}"
    );
    assert!(
        paid_line.contains(&format!("INR {}", grouped(total(&paid)))),
        "{paid_line}"
    );
    assert!(between(&page.text, "id=\"held\"", "</li>").contains("<strong>1</strong> seat held"));
    assert!(between(&page.text, "id=\"unpaid\"", "</li>").contains("<strong>0</strong>"));
    // Looking changed nothing.
    assert_eq!(api_event(&app, &id).await["status"], "scheduled");

    let csrf = page.csrf().expect("token");
    let done = console
        .post_form(&format!("/admin/events/{id}/cancel"), &[("csrf", &csrf)])
        .await;
    assert_eq!(done.status.as_u16(), 303, "{}", done.text);
    assert_eq!(done.location(), format!("/admin/events/{id}?cancelled=1"));
    let event = api_event(&app, &id).await;
    assert_eq!(event["status"], "cancelled");
    assert_eq!(event["availability"]["held"], 0);
    assert_eq!(event["availability"]["sold"], 0);
    assert_eq!(status_of(&app, &cara, &text(&paid, "id")).await, "refunded");

    let shown = console.get(done.location()).await;
    assert!(
        shown
            .text
            .contains("The event was cancelled: its one booking was cancelled")
    );
    assert!(shown.text.contains("id=\"event-status\">Cancelled"));
    assert!(!shown.text.contains("id=\"edit-link\""));
    assert!(!shown.text.contains("id=\"cancel-link\""));
    // Again: it says so, and a second POST (a double click, a retry after a lost answer)
    // finishes whatever is left and shows the same outcome.
    let again = console.get(&format!("/admin/events/{id}/cancel")).await;
    assert!(again.text.contains("cancelled already"));
    let twice = console
        .post_form(&format!("/admin/events/{id}/cancel"), &[("csrf", &csrf)])
        .await;
    assert_eq!(twice.location(), format!("/admin/events/{id}?cancelled=1"));
    // A cancelled event cannot be edited.
    let edit = console.get(&format!("/admin/events/{id}/edit")).await;
    edit.assert_html(409);
    // Nor deleted: its refunded bookings stay on record, and the page says why.
    let delete = console
        .post_form(&format!("/admin/events/{id}/delete"), &[("csrf", &csrf)])
        .await;
    delete.assert_html(409);
    assert!(delete.text.contains("id=\"refused\""), "{}", delete.text);
    assert!(
        delete.text.contains("bookings on record"),
        "{}",
        delete.text
    );
    app.delete(&format!("/api/v1/events/{id}"), Some(&token))
        .await
        .assert_problem(409, "event_has_bookings");
    assert_eq!(api_event(&app, &id).await["status"], "cancelled");
}

#[tokio::test]
async fn delete_works_while_nothing_is_held_and_is_refused_after() {
    let app = TestApp::spawn().await;
    let (mut console, token) = admin(&app).await;
    let empty = app.create_concert(&token, 1, 4).await;
    let busy = app.create_concert(&token, 1, 4).await;
    let cara = app.customer("cara").await;
    hold(&app, &cara, &busy, &["A-1"]).await;

    let page = console.get(&format!("/admin/events/{empty}/delete")).await;
    page.assert_html(200);
    let csrf = page.csrf().expect("token");
    let done = console
        .post_form(&format!("/admin/events/{empty}/delete"), &[("csrf", &csrf)])
        .await;
    assert_eq!(done.status.as_u16(), 303, "{}", done.text);
    assert_eq!(done.location(), "/admin/events?deleted=1");
    app.get(&format!("/api/v1/events/{empty}"), None)
        .await
        .assert_status(404);
    let list = console.get(done.location()).await;
    assert!(list.text.contains("The event was deleted."));

    // With a seat held, the page says so and offers cancelling; a POST is refused with the
    // catalog's message.
    let page = console.get(&format!("/admin/events/{busy}/delete")).await;
    page.assert_html(200);
    assert!(page.text.contains("id=\"busy\""));
    assert!(!page.text.contains("id=\"confirm-delete\""));
    let refused = console
        .post_form(&format!("/admin/events/{busy}/delete"), &[("csrf", &csrf)])
        .await;
    refused.assert_html(409);
    assert!(
        refused
            .text
            .contains("held or sold; cancel the event instead"),
        "{}",
        refused.text
    );
    assert_eq!(api_event(&app, &busy).await["status"], "scheduled");
    assert_eq!(api_event(&app, &busy).await["availability"]["held"], 1);
}

#[tokio::test]
async fn staff_see_events_but_change_nothing() {
    let app = TestApp::spawn().await;
    let (admin_console, token) = admin(&app).await;
    let id = app.create_concert(&token, 1, 4).await;
    let mut staff = Console::signed_in(&app, "sam", "staff").await;

    let list = staff.get("/admin/events").await;
    list.assert_html(200);
    assert!(list.text.contains(&format!("href=\"/admin/events/{id}\"")));
    assert!(!list.text.contains("id=\"new-event\""));
    assert!(
        admin_console
            .get("/admin/events")
            .await
            .text
            .contains("id=\"new-event\"")
    );
    let detail = staff.get(&format!("/admin/events/{id}")).await;
    detail.assert_html(200);
    assert!(detail.text.contains("id=\"seat-map-link\""));
    // The prices page is admin-only: staff get no link to a 403.
    assert_eq!(
        staff
            .get(&format!("/admin/events/{id}/prices"))
            .await
            .status
            .as_u16(),
        403
    );
    for control in ["prices-link", "edit-link", "cancel-link", "delete-link"] {
        assert!(
            !detail.text.contains(control),
            "{control} hidden from staff"
        );
    }
    let admin_detail = admin_console.get(&format!("/admin/events/{id}")).await;
    for control in ["prices-link", "edit-link", "cancel-link", "delete-link"] {
        assert!(
            admin_detail.text.contains(control),
            "{control} shown to admins"
        );
    }

    let csrf = staff.csrf().await;
    let new = Form::new_event(&csrf, "ga")
        .set("name", "Sneaky")
        .set("venue_name", "Back room")
        .set("starts_at", local(3, "20:00"))
        .set("currency", "EUR")
        .set("p0_category", "standard")
        .set("p0_amount", "1")
        .set("p0_capacity", "5")
        .set("action", "create");
    for (path, form) in [
        ("/admin/events/new".to_string(), new.pairs()),
        (
            format!("/admin/events/{id}/edit"),
            vec![("csrf", csrf.as_str()), ("name", "Renamed")],
        ),
        (
            format!("/admin/events/{id}/cancel"),
            vec![("csrf", csrf.as_str())],
        ),
        (
            format!("/admin/events/{id}/delete"),
            vec![("csrf", csrf.as_str())],
        ),
    ] {
        let page = staff.post_form(&path, &form).await;
        page.assert_html(403);
        assert_eq!(page.error_code().as_deref(), Some("forbidden"), "{path}");
    }
    let event = api_event(&app, &id).await;
    assert_eq!(event["name"], "Evening Raga");
    assert_eq!(event["status"], "scheduled");
    assert_eq!(super::event_count(&app).await, 1);
}

/// The text from `start` to the next `end`.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap_or_else(|| panic!("no {start}"));
    let to = text[from..]
        .find(end)
        .map(|i| from + i)
        .unwrap_or(text.len());
    &text[from..to]
}

/// Minor units as the pages group them: 180000 → "1,800.00".
fn grouped(minor: i64) -> String {
    let page = rezerve::http::admin::dashboard::money(minor, "X");
    page.trim_start_matches("X ").to_string()
}
