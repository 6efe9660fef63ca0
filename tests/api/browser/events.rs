//! The events pages in a real browser: a seated event built with the seat-map builder and a
//! journey with stops created through the forms (checked through the API), and an event
//! cancelled from its page; screenshots of every events page at desktop and phone widths.

use super::Browser;
use crate::bookings::{bought, hold, status_of, text};
use crate::console::PASSWORD;
use crate::console::events::{KOLKATA, local, utc_of};
use crate::helpers::TestApp;
use serde_json::{Value, json};

/// Sets an input's value as a date picker would (typing into `datetime-local` depends on the
/// browser's locale).
async fn set_value(browser: &Browser, id: &str, value: &str) {
    let done = browser
        .execute(
            "const e = document.getElementById(arguments[0]); if (!e) return false; \
             e.value = arguments[1]; return e.value === arguments[1];",
            json!([id, value]),
        )
        .await;
    assert_eq!(done, json!(true), "{id} set to {value}");
}

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

/// The value of the input with this id.
async fn value_of(browser: &Browser, id: &str) -> String {
    browser
        .field(id)
        .await
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default()
}

/// The event the page shows (`/admin/events/{id}?…`).
async fn shown_event(browser: &Browser) -> String {
    let path = browser.current_path().await;
    path.trim_start_matches("/admin/events/")
        .split('?')
        .next()
        .unwrap_or_default()
        .to_string()
}

async fn api_event(app: &TestApp, id: &str) -> Value {
    let reply = app.get(&format!("/api/v1/events/{id}"), None).await;
    reply.assert_status(200);
    reply.body.clone()
}

