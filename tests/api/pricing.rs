//! Dynamic pricing over real TCP: selling seats moves prices (the job worker is async, so
//! the tests poll), holds keep their quotes, replayed and reordered `seats-changed` jobs
//! never corrupt the current price, rules are validated and repricing follows them, event
//! overrides stay on their event, and the preview draws a rising curve.
//!
//! The fixtures below speak the pricing and booking APIs; each submodule owns one
//! capability.

mod quotes;
mod replay;
mod rise;
mod rules;

use crate::helpers::{TestApp, days_from_now};
use rezerve::pricing::curve::{self, Factors};
use rezerve::pricing::rule::Rule;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The base price of a `standard` seat in [`crate::helpers::concert_body`].
pub const BASE: i64 = 90_000;
/// The longest the relay and the job workers may take on a loaded machine.
pub const EVENTUALLY: Duration = Duration::from_secs(20);
/// How often an eventual condition is looked at again.
pub use crate::polling::POLL;
/// The card that succeeds.
pub const CARD_OK: &str = "4242424242424242";

/// What the default concert rule charges with `sold` of `capacity` seats sold.
pub fn concert_price(base: i64, sold: u32, capacity: u32) -> i64 {
    curve::price(
        &Rule::default_for("concert"),
        base,
        sold,
        capacity,
        Factors::default(),
    )
}

/// The string at `key` of a JSON value.
#[track_caller]
pub fn text(value: &Value, key: &str) -> String {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("no string {key:?} in {value}"))
        .to_string()
}

/// Money's minor units.
#[track_caller]
pub fn minor(money: &Value) -> i64 {
    money["amount_minor"]
        .as_i64()
        .unwrap_or_else(|| panic!("not money: {money}"))
}

/// A concert with a premium row A and a standard row B of `seats` seats each.
pub async fn two_category_concert(app: &TestApp, admin: &str, seats: u32) -> String {
    let reply = app
        .post(
            "/api/v1/events",
            Some(admin),
            json!({
                "name": "Two Tiers", "category": "concert", "starts_at": days_from_now(30),
                "venue": {"name": "Town Hall"},
                "seat_map": {"sections": [{"name": "Stalls", "rows": [
                    {"row": "A", "seats": seats, "category": "premium"},
                    {"row": "B", "seats": seats, "category": "standard"}]}]},
                "prices": {"premium": {"amount_minor": 150_000, "currency": "INR"},
                           "standard": {"amount_minor": BASE, "currency": "INR"}}
            }),
        )
        .await;
    reply.assert_status(201);
    text(&reply.body, "id")
}

/// A flight of one row of `seats` economy seats at [`BASE`].
pub async fn flight(app: &TestApp, admin: &str, seats: u32) -> String {
    let reply = app
        .post(
            "/api/v1/events",
            Some(admin),
            json!({
                "name": "DEL-BOM", "category": "flight",
                "origin": "Delhi", "destination": "Mumbai",
                "departs_at": days_from_now(20), "arrives_at": days_from_now(21),
                "seat_map": {"sections": [{"name": "Economy", "rows": [
                    {"row": "10", "seats": seats, "category": "standard"}]}]},
                "prices": {"standard": {"amount_minor": BASE, "currency": "INR"}}
            }),
        )
        .await;
    reply.assert_status(201);
    text(&reply.body, "id")
}

/// Holds seats by label, asserting 201; returns the hold.
pub async fn hold(app: &TestApp, token: &str, event: &str, seats: &[&str]) -> Value {
    let reply = app
        .post(
            &format!("/api/v1/events/{event}/holds"),
            Some(token),
            json!({ "seats": seats }),
        )
        .await;
    reply.assert_status(201);
    reply.body.clone()
}

/// Books a hold, asserting 201; returns the pending booking.
pub async fn book(app: &TestApp, token: &str, hold: &Value) -> Value {
    let reply = app
        .post(
            "/api/v1/bookings",
            Some(token),
            json!({ "hold_id": text(hold, "id") }),
        )
        .await;
    reply.assert_status(201);
    reply.body.clone()
}

