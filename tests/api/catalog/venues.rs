//! `/venues`: reusable seat maps, and events created at a venue by id.

use super::{all_event_ids, at, category, create, id_of, inr, query, seats, simple_map};
use crate::helpers::TestApp;
use serde_json::{Value, json};
use std::collections::HashSet;

/// A venue with a 3×8 stalls and a 2×6 premium circle.
fn town_hall() -> Value {
    json!({
        "name": "Town Hall", "city": "Pune", "address": "1 MG Road", "timezone": "Asia/Kolkata",
        "seat_map": {"sections": [
            {"name": "Stalls", "prefix": "S", "rows": [
                {"row": "A", "seats": [{"number": 1, "category": "accessible", "flags": ["wheelchair_space"]}, {"number": 2}]},
                {"row": "B", "seats": 8}, {"row": "C", "seats": 8}]},
            {"name": "Circle", "prefix": "C", "rows": [
                {"row": "A", "seats": 6, "category": "premium"}, {"row": "B", "seats": 6, "category": "premium"}]}
        ]}
    })
}

async fn create_venue(app: &TestApp, admin: &str, body: Value) -> Value {
    let reply = app.post("/api/v1/venues", Some(admin), body).await;
    reply.assert_status(201);
    reply.body.clone()
}

#[tokio::test]
async fn a_venue_is_created_read_back_and_listed_by_cursor() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let venue = create_venue(&app, &admin, town_hall()).await;
    assert_eq!(venue["name"], "Town Hall");
    assert_eq!(venue["city"], "Pune");
    assert_eq!(venue["timezone"], "Asia/Kolkata");
    assert_eq!(venue["seat_count"], 30);
    assert_eq!(venue["seat_map"]["sections"][1]["prefix"], "C");
    let id = venue["id"].as_str().expect("id").to_string();
    let reply = app.get(&format!("/api/v1/venues/{id}"), Some(&admin)).await;
    reply.assert_status(200);
    assert_eq!(reply.body, venue);

    let field = create_venue(
        &app,
        &admin,
        json!({"name": "Field", "capacity": {"standard": 2000}}),
    )
    .await;
    assert_eq!(field["seat_count"], 0);
    assert_eq!(field["capacity"], json!({"standard": 2000}));
    let mut all = vec![id.clone(), id_of(&field)];
    for i in 0..3 {
        all.push(id_of(
            &create_venue(
                &app,
                &admin,
                json!({"name": format!("Hall {i}"), "seat_map": simple_map(1, 5)}),
            )
            .await,
        ));
    }

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..5 {
        let mut pairs = vec![("limit", "2")];
        if let Some(c) = cursor.as_deref() {
            pairs.push(("cursor", c));
        }
        let reply = app
            .get(&format!("/api/v1/venues{}", query(&pairs)), Some(&admin))
            .await;
        reply.assert_status(200);
        seen.extend(super::ids(&reply.body["items"]));
        cursor = reply.body["next_cursor"].as_str().map(str::to_string);
        if cursor.is_none() {
            break;
        }
    }
    assert!(cursor.is_none(), "the list ends");
    assert_eq!(seen.len(), 5);
    assert_eq!(
        seen.iter().collect::<HashSet<_>>(),
        all.iter().collect::<HashSet<_>>(),
        "every venue once"
    );

    for pairs in [
        vec![("limit", "0")],
        vec![("limit", "201")],
        vec![("cursor", "junk")],
    ] {
        app.get(&format!("/api/v1/venues{}", query(&pairs)), Some(&admin))
            .await
            .assert_problem(422, "validation_failed");
    }
    app.get(
        &format!("/api/v1/venues/ven_{}", "0".repeat(32)),
        Some(&admin),
    )
    .await
    .assert_problem(404, "not_found");
    app.get("/api/v1/venues/junk", Some(&admin))
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn an_event_at_a_venue_inherits_its_seats_name_and_time_zone() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let venue = create_venue(&app, &admin, town_hall()).await;
    let venue_id = venue["id"].as_str().expect("id");
    let created = create(
        &app,
        &admin,
        json!({
            "name": "Evening Raga", "category": "concert", "starts_at": at(30, 0),
            "venue": {"id": venue_id},
            "prices": {"standard": inr(90_000), "premium": inr(150_000), "accessible": inr(45_000)}
        }),
    )
    .await;
    assert_eq!(
        created["venue"],
        json!({"id": venue_id, "name": "Town Hall"})
    );
    assert_eq!(created["timezone"], "Asia/Kolkata");
    assert_eq!(created["availability"]["total"], 30);
    assert_eq!(category(&created, "premium")["total"], 12);
    assert_eq!(category(&created, "standard")["total"], 17);
    assert_eq!(category(&created, "accessible")["total"], 1);
    let event_seats = seats(&app, &id_of(&created)).await;
    let wheelchair = event_seats
        .iter()
        .find(|s| s["label"] == "SA-1")
        .expect("SA-1");
    assert_eq!(wheelchair["flags"], json!(["wheelchair_space"]));
    assert!(event_seats.iter().any(|s| s["label"] == "CB-6"));

    // The event's own seat map and name win over the venue's.
    let own = create(
        &app,
        &admin,
        json!({
            "name": "Chamber Music", "category": "concert", "starts_at": at(31, 0),
            "venue": {"id": venue_id, "name": "Town Hall, small room"},
            "seat_map": simple_map(1, 6), "prices": {"standard": inr(50_000)}
        }),
    )
    .await;
    assert_eq!(own["venue"]["name"], "Town Hall, small room");
    assert_eq!(own["venue"]["id"], venue_id);
    assert_eq!(own["availability"]["total"], 6);

    // A venue's categories still need prices.
    let reply = app
        .post(
            "/api/v1/events",
            Some(&admin),
            json!({"name": "Unpriced", "category": "movie", "starts_at": at(32, 0),
                   "venue": {"id": venue_id}, "prices": {"standard": inr(1)}}),
        )
        .await;
    reply.assert_problem(422, "validation_failed");
    assert!(
        reply.error_fields().contains(&"prices.premium".to_string()),
        "{}",
        reply.text
    );
    assert_eq!(all_event_ids(&app).await.len(), 2);
}