#[tokio::test]
async fn creating_a_seated_event_and_a_travel_event_with_stops_through_the_forms() {
    let app = TestApp::spawn().await;
    app.account("ada", "admin").await;
    let browser = Browser::start(&app).await;
    browser.sign_in("ada@example.test", PASSWORD).await;
    browser.goto("/admin/events").await;
    browser.screenshot("events-list-empty").await;
    follow(&browser, "New event").await;
    assert_eq!(browser.current_path().await, "/admin/events/new");
    browser.screenshot("event-new-seated-empty").await;

    // A mistake first: no name. The page comes back with the message at the field.
    browser.fill("timezone", "Asia/Kolkata").await;
    browser.fill("venue_name", "Town Hall").await;
    set_value(&browser, "starts_at", &local(30, "19:30")).await;
    browser.fill("s0_name", "Stalls").await;
    browser.fill("s0_prefix", "S").await;
    browser.fill("s0_r0_seats", "10").await;
    browser
        .fill("s0_r0_singles", "1:accessible:wheelchair_space")
        .await;
    browser.fill("currency", "INR").await;
    browser.fill("p0_amount", "12.345").await;
    browser.click_button("Create event").await;
    assert!(
        browser
            .text("#name-error")
            .await
            .contains("Name is required")
    );
    assert!(
        browser
            .text("#p0_amount-error")
            .await
            .contains("at most 2 decimals")
    );
    assert_eq!(value_of(&browser, "venue_name").await, "Town Hall");
    browser.screenshot("event-new-errors").await;
    assert_eq!(
        app.get("/api/v1/events", None).await.body["items"],
        json!([])
    );

    // The builder: four more rows like A, then a second section.
    browser.fill("name", "Gala Night").await;
    browser.fill("p0_amount", "1299.00").await;
    browser.fill("s0_add", "4").await;
    browser.click_button("Add rows to section 1").await;
    assert_eq!(value_of(&browser, "s0_r4_row").await, "E");
    assert_eq!(value_of(&browser, "s0_r4_seats").await, "10");
    assert_eq!(value_of(&browser, "name").await, "Gala Night");
    // The price line for the accessible seats was offered.
    assert_eq!(value_of(&browser, "p1_category").await, "accessible");
    browser.click_button("Add a section").await;
    browser.fill("s1_name", "Circle").await;
    browser.fill("s1_prefix", "C").await;
    browser.fill("s1_r0_seats", "6").await;
    browser.fill("s1_r0_category", "premium").await;
    browser.fill("p1_amount", "500").await;
    browser.click_button("Add a price category").await;
    assert_eq!(value_of(&browser, "p2_category").await, "premium");
    browser.fill("p2_amount", "2500.50").await;
    browser.screenshot("event-new-seated-built").await;
    browser.click_button("Create event").await;
    assert!(browser.text("#notice").await.contains("created"));
    let seated = shown_event(&browser).await;
    browser.screenshot("event-detail-seated").await;

    let event = api_event(&app, &seated).await;
    assert_eq!(event["name"], "Gala Night");
    assert_eq!(event["starts_at"], utc_of(&local(30, "19:30"), KOLKATA));
    assert_eq!(event["availability"]["total"], 5 * 10 + 6);
    assert_eq!(event["prices"]["premium"]["amount_minor"], 250_050);
    let seats = app
        .get(&format!("/api/v1/events/{seated}/seats"), None)
        .await;
    let first = &seats.body["seats"][0];
    assert_eq!(first["label"], "SA-1");
    assert_eq!(first["flags"], json!(["wheelchair_space"]));

    // A journey with two stops.
    browser.goto("/admin/events/new").await;
    follow(&browser, "Journey (bus, train, flight)").await;
    browser.fill("name", "Shatabdi 12002").await;
    browser.select("category", "train").await;
    browser.fill("timezone", "Asia/Kolkata").await;
    browser.fill("origin", "New Delhi").await;
    browser.fill("destination", "Bhopal").await;
    set_value(&browser, "departs_at", &local(12, "06:00")).await;
    set_value(&browser, "arrives_at", &local(12, "14:25")).await;
    browser.fill("s0_name", "Coach C1").await;
    browser.fill("s0_r0_row", "1").await;
    browser.fill("s0_r0_seats", "4").await;
    browser.fill("s0_r0_singles", "1:window 4:window").await;
    browser.fill("currency", "INR").await;
    browser.fill("p0_amount", "1120").await;
    browser.click_button("Add a stop").await;
    browser.click_button("Add a stop").await;
    browser.fill("stop0_name", "Agra Cantt").await;
    set_value(&browser, "stop0_arrives", &local(12, "07:50")).await;
    set_value(&browser, "stop0_departs", &local(12, "07:55")).await;
    browser.fill("stop1_name", "Gwalior").await;
    set_value(&browser, "stop1_arrives", &local(12, "09:20")).await;
    browser.screenshot("event-new-travel").await;
    browser.click_button("Create event").await;
    assert!(browser.text("#notice").await.contains("created"));
    let train = shown_event(&browser).await;
    assert!(browser.text("#stops").await.contains("Gwalior"));
    browser.screenshot("event-detail-travel").await;

    let event = api_event(&app, &train).await;
    assert_eq!(event["category"], "train");
    let stops: Vec<_> = event["stops"]
        .as_array()
        .expect("stops")
        .iter()
        .map(|s| s["name"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(stops, ["New Delhi", "Agra Cantt", "Gwalior", "Bhopal"]);
    assert_eq!(
        event["stops"][1]["departs_at"],
        utc_of(&local(12, "07:55"), KOLKATA)
    );

    // General admission, for its form's picture.
    browser.goto("/admin/events/new?kind=ga").await;
    browser.screenshot("event-new-ga").await;

    browser.goto("/admin/events").await;
    assert_eq!(browser.all("tr[data-event]").await.len(), 2);
    browser.screenshot("events-list").await;
    browser.goto(&format!("/admin/events/{seated}/edit")).await;
    browser.screenshot("event-edit").await;
    browser
        .goto(&format!("/admin/events/{seated}/delete"))
        .await;
    browser.screenshot("event-delete").await;
}

#[tokio::test]
async fn cancelling_an_event_from_its_page() {
    let app = crate::bookings::spawn().await;
    let token = app.account("ada", "admin").await;
    let id = app.create_concert(&token, 2, 6).await;
    let cara = app.customer("cara").await;
    let dev = app.customer("dev").await;
    let paid = bought(&app, &cara, &id, &["A-1", "A-2", "A-3"]).await;
    hold(&app, &dev, &id, &["B-6"]).await;

    let browser = Browser::start(&app).await;
    browser.sign_in("ada@example.test", PASSWORD).await;
    browser.goto(&format!("/admin/events/{id}")).await;
    assert_eq!(browser.text("#sold").await, "3");
    assert_eq!(browser.text("#held").await, "1");
    follow(&browser, "Cancel event…").await;
    assert_eq!(
        browser.current_path().await,
        format!("/admin/events/{id}/cancel")
    );
    assert!(
        browser
            .text("#paid")
            .await
            .contains("1 paid booking (3 seats)")
    );
    assert!(browser.text("#held").await.contains("1 seat held"));
    browser.screenshot("event-cancel").await;
    browser.click_button("Cancel the event and refund").await;

    assert_eq!(
        browser.current_path().await,
        format!("/admin/events/{id}?cancelled=1")
    );
    assert!(browser.text("#notice").await.contains("cancelled"));
    assert_eq!(browser.text("#event-status").await, "Cancelled");
    browser.screenshot("event-detail-cancelled").await;
    let event = app.get(&format!("/api/v1/events/{id}"), None).await;
    assert_eq!(event.body["status"], "cancelled");
    assert_eq!(event.body["availability"]["held"], 0);
    assert_eq!(status_of(&app, &cara, &text(&paid, "id")).await, "refunded");
}
