//! The event catalog attacked over real TCP: every event category, venues, the list's filters
//! and cursors, seats and segments, blocking, edits, deletes, and bad input that must write
//! nothing.
//!
//! The fixtures below build request bodies; each submodule owns one capability.

mod bad_input;
mod create;
mod edit;
mod generated;
mod listing;
mod seats;
mod venues;
mod with_holds;

use crate::helpers::TestApp;
use serde_json::{Value, json};
use std::sync::OnceLock;

/// A price in INR.
pub fn inr(amount_minor: i64) -> Value {
    json!({"amount_minor": amount_minor, "currency": "INR"})
}

/// An RFC 3339 time `days` and `hours` after a base fixed once per test process, so two
/// calls with the same arguments always agree.
pub fn at(days: i64, hours: i64) -> String {
    static BASE: OnceLock<time::OffsetDateTime> = OnceLock::new();
    let base = *BASE.get_or_init(|| {
        time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .expect("valid")
    });
    (base + time::Duration::days(days) + time::Duration::hours(hours))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("formats")
}

/// One section of `rows` rows of `seats` standard seats.
pub fn simple_map(rows: usize, seats: u32) -> Value {
    let rows: Vec<Value> = (0..rows)
        .map(|i| json!({"row": ((b'A' + i as u8) as char).to_string(), "seats": seats}))
        .collect();
    json!({"sections": [{"name": "Stalls", "rows": rows}]})
}

/// A concert named `name` at `venue`, `days` from now, with a 2×5 standard seat map.
pub fn concert(name: &str, venue: &str, days: i64) -> Value {
    json!({
        "name": name, "category": "concert", "starts_at": at(days, 0),
        "venue": {"name": venue}, "seat_map": simple_map(2, 5),
        "prices": {"standard": inr(90_000)}
    })
}

/// A 40-seat bus Delhi → Gurugram → Jaipur leaving `days` from now, window seats on the sides.
pub fn bus(name: &str, days: i64) -> Value {
    json!({
        "name": name, "category": "bus",
        "origin": "Delhi", "destination": "Jaipur",
        "departs_at": at(days, 0), "arrives_at": at(days, 6),
        "stops": [{"name": "Gurugram", "arrives_at": at(days, 1), "departs_at": at(days, 1)}],
        "seat_map": {"sections": [{"name": "Deck", "rows": (1..=10).map(|r| json!({
            "row": r.to_string(),
            "seats": [
                {"number": 1, "flags": ["window"]}, {"number": 2, "flags": ["aisle"]},
                {"number": 3, "flags": ["aisle"]}, {"number": 4, "flags": ["window"]}
            ]
        })).collect::<Vec<_>>()}]},
        "prices": {"standard": inr(65_000)}
    })
}

/// A flight `origin` → `destination` with no stops, `days` from now, two cabins.
pub fn flight(name: &str, origin: &str, destination: &str, days: i64) -> Value {
    json!({
        "name": name, "category": "flight",
        "origin": origin, "destination": destination,
        "departs_at": at(days, 0), "arrives_at": at(days, 2),
        "seat_map": {"sections": [
            {"name": "Business", "rows": [{"row": "1", "seats": 4, "category": "business"}]},
            {"name": "Economy", "rows": [
                {"row": "10", "seats": 6, "category": "economy"},
                {"row": "11", "seats": 6, "category": "economy"}]}
        ]},
        "prices": {"business": inr(2_500_000), "economy": inr(550_000)}
    })
}

/// A general-admission concert with `capacity` places per category, all priced in INR.
pub fn general_admission(name: &str, capacity: Value, days: i64) -> Value {
    let prices: serde_json::Map<String, Value> = capacity
        .as_object()
        .expect("capacity is an object")
        .keys()
        .map(|category| (category.clone(), inr(120_000)))
        .collect();
    json!({
        "name": name, "category": "concert", "starts_at": at(days, 0),
        "venue": {"name": "Open Grounds"}, "capacity": capacity, "prices": prices
    })
}

/// Creates an event, asserting 201, and returns the response body.
pub async fn create(app: &TestApp, admin: &str, body: Value) -> Value {
    let reply = app.post("/api/v1/events", Some(admin), body).await;
    reply.assert_status(201);
    reply.body.clone()
}

/// `?k=v&…` with every value percent-encoded.
pub fn query(pairs: &[(&str, &str)]) -> String {
    format!("?{}", serde_urlencoded::to_string(pairs).expect("encodes"))
}

/// The ids of the events one list request returns, in order.
pub async fn list_ids(app: &TestApp, pairs: &[(&str, &str)]) -> Vec<String> {
    let reply = app
        .get(&format!("/api/v1/events{}", query(pairs)), None)
        .await;
    reply.assert_status(200);
    ids(&reply.body["items"])
}

/// Every event id, following cursors to the end.
pub async fn all_event_ids(app: &TestApp) -> Vec<String> {
    let mut ids_seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut pairs = vec![("limit", "200")];
        if let Some(c) = cursor.as_deref() {
            pairs.push(("cursor", c));
        }
        let reply = app
            .get(&format!("/api/v1/events{}", query(&pairs)), None)
            .await;
        reply.assert_status(200);
        ids_seen.extend(ids(&reply.body["items"]));
        match reply.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return ids_seen,
        }
    }
}

/// The `id` of every item of a JSON array.
pub fn ids(items: &Value) -> Vec<String> {
    items
        .as_array()
        .expect("an array")
        .iter()
        .map(|e| e["id"].as_str().expect("id").to_string())
        .collect()
}

/// The id of a created event.
pub fn id_of(event: &Value) -> String {
    event["id"].as_str().expect("id").to_string()
}

/// The `categories[]` entry of an event for `name`.
pub fn category<'a>(event: &'a Value, name: &str) -> &'a Value {
    event["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .find(|c| c["category"] == name)
        .unwrap_or_else(|| panic!("no category {name} in {event}"))
}

/// Every seat of an event (whole route).
pub async fn seats(app: &TestApp, event: &str) -> Vec<Value> {
    let reply = app
        .get(&format!("/api/v1/events/{event}/seats"), None)
        .await;
    reply.assert_status(200);
    reply.body["seats"].as_array().expect("seats").clone()
}

/// One seat of an event by label.
pub async fn seat(app: &TestApp, event: &str, label: &str) -> Value {
    seats(app, event)
        .await
        .into_iter()
        .find(|s| s["label"] == label)
        .unwrap_or_else(|| panic!("no seat {label}"))
}

/// The event as `GET /events/{id}` shows it.
pub async fn event(app: &TestApp, id: &str) -> Value {
    let reply = app.get(&format!("/api/v1/events/{id}"), None).await;
    reply.assert_status(200);
    reply.body.clone()
}

/// A seat's flags as a sorted list of names.
pub fn flags(seat: &Value) -> Vec<String> {
    let mut names: Vec<String> = seat["flags"]
        .as_array()
        .expect("flags")
        .iter()
        .map(|f| f.as_str().expect("flag name").to_string())
        .collect();
    names.sort();
    names
}