#[tokio::test]
async fn an_event_at_a_general_admission_venue_is_general_admission() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let venue = create_venue(
        &app,
        &admin,
        json!({"name": "Field", "capacity": {"standard": 2000, "vip": 100}}),
    )
    .await;
    let created = create(
        &app,
        &admin,
        json!({"name": "Open Air", "category": "concert", "starts_at": at(30, 0),
               "venue": {"id": venue["id"]}, "prices": {"standard": inr(1_000), "vip": inr(9_000)}}),
    )
    .await;
    assert_eq!(created["general_admission"], true);
    assert_eq!(created["venue"]["name"], "Field");
    assert_eq!(created["availability"]["total"], 2100);
}

#[tokio::test]
async fn bad_venues_are_refused_and_not_written() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let with = |key: &str, value: Value| {
        let mut body = town_hall();
        body[key] = value;
        body
    };
    let mut neither = town_hall();
    neither.as_object_mut().expect("object").remove("seat_map");
    for (case, body, field) in [
        ("blank name", with("name", json!(" ")), "name"),
        (
            "both seat map and capacity",
            with("capacity", json!({"standard": 10})),
            "capacity",
        ),
        ("neither", neither, "seat_map"),
        (
            "zero-seat row",
            with(
                "seat_map",
                json!({"sections": [{"name": "S", "rows": [{"row": "A", "seats": 0}]}]}),
            ),
            "seat_map.sections[0].rows[0].seats",
        ),
        (
            "duplicate labels",
            with(
                "seat_map",
                json!({"sections": [
            {"name": "S", "rows": [{"row": "A", "seats": 2}]}, {"name": "T", "rows": [{"row": "A", "seats": 2}]}]}),
            ),
            "seat_map",
        ),
        (
            "bad time zone",
            with("timezone", json!("Somewhere Nice")),
            "timezone",
        ),
        (
            "mistyped seats",
            with(
                "seat_map",
                json!({"sections": [{"name": "S", "rows": [{"row": "A", "seats": "many"}]}]}),
            ),
            "seat_map.sections[0].rows[0].seats",
        ),
    ] {
        let reply = app.post("/api/v1/venues", Some(&admin), body).await;
        reply.assert_problem(422, "validation_failed");
        assert!(
            reply.error_fields().iter().any(|f| f == field),
            "{case}: expected {field}: {}",
            reply.text
        );
    }
    for (case, capacity) in [
        ("zero capacity", json!({"standard": 0})),
        (
            "capacity no event could use",
            json!({"standard": 1_000_001}),
        ),
        ("bad category", json!({"Standard": 10})),
        ("no category", json!({})),
    ] {
        let reply = app
            .post(
                "/api/v1/venues",
                Some(&admin),
                json!({"name": "Field", "capacity": capacity}),
            )
            .await;
        reply.assert_problem(422, "validation_failed");
        assert!(
            reply
                .error_fields()
                .iter()
                .any(|f| f.starts_with("capacity")),
            "{case}: {}",
            reply.text
        );
    }
    let listed = app.get("/api/v1/venues", Some(&admin)).await;
    assert_eq!(listed.body["items"], json!([]), "nothing written");
}

#[tokio::test]
async fn only_admins_see_venues() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let venue = create_venue(&app, &admin, town_hall()).await;
    let customer = app.customer("alice").await;
    let staff = app.account("sam", "staff").await;
    let one = format!("/api/v1/venues/{}", venue["id"].as_str().expect("id"));
    for token in [customer.as_str(), staff.as_str()] {
        app.get("/api/v1/venues", Some(token))
            .await
            .assert_problem(403, "forbidden");
        app.get(&one, Some(token))
            .await
            .assert_problem(403, "forbidden");
        app.post("/api/v1/venues", Some(token), town_hall())
            .await
            .assert_problem(403, "forbidden");
    }
    app.get("/api/v1/venues", None)
        .await
        .assert_problem(401, "unauthorized");
}
