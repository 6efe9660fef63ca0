//! Bad input on create: each case is a 4xx problem naming the offending field, and nothing
//! is written (the event list is the same afterwards).

use super::{all_event_ids, at, bus, concert, flight, general_admission, inr, simple_map};
use crate::helpers::{Reply, TestApp};
use serde_json::{Value, json};

/// An app with an admin and one event, so "nothing written" compares a non-empty list.
async fn app_with_one_event() -> (TestApp, String, Vec<String>) {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    super::create(&app, &admin, concert("Already There", "Town Hall", 10)).await;
    let before = all_event_ids(&app).await;
    assert_eq!(before.len(), 1);
    (app, admin, before)
}

/// Posts `body`, asserting 422 `validation_failed` with `field` among the errors.
async fn rejected(app: &TestApp, admin: &str, case: &str, body: Value, field: &str) -> Reply {
    let reply = app.post("/api/v1/events", Some(admin), body).await;
    assert_eq!(reply.status.as_u16(), 422, "{case}: {}", reply.text);
    reply.assert_problem(422, "validation_failed");
    let fields = reply.error_fields();
    assert!(
        fields.iter().any(|f| f == field),
        "{case}: expected field {field}, got {fields:?}: {}",
        reply.text
    );
    reply
}

/// The message a validation problem gives for `field`.
fn message_for(reply: &Reply, field: &str) -> String {
    reply.body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .find(|e| e["field"] == field)
        .and_then(|e| e["message"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// A concert whose only seat map row is `row`.
fn concert_with_row(row: Value) -> Value {
    let mut body = concert("Evening Raga", "Town Hall", 30);
    body["seat_map"] = json!({"sections": [{"name": "Stalls", "rows": [row]}]});
    body
}

#[tokio::test]
async fn names_and_categories_are_checked() {
    let (app, admin, before) = app_with_one_event().await;
    let mut body = concert("  ", "Town Hall", 30);
    rejected(&app, &admin, "blank name", body.clone(), "name").await;
    body["name"] = json!("Evening Raga");
    body["venue"] = json!({"name": ""});
    rejected(&app, &admin, "blank venue name", body, "venue.name").await;

    let mut body = concert("Evening Raga", "Town Hall", 30);
    body.as_object_mut().expect("object").remove("name");
    rejected(&app, &admin, "missing name", body, "name").await;

    let mut body = concert("Evening Raga", "Town Hall", 30);
    body["category"] = json!("opera");
    let reply = rejected(&app, &admin, "unknown category", body, "category").await;
    assert!(
        message_for(&reply, "category").contains("opera"),
        "{}",
        reply.text
    );

    let mut body = concert("Evening Raga", "Town Hall", 30);
    body["name"] = json!(42);
    rejected(&app, &admin, "mistyped name", body, "name").await;
    assert_eq!(all_event_ids(&app).await, before);
}

#[tokio::test]
async fn prices_are_money_in_one_currency_for_exactly_the_categories_used() {
    let (app, admin, before) = app_with_one_event().await;
    let with_prices = |prices: Value| {
        let mut body = concert("Evening Raga", "Town Hall", 30);
        body["prices"] = prices;
        body
    };
    let amount = "prices.standard.amount_minor";
    for (case, prices, field) in [
        (
            "negative price",
            json!({"standard": {"amount_minor": -1, "currency": "INR"}}),
            amount,
        ),
        (
            "huge price",
            json!({"standard": {"amount_minor": 1_000_000_000_000_000_i64, "currency": "INR"}}),
            amount,
        ),
        (
            "float price 1e15",
            json!({"standard": {"amount_minor": 1e15, "currency": "INR"}}),
            amount,
        ),
        (
            "fractional price",
            json!({"standard": {"amount_minor": 99.5, "currency": "INR"}}),
            amount,
        ),
        (
            "price as a string",
            json!({"standard": {"amount_minor": "900", "currency": "INR"}}),
            amount,
        ),
        (
            "non-ISO currency",
            json!({"standard": {"amount_minor": 900, "currency": "rupees"}}),
            "prices.standard.currency",
        ),
        (
            "lower-case currency",
            json!({"standard": {"amount_minor": 900, "currency": "inr"}}),
            "prices.standard.currency",
        ),
        (
            "price for a category no seat uses",
            json!({"standard": inr(900), "vip": inr(5000)}),
            "prices.vip",
        ),
        ("no prices", json!({}), "prices.standard"),
    ] {
        rejected(&app, &admin, case, with_prices(prices), field).await;
    }

    let mut mixed = concert_with_row(json!({"row": "A", "seats": 4, "category": "premium"}));
    mixed["seat_map"]["sections"][0]["rows"]
        .as_array_mut()
        .expect("rows")
        .push(json!({"row": "B", "seats": 4}));
    mixed["prices"] =
        json!({"premium": {"amount_minor": 1500, "currency": "EUR"}, "standard": inr(900)});
    rejected(&app, &admin, "mixed currencies", mixed, "prices").await;

    let unpriced = concert_with_row(json!({"row": "A", "seats": 4, "category": "premium"}));
    rejected(
        &app,
        &admin,
        "a seat category without a price",
        unpriced,
        "prices.premium",
    )
    .await;

    let mut ga = general_admission("Open Air", json!({"standard": 500}), 20);
    ga["prices"]["standard"]["amount_minor"] = json!(-5);
    rejected(
        &app,
        &admin,
        "negative price on general admission",
        ga,
        amount,
    )
    .await;
    assert_eq!(all_event_ids(&app).await, before);
}

#[tokio::test]
async fn seat_maps_with_duplicates_empty_rows_or_bad_seats_are_refused() {
    let (app, admin, before) = app_with_one_event().await;
    let row0 = "seat_map.sections[0].rows[0]";

    let mut duplicate = concert("Evening Raga", "Town Hall", 30);
    duplicate["seat_map"] = json!({"sections": [
        {"name": "Stalls", "rows": [{"row": "A", "seats": 10}]},
        {"name": "Circle", "rows": [{"row": "A", "seats": 4}]}
    ]});
    let reply = rejected(
        &app,
        &admin,
        "two sections with row A and no prefix",
        duplicate,
        "seat_map",
    )
    .await;
    assert!(
        message_for(&reply, "seat_map").contains("A-1"),
        "{}",
        reply.text
    );

    let listed_twice =
        concert_with_row(json!({"row": "A", "seats": [{"number": 3}, {"number": 3}]}));
    rejected(
        &app,
        &admin,
        "one seat number listed twice",
        listed_twice,
        "seat_map",
    )
    .await;

    for (case, row, field) in [
        (
            "zero-seat row",
            json!({"row": "A", "seats": 0}),
            format!("{row0}.seats"),
        ),
        (
            "empty seat list",
            json!({"row": "A", "seats": []}),
            format!("{row0}.seats"),
        ),
        (
            "row over the limit",
            json!({"row": "A", "seats": 1001}),
            format!("{row0}.seats"),
        ),
        (
            "seat number 0",
            json!({"row": "A", "seats": [{"number": 0}]}),
            format!("{row0}.seats[0].number"),
        ),
        (
            "seat number 10000",
            json!({"row": "A", "seats": [{"number": 1}, {"number": 10000}]}),
            format!("{row0}.seats[1].number"),
        ),
        (
            "row name with a space",
            json!({"row": "A 1", "seats": 3}),
            format!("{row0}.row"),
        ),
        (
            "category with capitals",
            json!({"row": "A", "seats": 3, "category": "Premium"}),
            format!("{row0}.category"),
        ),
        (
            "unknown row flag",
            json!({"row": "A", "seats": 3, "flags": ["jacuzzi"]}),
            format!("{row0}.flags[0]"),
        ),
    ] {
        rejected(&app, &admin, case, concert_with_row(row), &field).await;
    }

    let empty = {
        let mut body = concert("Evening Raga", "Town Hall", 30);
        body["seat_map"] = json!({"sections": []});
        body
    };
    rejected(&app, &admin, "no sections", empty, "seat_map.sections").await;
    assert_eq!(all_event_ids(&app).await, before);
}

#[tokio::test]
async fn mistyped_seats_name_the_seat_and_the_value() {
    let (app, admin, before) = app_with_one_event().await;
    let row0 = "seat_map.sections[0].rows[0]";

    let flag =
        concert_with_row(json!({"row": "A", "seats": [{"number": 1, "flags": ["jacuzzi"]}]}));
    let reply = rejected(
        &app,
        &admin,
        "unknown seat flag",
        flag,
        &format!("{row0}.seats[0].flags[0]"),
    )
    .await;
    assert!(
        reply.text.contains("jacuzzi"),
        "the problem names the flag: {}",
        reply.text
    );

    let words = concert_with_row(json!({"row": "A", "seats": "twelve"}));
    let reply = rejected(
        &app,
        &admin,
        "seats as a word",
        words,
        &format!("{row0}.seats"),
    )
    .await;
    assert!(
        reply.text.contains("twelve"),
        "the problem names the value: {}",
        reply.text
    );

    let negative = concert_with_row(json!({"row": "A", "seats": -3}));
    rejected(
        &app,
        &admin,
        "negative seat count",
        negative,
        &format!("{row0}.seats"),
    )
    .await;

    let number = concert_with_row(json!({"row": "A", "seats": [{"number": "one"}]}));
    rejected(
        &app,
        &admin,
        "seat number as a word",
        number,
        &format!("{row0}.seats[0].number"),
    )
    .await;
    assert_eq!(all_event_ids(&app).await, before);
}

#[tokio::test]
async fn seats_come_from_exactly_one_of_seat_map_and_capacity() {
    let (app, admin, before) = app_with_one_event().await;
    let mut both = concert("Evening Raga", "Town Hall", 30);
    both["capacity"] = json!({"standard": 100});
    rejected(&app, &admin, "both seat_map and capacity", both, "capacity").await;

    let mut neither = concert("Evening Raga", "Town Hall", 30);
    neither.as_object_mut().expect("object").remove("seat_map");
    rejected(
        &app,
        &admin,
        "neither seat_map nor capacity",
        neither,
        "seat_map",
    )
    .await;

    for (case, capacity, field) in [
        ("zero capacity", json!({"standard": 0}), "capacity.standard"),
        (
            "capacity over the limit",
            json!({"standard": 1_000_001}),
            "capacity.standard",
        ),
        (
            "negative capacity",
            json!({"standard": -1}),
            "capacity.standard",
        ),
    ] {
        rejected(
            &app,
            &admin,
            case,
            general_admission("Open Air", capacity, 20),
            field,
        )
        .await;
    }
    let mut empty = general_admission("Open Air", json!({}), 20);
    empty["prices"] = json!({"standard": inr(100)});
    rejected(&app, &admin, "empty capacity", empty, "capacity").await;
    assert_eq!(all_event_ids(&app).await, before);
}

#[tokio::test]
async fn venue_events_need_a_future_start_and_no_route() {
    let (app, admin, before) = app_with_one_event().await;
    let base = concert("Evening Raga", "Town Hall", 30);
    let with = |key: &str, value: Value| {
        let mut body = base.clone();
        body[key] = value;
        body
    };
    rejected(
        &app,
        &admin,
        "starts_at in the past",
        with("starts_at", json!(at(-1, 0))),
        "starts_at",
    )
    .await;
    rejected(
        &app,
        &admin,
        "starts_at not RFC 3339",
        with("starts_at", json!("tomorrow at 7")),
        "starts_at",
    )
    .await;
    rejected(
        &app,
        &admin,
        "ends_at before starts_at",
        with("ends_at", json!(at(29, 0))),
        "ends_at",
    )
    .await;
    rejected(
        &app,
        &admin,
        "ends_at equal to starts_at",
        with("ends_at", json!(at(30, 0))),
        "ends_at",
    )
    .await;
    rejected(
        &app,
        &admin,
        "a venue event with an origin",
        with("origin", json!("Delhi")),
        "origin",
    )
    .await;
    rejected(
        &app,
        &admin,
        "a venue event with departs_at",
        with("departs_at", json!(at(30, 0))),
        "departs_at",
    )
    .await;
    rejected(
        &app,
        &admin,
        "a bad time zone",
        with("timezone", json!("Mars Base; DROP")),
        "timezone",
    )
    .await;

    let mut no_start = base.clone();
    no_start
        .as_object_mut()
        .expect("object")
        .remove("starts_at");
    rejected(&app, &admin, "no starts_at", no_start, "starts_at").await;
    let mut no_venue = base.clone();
    no_venue.as_object_mut().expect("object").remove("venue");
    rejected(&app, &admin, "no venue", no_venue, "venue").await;

    let unknown = format!("ven_{}", "0".repeat(32));
    rejected(
        &app,
        &admin,
        "unknown venue id",
        with("venue", json!({"id": unknown})),
        "venue.id",
    )
    .await;
    rejected(
        &app,
        &admin,
        "junk venue id",
        with("venue", json!({"id": "../etc"})),
        "venue.id",
    )
    .await;
    assert_eq!(all_event_ids(&app).await, before);
}

#[tokio::test]
async fn travel_events_need_an_ordered_route_with_distinct_stops() {
    let (app, admin, before) = app_with_one_event().await;
    let base = bus("Volvo", 4);
    let with = |key: &str, value: Value| {
        let mut body = base.clone();
        body[key] = value;
        body
    };
    rejected(
        &app,
        &admin,
        "a travel event with a venue",
        with("venue", json!({"name": "Depot"})),
        "venue",
    )
    .await;
    rejected(
        &app,
        &admin,
        "a travel event with starts_at",
        with("starts_at", json!(at(4, 0))),
        "starts_at",
    )
    .await;
    rejected(
        &app,
        &admin,
        "departure in the past",
        with("departs_at", json!(at(-1, 0))),
        "departs_at",
    )
    .await;
    rejected(
        &app,
        &admin,
        "blank origin",
        with("origin", json!(" ")),
        "origin",
    )
    .await;
    rejected(
        &app,
        &admin,
        "arrival before the last stop",
        with("arrives_at", json!(at(4, 1))),
        "arrives_at",
    )
    .await;

    let mut no_departure = base.clone();
    no_departure
        .as_object_mut()
        .expect("object")
        .remove("departs_at");
    rejected(&app, &admin, "no departure", no_departure, "departs_at").await;

    let out_of_order = json!([
        {"name": "Gurugram", "arrives_at": at(4, 3), "departs_at": at(4, 3)},
        {"name": "Neemrana", "arrives_at": at(4, 2), "departs_at": at(4, 2)}
    ]);
    rejected(
        &app,
        &admin,
        "stops out of time order",
        with("stops", out_of_order),
        "stops[1].arrives_at",
    )
    .await;
    let leaves_early =
        json!([{"name": "Gurugram", "arrives_at": at(4, 2), "departs_at": at(4, 1)}]);
    rejected(
        &app,
        &admin,
        "a stop left before it is reached",
        with("stops", leaves_early),
        "stops[0].departs_at",
    )
    .await;
    let before_origin =
        json!([{"name": "Gurugram", "arrives_at": at(3, 0), "departs_at": at(3, 1)}]);
    rejected(
        &app,
        &admin,
        "a stop reached before departure",
        with("stops", before_origin),
        "stops[0].arrives_at",
    )
    .await;
    let repeated = json!([{"name": "delhi", "arrives_at": at(4, 1), "departs_at": at(4, 1)}]);
    rejected(
        &app,
        &admin,
        "a stop named like the origin",
        with("stops", repeated),
        "stops",
    )
    .await;
    let twice = json!([
        {"name": "Gurugram", "arrives_at": at(4, 1), "departs_at": at(4, 1)},
        {"name": "Gurugram", "arrives_at": at(4, 2), "departs_at": at(4, 2)}
    ]);
    rejected(
        &app,
        &admin,
        "the same stop twice",
        with("stops", twice),
        "stops",
    )
    .await;
    let mut circular = flight("Loop", "Delhi", "DELHI", 5);
    circular["name"] = json!("Loop");
    rejected(&app, &admin, "destination equals origin", circular, "stops").await;
    assert_eq!(all_event_ids(&app).await, before);
}

#[tokio::test]
async fn malformed_json_is_a_400_and_writes_nothing() {
    let (app, admin, before) = app_with_one_event().await;
    let trailing = format!("{} trailing", concert("Evening Raga", "Town Hall", 30));
    for raw in [
        r#"{"name": "Evening Raga", "#.to_string(),
        "not json".to_string(),
        trailing,
    ] {
        let response = app
            .http
            .post(format!("{}/api/v1/events", app.base_url))
            .bearer_auth(&admin)
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .expect("sent");
        TestApp::reply(response)
            .await
            .assert_problem(400, "malformed_request");
    }
    let reply = app
        .post("/api/v1/events", Some(&admin), json!([1, 2, 3]))
        .await;
    reply.assert_problem(422, "validation_failed");
    let mut huge = concert("Evening Raga", "Town Hall", 30);
    huge["seat_map"] = simple_map(26, 1000);
    huge["seat_map"]["sections"] = json!([
        huge["seat_map"]["sections"][0],
        huge["seat_map"]["sections"][0],
        huge["seat_map"]["sections"][0],
        huge["seat_map"]["sections"][0],
        huge["seat_map"]["sections"][0]
    ]);
    let reply = app.post("/api/v1/events", Some(&admin), huge).await;
    assert!(
        reply.status.is_client_error(),
        "an absurd seat map is a 4xx: {}",
        reply.status
    );
    assert_eq!(all_event_ids(&app).await, before);
}

/// `at(days, hours)` and `millis` thousandths of a second more.
fn within_its_second(days: i64, hours: i64, millis: u32) -> String {
    at(days, hours).replace('Z', &format!(".{millis:03}Z"))
}

#[tokio::test]
async fn an_end_in_the_same_second_as_the_start_is_refused_not_failed() {
    // Event times are kept to the second: an end a fraction of a second after the start is
    // the start itself, and is refused like an end equal to it, not stored and failed.
    let (app, admin, before) = app_with_one_event().await;
    let mut body = concert("Evening Raga", "Town Hall", 30);
    body["starts_at"] = json!(within_its_second(30, 0, 200));
    body["ends_at"] = json!(within_its_second(30, 0, 700));
    rejected(
        &app,
        &admin,
        "ends within the start's second",
        body,
        "ends_at",
    )
    .await;

    let mut body = bus("Night Coach", 4);
    body["departs_at"] = json!(within_its_second(4, 0, 100));
    body["stops"] = json!([]);
    body["arrives_at"] = json!(within_its_second(4, 0, 900));
    rejected(
        &app,
        &admin,
        "arrives within the departure's second",
        body,
        "arrives_at",
    )
    .await;

    let mut body = bus("Night Coach", 4);
    body["stops"] = json!([{"name": "Gurugram", "arrives_at": within_its_second(4, 1, 300),
                            "departs_at": within_its_second(4, 1, 800)}]);
    body["arrives_at"] = json!(within_its_second(4, 1, 900));
    rejected(
        &app,
        &admin,
        "arrives within the last stop's second",
        body,
        "arrives_at",
    )
    .await;
    assert_eq!(all_event_ids(&app).await, before, "nothing written");
}
