//! Holds attacked over real TCP: the hold lifecycle, all-or-nothing conflicts, races of many
//! clients over overlapping seats and segments, best-available and general admission,
//! extension and expiry on a moved clock, blocked seats, seat history, bad input that must
//! change nothing, and `kill -9` of the real binary.
//!
//! The fixtures below speak the holds API; each submodule owns one capability.

mod bad_input;
mod best_available;
mod churn;
mod crash;
mod lifecycle;
mod limits;
mod race;
mod restore;
mod segments;
mod time_limits;

use crate::helpers::{Reply, TestApp};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// The longest any eventual condition (sweeper, relay) may take on a loaded machine.
pub const EVENTUALLY: Duration = Duration::from_secs(10);
/// How often an eventual condition is looked at again.
pub use crate::polling::POLL;

/// A price in INR.
pub fn inr(amount_minor: i64) -> Value {
    json!({"amount_minor": amount_minor, "currency": "INR"})
}

/// An RFC 3339 time `hours` after a point `days` from now.
pub fn at(days: i64, hours: i64) -> String {
    (time::OffsetDateTime::now_utc() + time::Duration::days(days) + time::Duration::hours(hours))
        .replace_nanosecond(0)
        .expect("valid")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("formats")
}

/// A bus A → B → C → D (three legs) with `seats` standard seats in row 1 (`1-1`, `1-2`, …).
pub fn bus_abcd(seats: u32) -> Value {
    json!({
        "name": "Night bus", "category": "bus", "origin": "A", "destination": "D",
        "departs_at": at(5, 0), "arrives_at": at(5, 6),
        "stops": [
            {"name": "B", "arrives_at": at(5, 1), "departs_at": at(5, 1)},
            {"name": "C", "arrives_at": at(5, 2), "departs_at": at(5, 2)}
        ],
        "seat_map": {"sections": [{"name": "Deck", "rows": [{"row": "1", "seats": seats}]}]},
        "prices": {"standard": inr(65_000)}
    })
}

/// A concert with this seat map and these prices.
pub fn concert_with(seat_map: Value, prices: Value) -> Value {
    json!({
        "name": "Evening Raga", "category": "concert", "starts_at": at(30, 0),
        "venue": {"name": "Town Hall"}, "seat_map": seat_map, "prices": prices
    })
}

/// Creates an event, asserting 201, and returns its id.
pub async fn create_event(app: &TestApp, admin: &str, body: Value) -> String {
    let reply = app.post("/api/v1/events", Some(admin), body).await;
    reply.assert_status(201);
    reply.body["id"].as_str().expect("id").to_string()
}

/// `POST /events/{event}/holds` with any body.
pub async fn hold(app: &TestApp, token: &str, event: &str, body: Value) -> Reply {
    app.post(&format!("/api/v1/events/{event}/holds"), Some(token), body)
        .await
}

/// Holds seats by label.
pub async fn hold_seats(app: &TestApp, token: &str, event: &str, labels: &[&str]) -> Reply {
    hold(app, token, event, json!({ "seats": labels })).await
}

/// Holds seats by label, asserting 201, and returns the hold's id.
pub async fn held(app: &TestApp, token: &str, event: &str, labels: &[&str]) -> String {
    let reply = hold_seats(app, token, event, labels).await;
    reply.assert_status(201);
    reply.body["id"].as_str().expect("hold id").to_string()
}

/// Releases a hold, asserting 204.
pub async fn release(app: &TestApp, token: &str, hold_id: &str) {
    app.delete(&format!("/api/v1/holds/{hold_id}"), Some(token))
        .await
        .assert_status(204);
}

/// Each seat's status by label; `query` is `""` or e.g. `"?from=A&to=B"`.
pub async fn statuses(app: &TestApp, event: &str, query: &str) -> BTreeMap<String, String> {
    let reply = app
        .get(&format!("/api/v1/events/{event}/seats{query}"), None)
        .await;
    reply.assert_status(200);
    reply.body["seats"]
        .as_array()
        .expect("seats")
        .iter()
        .map(|s| {
            (
                s["label"].as_str().expect("label").to_string(),
                s["status"].as_str().expect("status").to_string(),
            )
        })
        .collect()
}

/// The labels whose status is `status`.
pub async fn labels_in(app: &TestApp, event: &str, query: &str, status: &str) -> BTreeSet<String> {
    statuses(app, event, query)
        .await
        .into_iter()
        .filter(|(_, s)| s == status)
        .map(|(l, _)| l)
        .collect()
}

/// Asserts every seat of the event is available.
#[track_caller]
pub fn assert_all_available(statuses: &BTreeMap<String, String>) {
    let busy: Vec<_> = statuses.iter().filter(|(_, s)| *s != "available").collect();
    assert!(busy.is_empty(), "seats not available: {busy:?}");
}

/// The event's availability counts (whole route).
pub async fn availability(app: &TestApp, event: &str) -> Value {
    let reply = app.get(&format!("/api/v1/events/{event}"), None).await;
    reply.assert_status(200);
    reply.body["availability"].clone()
}

/// The labels of a hold reply, sorted.
pub fn seats_of(reply: &Reply) -> Vec<String> {
    let mut seats: Vec<String> = reply.body["seats"]
        .as_array()
        .expect("seats")
        .iter()
        .map(|s| s.as_str().expect("label").to_string())
        .collect();
    seats.sort();
    seats
}

/// Asserts that the live invariant check passes inside the running server.
pub async fn assert_check_ok(app: &TestApp, admin: &str) {
    let reply = app.get("/api/v1/admin/check", Some(admin)).await;
    reply.assert_status(200);
    assert_eq!(reply.body["ok"], true, "admin check failed: {}", reply.text);
}

pub use crate::polling::eventually;

/// Parses an RFC 3339 timestamp of a reply.
pub fn time_of(value: &Value) -> time::OffsetDateTime {
    time::OffsetDateTime::parse(
        value.as_str().expect("a timestamp"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("RFC 3339")
}

/// A seat's history as staff sees it (first page, oldest first).
pub async fn history(app: &TestApp, token: &str, event: &str, label: &str) -> Reply {
    app.get(
        &format!("/api/v1/events/{event}/seats/{label}/history"),
        Some(token),
    )
    .await
}