/// Pays a booking's total with the card that succeeds; returns the confirmed booking.
pub async fn pay(app: &TestApp, token: &str, booking: &Value) -> Value {
    let amount = minor(&booking["total"]);
    let reply = app
        .post(
            &format!("/api/v1/bookings/{}/payments", text(booking, "id")),
            Some(token),
            json!({"method": "test", "amount_minor": amount, "card_number": CARD_OK}),
        )
        .await;
    reply.assert_status(201);
    assert_eq!(
        reply.body["booking"]["status"], "confirmed",
        "{}",
        reply.text
    );
    reply.body["booking"].clone()
}

/// A full sale: hold, book, pay. Returns the confirmed booking.
pub async fn sell(app: &TestApp, token: &str, event: &str, seats: &[&str]) -> Value {
    let hold = hold(app, token, event, seats).await;
    let booking = book(app, token, &hold).await;
    pay(app, token, &booking).await
}

/// `GET /events/{id}/prices`, asserting 200.
pub async fn prices(app: &TestApp, event: &str) -> Value {
    let reply = app
        .get(&format!("/api/v1/events/{event}/prices"), None)
        .await;
    reply.assert_status(200);
    reply.body.clone()
}

/// One category of a prices view.
#[track_caller]
pub fn category<'a>(view: &'a Value, name: &str) -> &'a Value {
    view["categories"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["category"] == name))
        .unwrap_or_else(|| panic!("no category {name} in {view}"))
}

/// The current price of a category.
pub async fn current(app: &TestApp, event: &str, name: &str) -> i64 {
    minor(&category(&prices(app, event).await, name)["current_price"])
}

/// Polls the prices view until `name` costs `expected`; returns that view.
pub async fn wait_for_price(app: &TestApp, event: &str, name: &str, expected: i64) -> Value {
    let deadline = Instant::now() + EVENTUALLY;
    loop {
        let view = prices(app, event).await;
        if minor(&category(&view, name)["current_price"]) == expected {
            return view;
        }
        assert!(
            Instant::now() < deadline,
            "{name} never cost {expected}: {view:#}"
        );
        tokio::time::sleep(POLL).await;
    }
}

/// The event's `seats-changed` jobs of `status`, oldest first.
pub async fn seats_changed_jobs(app: &TestApp, event: &str, status: &str) -> Vec<Value> {
    let rows = app
        .jobs
        .list(
            Some(status.parse().expect("a job status")),
            Some("seats-changed".into()),
            None,
            500,
        )
        .await
        .expect("jobs list");
    let mut jobs: Vec<Value> = rows
        .into_iter()
        .filter_map(|row| {
            let payload: Value = serde_json::from_str(&row.payload).ok()?;
            (payload["event_id"] == event)
                .then(|| json!({"id": row.id, "dedupe_key": row.dedupe_key, "payload": payload}))
        })
        .collect();
    jobs.reverse();
    jobs
}

/// Waits until a finished `seats-changed` job of the event satisfies `seen` (e.g. its
/// counts include a hold), and none of the event's is waiting: pricing has then handled
/// that state, and nothing newer is on its way.
pub async fn wait_until_priced(app: &TestApp, event: &str, seen: impl Fn(&Value) -> bool) {
    let deadline = Instant::now() + EVENTUALLY;
    loop {
        let done = seats_changed_jobs(app, event, "done").await;
        let waiting = seats_changed_jobs(app, event, "queued").await.len()
            + seats_changed_jobs(app, event, "running").await.len();
        if waiting == 0 && done.iter().any(|job| seen(&job["payload"])) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "pricing never handled the expected change; done: {done:#?}"
        );
        tokio::time::sleep(POLL).await;
    }
}

/// The count `field` (`sold`, `held`, …) of a category in a `seats-changed` payload.
pub fn counted(payload: &Value, name: &str, field: &str) -> u64 {
    payload["categories"][name][field].as_u64().unwrap_or(0)
}
