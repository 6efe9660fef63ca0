//! The event list: search by text, category, status and dates, paged on the server.

use super::admin;
use crate::console::{Console, Page};
use crate::helpers::{TestApp, days_from_now, hours_from_now};
use serde_json::json;

/// The event ids a list page shows, in order.
fn listed(page: &Page) -> Vec<String> {
    page.text
        .split("data-event=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_string)
        .collect()
}

async fn create(app: &TestApp, token: &str, body: serde_json::Value) -> String {
    let reply = app.post("/api/v1/events", Some(token), body).await;
    reply.assert_status(201);
    reply.body["id"].as_str().expect("id").to_string()
}

fn concert(name: &str, venue: &str, days: i64) -> serde_json::Value {
    json!({"name": name, "category": "concert", "starts_at": days_from_now(days),
           "venue": {"name": venue}, "timezone": "Europe/Berlin",
           "seat_map": {"sections": [{"name": "Hall", "rows": [{"row": "A", "seats": 4}]}]},
           "prices": {"standard": {"amount_minor": 1000, "currency": "EUR"}}})
}

#[tokio::test]
async fn the_list_searches_filters_and_pages() {
    let app = TestApp::spawn().await;
    let (console, token) = admin(&app).await;
    let raga = create(&app, &token, concert("Evening Raga", "Town Hall", 10)).await;
    let jazz = create(&app, &token, concert("Jazz Brunch", "Blue Room", 20)).await;
    let bus = create(
        &app,
        &token,
        json!({"name": "Night Coach", "category": "bus", "origin": "Pune", "destination": "Goa",
               "departs_at": hours_from_now(360), "arrives_at": hours_from_now(370),
               "stops": [{"name": "Kolhapur", "arrives_at": hours_from_now(363),
                          "departs_at": hours_from_now(364)}],
               "seat_map": {"sections": [{"name": "Coach", "rows": [{"row": "1", "seats": 4}]}]},
               "prices": {"standard": {"amount_minor": 700, "currency": "INR"}}}),
    )
    .await;
    let staff = Console::signed_in(&app, "sam", "staff").await;
    drop(console);

    let all = staff.get("/admin/events").await;
    all.assert_html(200);
    assert_eq!(listed(&all), [raga.clone(), bus.clone(), jazz.clone()]);
    assert!(all.text.contains("aria-current=\"page\">Events"));
    // When, in the event's own zone, labelled; where; counts with a fill bar.
    assert!(all.text.contains("Europe/Berlin"));
    assert!(all.text.contains("Town Hall"));
    assert!(all.text.contains("Pune → Goa (via 1)"));
    assert!(all.text.contains("class=\"fill\""));

    for (query, expected) in [
        ("q=raga", vec![raga.clone()]),
        ("q=blue+room", vec![jazz.clone()]),
        ("q=kolhapur", vec![bus.clone()]),
        ("category=bus", vec![bus.clone()]),
        ("category=concert&q=jazz", vec![jazz.clone()]),
        (
            &format!("from={}", &days_from_now(18)[..10]),
            vec![jazz.clone()],
        ),
        (
            &format!("to={}", &days_from_now(12)[..10]),
            vec![raga.clone()],
        ),
        ("status=cancelled", vec![]),
    ] {
        let page = staff.get(&format!("/admin/events?{query}")).await;
        page.assert_html(200);
        assert_eq!(listed(&page), expected, "{query}");
    }
    // The form shows the search back.
    let page = staff.get("/admin/events?q=raga&category=concert").await;
    assert!(page.text.contains("value=\"raga\""));
    assert!(page.text.contains("<option value=\"concert\" selected>"));

    // A cancelled event is found by status, and marked as such.
    app.post(
        &format!("/api/v1/events/{jazz}/cancel"),
        Some(&token),
        json!({}),
    )
    .await
    .assert_status(200);
    let page = staff.get("/admin/events?status=cancelled").await;
    assert_eq!(listed(&page), std::slice::from_ref(&jazz));
    assert!(
        page.text
            .contains("<span class=\"tag bad\">cancelled</span>")
    );
    let page = staff.get("/admin/events?status=scheduled").await;
    assert_eq!(listed(&page), [raga.clone(), bus.clone()]);

    // Junk filters are said and ignored, never an error page.
    for junk in [
        "from=yesterday",
        "to=2027-13-45",
        "category=spaceship",
        "cursor=%%%",
        "status=maybe",
    ] {
        let page = staff.get(&format!("/admin/events?{junk}")).await;
        page.assert_html(200);
        assert_eq!(listed(&page).len(), 3, "{junk}");
    }
    assert!(
        staff
            .get("/admin/events?from=yesterday")
            .await
            .text
            .contains("From must be a date")
    );
}

#[tokio::test]
async fn the_list_pages_on_the_server() {
    let app = TestApp::spawn().await;
    let (console, token) = admin(&app).await;
    let mut ids = Vec::new();
    for i in 0..27 {
        ids.push(
            create(
                &app,
                &token,
                concert(&format!("Show {i:02}"), "Hall", 10 + i),
            )
            .await,
        );
    }
    let first = console.get("/admin/events?q=show").await;
    assert_eq!(listed(&first), ids[..25].to_vec());
    let marker = "id=\"next-page\"";
    assert!(first.text.contains(marker));
    let href = first
        .text
        .split("href=\"/admin/events?")
        .filter(|part| part.contains(marker))
        .filter_map(|part| part.split('"').next())
        .next()
        .expect("a next link")
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    assert!(href.contains("q=show"), "the search is kept: {href}");
    let second = console.get(&format!("/admin/events?{href}")).await;
    assert_eq!(listed(&second), ids[25..].to_vec());
    assert!(!second.text.contains(marker));
    assert!(second.text.contains("← First page"));
}
