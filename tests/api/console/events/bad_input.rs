//! Bad input on the event forms: a 422 page with the message at the field (and in the list at
//! the top), everything typed kept, and nothing written.

use super::{Form, admin, api_event, event_count, field_error, input_value, local};
use crate::helpers::TestApp;
use serde_json::json;

/// A valid one-section concert, to spoil one field at a time.
fn concert(csrf: &str) -> Form {
    Form::new_event(csrf, "seated")
        .set("name", "Evening Raga")
        .set("category", "concert")
        .set("venue_name", "Town Hall")
        .set("starts_at", local(30, "18:30"))
        .set("s0_name", "Stalls")
        .set("s0_r0_row", "A")
        .set("s0_r0_seats", "10")
        .set("s0_r0_category", "standard")
        .set("currency", "INR")
        .set("p0_category", "standard")
        .set("p0_amount", "900.00")
        .set("action", "create")
}

fn journey(csrf: &str) -> Form {
    Form::new_event(csrf, "travel")
        .set("name", "Night Coach")
        .set("category", "bus")
        .set("origin", "Pune")
        .set("destination", "Goa")
        .set("departs_at", local(20, "22:00"))
        .set("arrives_at", local(21, "06:00"))
        .set("s0_name", "Coach")
        .set("s0_r0_row", "1")
        .set("s0_r0_seats", "4")
        .set("currency", "INR")
        .set("p0_category", "standard")
        .set("p0_amount", "700")
        .set("action", "create")
}

#[tokio::test]
async fn each_bad_input_is_shown_at_its_field_and_nothing_is_created() {
    let app = TestApp::spawn().await;
    let (mut console, _) = admin(&app).await;
    let csrf = console.csrf().await;
    // The valid forms pass (checked at the end, so the spoiled ones run on an empty catalog).
    let long = "x".repeat(201);
    let essay = "y".repeat(5_001);
    let cases: Vec<(&str, Form, &str, &str)> = vec![
        (
            "empty name",
            concert(&csrf).set("name", "  "),
            "name",
            "Name is required",
        ),
        (
            "too long a name",
            concert(&csrf).set("name", &long),
            "name",
            "at most 200 characters",
        ),
        (
            "too long a description",
            concert(&csrf).set("description", &essay),
            "description",
            "at most 5000 characters",
        ),
        (
            "three decimals",
            concert(&csrf).set("p0_amount", "12.345"),
            "p0_amount",
            "at most 2 decimals",
        ),
        (
            "letters for a price",
            concert(&csrf).set("p0_amount", "abc"),
            "p0_amount",
            "must be an amount",
        ),
        (
            "a negative price",
            concert(&csrf).set("p0_amount", "-5"),
            "p0_amount",
            "must be an amount",
        ),
        (
            "unknown time zone",
            concert(&csrf).set("timezone", "Mars/Olympus_Mons"),
            "timezone",
            "is not a time zone",
        ),
        (
            "no time",
            concert(&csrf).set("starts_at", "soon"),
            "starts_at",
            "must be a date and time",
        ),
        (
            "in the past",
            concert(&csrf).set("starts_at", local(-3, "18:30")),
            "starts_at",
            "must be in the future",
        ),
        (
            "no currency",
            concert(&csrf).set("currency", ""),
            "currency",
            "Currency is required",
        ),
        (
            "seats not a number",
            concert(&csrf).set("s0_r0_seats", "ten"),
            "s0_r0_seats",
            "whole number of seats",
        ),
        (
            "a zero row",
            concert(&csrf).set("s0_r0_seats", "0"),
            "s0_r0_seats",
            "at least one seat",
        ),
        (
            "a bad row name",
            concert(&csrf).set("s0_r0_row", "A B"),
            "s0_r0_row",
            "letters, digits",
        ),
        (
            "a bad category",
            concert(&csrf).set("s0_r0_category", "Gold Seats"),
            "s0_r0_category",
            "lower-case",
        ),
        (
            "a single seat past the row",
            concert(&csrf).set("s0_r0_singles", "11:aisle"),
            "s0_r0_singles",
            "beyond the row",
        ),
        (
            "an unpriced category",
            concert(&csrf).set("s0_r0_singles", "1:vip"),
            "p1_amount",
            "Price is required",
        ),
        (
            "arrival before departure",
            journey(&csrf).set("arrives_at", local(20, "21:00")),
            "arrives_at",
            "must be after the departure",
        ),
        (
            "a stop out of order",
            journey(&csrf)
                .set("stop0_name", "Satara")
                .set("stop0_arrives", local(20, "21:30")),
            "stop0_arrives",
            "must be after the departure",
        ),
        (
            "a stop without a time",
            journey(&csrf).set("stop0_name", "Satara"),
            "stop0_arrives",
            "Arrival is required",
        ),
        (
            "no origin",
            journey(&csrf).set("origin", ""),
            "origin",
            "From is required",
        ),
    ];
    for (what, form, field, message) in cases {
        let page = console.post_form("/admin/events/new", &form.pairs()).await;
        page.assert_html(422);
        let shown = field_error(&page, field)
            .unwrap_or_else(|| panic!("{what}: no message at {field}: {}", page.text));
        assert!(shown.contains(message), "{what}: {shown}");
        assert!(
            page.text.contains(&format!("href=\"#{field}\"")),
            "{what}: listed at the top"
        );
        assert!(page.text.contains("Nothing was created."), "{what}");
        assert!(
            page.text
                .contains(&format!("aria-describedby=\"{field}-error\""))
                || page.text.contains(&format!(" {field}-error\"")),
            "{what}: the input points at its message"
        );
        assert_eq!(event_count(&app).await, 0, "{what}: nothing written");
    }

    // What was typed comes back, bad values included.
    let page = console
        .post_form(
            "/admin/events/new",
            &concert(&csrf).set("p0_amount", "12.345").pairs(),
        )
        .await;
    assert_eq!(input_value(&page, "p0_amount").as_deref(), Some("12.345"));
    assert_eq!(
        input_value(&page, "venue_name").as_deref(),
        Some("Town Hall")
    );

    // Several problems at once are all shown.
    let page = console
        .post_form(
            "/admin/events/new",
            &concert(&csrf)
                .set("name", "")
                .set("p0_amount", "abc")
                .set("timezone", "Nowhere/Land")
                .pairs(),
        )
        .await;
    page.assert_html(422);
    for field in ["name", "p0_amount", "timezone"] {
        assert!(field_error(&page, field).is_some(), "{field}");
    }

    // Two sections that both have a row A, without prefixes: the labels repeat.
    let twins = concert(&csrf)
        .set("s1_name", "Circle")
        .set("s1_r0_row", "A")
        .set("s1_r0_seats", "4")
        .set("s1_r0_category", "standard");
    let page = console.post_form("/admin/events/new", &twins.pairs()).await;
    page.assert_html(422);
    assert!(page.text.contains("id=\"seat_map\""));
    assert!(page.text.contains("repeated: A-1"), "{}", page.text);
    assert!(page.text.contains("different label prefixes"));
    assert_eq!(event_count(&app).await, 0);

    // Junk in the structure itself is ignored or refused, never a 500.
    for junk in [
        vec![
            ("csrf", csrf.as_str()),
            ("kind", "nonsense"),
            ("action", "remove_row:99:99"),
        ],
        vec![
            ("csrf", csrf.as_str()),
            ("s99999999999_r0_row", "A"),
            ("action", "create"),
        ],
        vec![("csrf", csrf.as_str()), ("action", "add_rows:abc")],
    ] {
        let page = console.post_form("/admin/events/new", &junk).await;
        assert!(
            page.status.as_u16() == 200 || page.status.as_u16() == 422,
            "{junk:?}: {}",
            page.status
        );
    }
    assert_eq!(event_count(&app).await, 0);

    // The unspoiled forms do create.
    for form in [concert(&csrf), journey(&csrf)] {
        let page = console.post_form("/admin/events/new", &form.pairs()).await;
        assert_eq!(page.status.as_u16(), 303, "{}", page.text);
    }
    assert_eq!(event_count(&app).await, 2);
}

