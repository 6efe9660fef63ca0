//! The booking saga attacked over real TCP: hold → book → pay → confirm and every way it can
//! go wrong — declines, timeouts, hostile clients, replayed requests, races of many clients
//! over the same seats, forged and replayed webhooks, payments that arrive too late,
//! cancellations, forged tickets at the door, and `kill -9` of the real binary mid-flow.
//!
//! The fixtures below speak the bookings API; each submodule owns one capability.

pub(crate) mod binary;
mod cancel;
mod cancel_crash;
mod check;
mod checkin;
mod crash;
mod failures;
mod flow;
mod hostile;
mod idempotency;
mod interrupted;
mod race;
mod unanswered;
mod webhook;

use crate::helpers::{Reply, TestApp};
use reqwest::Method;
use rezerve::clock::Clock;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

/// The card that succeeds.
pub const CARD_OK: &str = "4242424242424242";
/// The card that is declined.
pub const CARD_DECLINED: &str = "4000000000000002";
/// The card whose charge never answers.
pub const CARD_NO_ANSWER: &str = "4000000000009995";
/// The webhook gateway's shared secret in these tests.
pub const SECRET: &str = "whsec-test-0123456789abcdef";
/// The longest any eventual condition (expiry task, workers) may take on a loaded machine.
pub const EVENTUALLY: Duration = Duration::from_secs(20);
/// How often an eventual condition is looked at again.
pub use crate::polling::POLL;

/// An app whose webhook gateway signs with [`SECRET`].
pub async fn spawn() -> TestApp {
    spawn_with(|_| {}).await
}

/// An app whose webhook gateway signs with [`SECRET`], after `adjust`.
pub async fn spawn_with(adjust: impl FnOnce(&mut rezerve::Config)) -> TestApp {
    TestApp::spawn_with(|config| {
        config.payments.webhook_secret = Some(rezerve::config::Secret(SECRET.into()));
        adjust(config);
    })
    .await
}

/// The string at `key` of a JSON value.
#[track_caller]
pub fn text(value: &Value, key: &str) -> String {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("no string {key:?} in {value}"))
        .to_string()
}