#[tokio::test]
async fn bad_edits_are_shown_at_their_field_and_change_nothing() {
    let app = TestApp::spawn().await;
    let (mut console, token) = admin(&app).await;
    let customer = app.customer("cara").await;
    let reply = app
        .post(
            "/api/v1/events",
            Some(&token),
            json!({"name": "Open Air", "category": "concert", "starts_at": crate::helpers::days_from_now(9),
                   "venue": {"name": "Park"}, "capacity": {"standard": 10},
                   "prices": {"standard": {"amount_minor": 2500, "currency": "EUR"}}}),
        )
        .await;
    reply.assert_status(201);
    let id = reply.body["id"].as_str().expect("id").to_string();
    app.post(
        &format!("/api/v1/events/{id}/holds"),
        Some(&customer),
        json!({"quantity": 3, "category": "standard"}),
    )
    .await
    .assert_status(201);
    let before = api_event(&app, &id).await;

    let page = console.get(&format!("/admin/events/{id}/edit")).await;
    page.assert_html(200);
    assert_eq!(input_value(&page, "name").as_deref(), Some("Open Air"));
    assert_eq!(
        input_value(&page, "price_standard").as_deref(),
        Some("25.00")
    );
    assert_eq!(
        input_value(&page, "capacity_standard").as_deref(),
        Some("10")
    );
    let csrf = page.csrf().expect("token");
    let valid = Form::default()
        .set("csrf", &csrf)
        .set("name", "Open Air")
        .set("description", "")
        .set("timezone", "UTC")
        .set("first", input_value(&page, "first").unwrap_or_default())
        .set("last", "")
        .set("price_standard", "25.00")
        .set("capacity_standard", "10");
    for (what, form, field, message) in [
        (
            "empty name",
            valid.clone().set("name", ""),
            "name",
            "Name is required",
        ),
        (
            "three decimals",
            valid.clone().set("price_standard", "1.005"),
            "price_standard",
            "at most 2 decimals",
        ),
        (
            "letters",
            valid.clone().set("price_standard", "abc"),
            "price_standard",
            "must be an amount",
        ),
        (
            "below what is held",
            valid.clone().set("capacity_standard", "2"),
            "capacity_standard",
            "cannot drop below the 3 places already held or sold",
        ),
        (
            "unknown zone",
            valid.clone().set("timezone", "Atlantis/Central"),
            "timezone",
            "is not a time zone",
        ),
        (
            "end before start",
            valid.clone().set("last", local(8, "10:00")),
            "last",
            "must be after",
        ),
        (
            "too long",
            valid.clone().set("description", "z".repeat(5_001)),
            "description",
            "at most 5000",
        ),
    ] {
        let page = console
            .post_form(&format!("/admin/events/{id}/edit"), &form.pairs())
            .await;
        page.assert_html(422);
        let shown = field_error(&page, field)
            .unwrap_or_else(|| panic!("{what}: no message at {field}: {}", page.text));
        assert!(shown.contains(message), "{what}: {shown}");
        assert!(page.text.contains("Nothing was changed."), "{what}");
        let after = api_event(&app, &id).await;
        for key in [
            "name",
            "description",
            "timezone",
            "starts_at",
            "ends_at",
            "categories",
        ] {
            assert_eq!(after[key], before[key], "{what}: {key} unchanged");
        }
    }
}