/// The total of a booking or hold, in minor units: what must be paid. Prices move with
/// demand (dynamic pricing), so tests pay what was quoted, never a constant.
#[track_caller]
pub fn total(value: &Value) -> i64 {
    value["total"]["amount_minor"]
        .as_i64()
        .unwrap_or_else(|| panic!("no total in {value}"))
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

/// `POST /bookings {hold_id}`.
pub async fn book(app: &TestApp, token: &str, hold_id: &str) -> Reply {
    app.post(
        "/api/v1/bookings",
        Some(token),
        json!({ "hold_id": hold_id }),
    )
    .await
}

/// Holds and books these seats, asserting 201 twice; returns the booking.
pub async fn booked(app: &TestApp, token: &str, event: &str, seats: &[&str]) -> Value {
    let hold = hold(app, token, event, seats).await;
    let reply = book(app, token, &text(&hold, "id")).await;
    reply.assert_status(201);
    reply.body.clone()
}

/// `POST /bookings/{id}/payments` with any body.
pub async fn pay(app: &TestApp, token: &str, booking_id: &str, body: Value) -> Reply {
    app.post(
        &format!("/api/v1/bookings/{booking_id}/payments"),
        Some(token),
        body,
    )
    .await
}

/// A test-card payment body for `amount`.
pub fn card(number: &str, amount: i64) -> Value {
    json!({"method": "test", "amount_minor": amount, "card_number": number})
}

/// Pays a booking in full with the card that succeeds, asserting 201 confirmed.
pub async fn pay_ok(app: &TestApp, token: &str, booking: &Value) -> Value {
    let reply = pay(
        app,
        token,
        &text(booking, "id"),
        card(CARD_OK, total(booking)),
    )
    .await;
    reply.assert_status(201);
    assert_eq!(
        reply.body["booking"]["status"], "confirmed",
        "{}",
        reply.text
    );
    // The answer is built from the rows as the confirmation wrote them, not read back:
    // it must be exactly what reading them back gives.
    let paid = &reply.body["payment"];
    assert_eq!(*paid, payment(app, token, &text(paid, "id")).await);
    assert_eq!(
        reply.body["booking"],
        self::booking(app, token, &text(booking, "id")).await
    );
    reply.body.clone()
}

/// Holds, books and pays these seats; returns the confirmed booking.
pub async fn bought(app: &TestApp, token: &str, event: &str, seats: &[&str]) -> Value {
    let booking = booked(app, token, event, seats).await;
    pay_ok(app, token, &booking).await["booking"].clone()
}

/// `GET /bookings/{id}` as `token`, asserting 200.
pub async fn booking(app: &TestApp, token: &str, id: &str) -> Value {
    let reply = app
        .get(&format!("/api/v1/bookings/{id}"), Some(token))
        .await;
    reply.assert_status(200);
    reply.body.clone()
}

/// The status of a booking as `token` sees it.
pub async fn status_of(app: &TestApp, token: &str, id: &str) -> String {
    text(&booking(app, token, id).await, "status")
}

/// A booking's tickets, asserting 200.
pub async fn tickets(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    let reply = app
        .get(&format!("/api/v1/bookings/{id}/tickets"), Some(token))
        .await;
    reply.assert_status(200);
    reply.body.as_array().expect("tickets").clone()
}

/// `GET /payments/{id}`, asserting 200.
pub async fn payment(app: &TestApp, token: &str, id: &str) -> Value {
    let reply = app
        .get(&format!("/api/v1/payments/{id}"), Some(token))
        .await;
    reply.assert_status(200);
    reply.body.clone()
}

/// Every payment of a booking, as `token` sees them.
pub async fn payments_of(app: &TestApp, token: &str, booking_id: &str) -> Vec<Value> {
    let reply = app
        .get(
            &format!("/api/v1/payments?booking_id={booking_id}&limit=100"),
            Some(token),
        )
        .await;
    reply.assert_status(200);
    reply.body["items"].as_array().expect("items").clone()
}

/// Each seat's status by label.
pub async fn statuses(app: &TestApp, event: &str) -> BTreeMap<String, String> {
    let reply = app
        .get(&format!("/api/v1/events/{event}/seats"), None)
        .await;
    reply.assert_status(200);
    reply.body["seats"]
        .as_array()
        .expect("seats")
        .iter()
        .map(|s| (text(s, "label"), text(s, "status")))
        .collect()
}

/// Asserts each of `seats` has `status`.
pub async fn assert_seats(app: &TestApp, event: &str, seats: &[&str], status: &str) {
    let all = statuses(app, event).await;
    for seat in seats {
        assert_eq!(all[*seat], status, "seat {seat}: {all:?}");
    }
}

/// Jobs of one kind, newest first (admin).
pub async fn jobs_of(app: &TestApp, admin: &str, kind: &str) -> Vec<Value> {
    let reply = app
        .get(&format!("/api/v1/jobs?kind={kind}&limit=100"), Some(admin))
        .await;
    reply.assert_status(200);
    reply.body["items"].as_array().expect("items").clone()
}

/// The parsed payload of a job.
pub fn payload_of(job: &Value) -> Value {
    serde_json::from_str(job["payload"].as_str().expect("payload")).expect("JSON payload")
}

/// Asserts that the live invariant check passes inside the running server.
pub async fn assert_check_ok(app: &TestApp, admin: &str) {
    let reply = app.get("/api/v1/admin/check", Some(admin)).await;
    reply.assert_status(200);
    assert_eq!(reply.body["ok"], true, "admin check failed: {}", reply.text);
}

/// Sends a gateway callback signed with `signature` (`None`: no header).
pub async fn webhook_signed(app: &TestApp, body: &[u8], signature: Option<&str>) -> Reply {
    let headers: Vec<(&str, &str)> = signature
        .map(|s| vec![("Rezerve-Signature", s)])
        .unwrap_or_default();
    app.send_raw(
        Method::POST,
        "/api/v1/payments/webhooks/webhook",
        None,
        &headers,
        Some(body.to_vec()),
    )
    .await
}

/// A callback body as the gateway sends it.
pub fn callback(event_id: &str, payment_id: &str, status: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"event_id": event_id, "payment_id": payment_id, "status": status}))
        .expect("JSON")
}

/// The signature header the gateway sends for `body` at the server's current time.
pub fn sign_now(app: &TestApp, body: &[u8]) -> String {
    rezerve::payment::webhook::sign(SECRET.as_bytes(), app.clock.now().unix_timestamp(), body)
}

/// Sends a correctly signed callback.
pub async fn webhook(app: &TestApp, body: &[u8]) -> Reply {
    let signature = sign_now(app, body);
    webhook_signed(app, body, Some(&signature)).await
}

/// Starts a gateway payment of a booking, asserting 202 pending; returns the payment id.
pub async fn pay_by_gateway(app: &TestApp, token: &str, booking: &Value) -> String {
    let reply = pay(
        app,
        token,
        &text(booking, "id"),
        json!({"method": "webhook", "amount_minor": total(booking)}),
    )
    .await;
    reply.assert_status(202);
    assert_eq!(reply.body["payment"]["status"], "pending", "{}", reply.text);
    assert_eq!(
        reply.body["booking"]["status"], "pending_payment",
        "{}",
        reply.text
    );
    text(&reply.body["payment"], "id")
}

/// Moves the server's clock past the hold TTL (and so past every booking's expiry).
pub fn advance_past_ttl(app: &TestApp) {
    let ttl = app.config.holds.ttl_seconds as i64;
    app.clock.advance(time::Duration::seconds(ttl + 1));
}

pub use crate::polling::eventually;

/// Waits until a booking has `status` (as staff or owner `token` sees it).
pub async fn wait_for_status(app: &TestApp, token: &str, id: &str, status: &str) -> Value {
    eventually(
        &format!("booking {id} to become {status}"),
        EVENTUALLY,
        || async {
            let b = booking(app, token, id).await;
            (b["status"] == status).then_some(b)
        },
    )
    .await
}
