//! The real binary, for the tests that `kill -9` it or read its stopped data dir: start
//! `rezerve serve` on a workdir (listening on `127.0.0.1:0`, cheap hashing, a known webhook
//! secret), make the admin with the CLI, and speak the API to it. Built on the CLI tests'
//! process harness, whose guard kills the server (SIGKILL) when dropped.

use super::{CARD_OK, SECRET, card, text, total};
use crate::cli::{Server, Workdir};
use crate::helpers::{Reply, TestApp};
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub const PASSWORD: &str = "correct horse battery";

/// `rezerve serve` with this hold TTL and card-provider timeout.
pub async fn serve_with(work: &Workdir, ttl_seconds: u64, provider_timeout_seconds: u64) -> Server {
    work.cmd(&["serve"])
        .env("REZERVE_SERVER__LISTEN", "127.0.0.1:0")
        .env("REZERVE_HOLDS__TTL_SECONDS", &ttl_seconds.to_string())
        .env(
            "REZERVE_PAYMENTS__PROVIDER_TIMEOUT_SECONDS",
            &provider_timeout_seconds.to_string(),
        )
        .env("REZERVE_AUTH__ARGON2_MEMORY_KIB", "64")
        .env("REZERVE_AUTH__ARGON2_ITERATIONS", "1")
        .env("REZERVE_MAIL__TRANSPORT", "log")
        .env("REZERVE_PAYMENTS__WEBHOOK_SECRET", SECRET)
        .serve()
        .await
}

/// Registers a customer and returns the token.
pub async fn customer(server: &Server, name: &str) -> String {
    let reply = server
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": format!("{name}@example.test"), "password": PASSWORD, "name": name}),
        )
        .await;
    reply.assert_status(201);
    text(&reply.body, "token")
}

/// Every booking, walking the cursor as staff.
pub async fn every_booking(server: &Server, admin: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/bookings?limit=100&cursor={c}"),
            None => "/api/v1/bookings?limit=100".to_string(),
        };
        let page = server.get(&path, Some(admin)).await;
        page.assert_status(200);
        all.extend(
            page.body["items"]
                .as_array()
                .expect("items")
                .iter()
                .cloned(),
        );
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return all,
        }
    }
}

/// Each seat's status by label.
pub async fn statuses(server: &Server, event: &str) -> BTreeMap<String, String> {
    let reply = server
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

/// A booking's tickets as `token` sees them.
pub async fn tickets(server: &Server, token: &str, id: &str) -> Vec<Value> {
    let reply = server
        .get(&format!("/api/v1/bookings/{id}/tickets"), Some(token))
        .await;
    reply.assert_status(200);
    reply.body.as_array().expect("tickets").clone()
}

/// Sends the gateway's signed success callback for a payment.
pub async fn gateway_succeeds(server: &Server, payment_id: &str) -> Reply {
    let body = serde_json::to_vec(
        &json!({"event_id": format!("gw_{payment_id}"), "payment_id": payment_id, "status": "succeeded"}),
    )
    .expect("JSON");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let signature = rezerve::payment::webhook::sign(SECRET.as_bytes(), now, &body);
    let response = server
        .http
        .post(format!(
            "{}/api/v1/payments/webhooks/webhook",
            server.base_url
        ))
        .header("Rezerve-Signature", signature)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("callback sent");
    TestApp::reply(response).await
}

/// Creates the admin with the CLI, before any server runs.
pub fn add_admin(work: &Workdir) {
    work.cmd(&[
        "user",
        "add",
        "--email",
        "admin@example.test",
        "--role",
        "admin",
    ])
    .env("REZERVE_AUTH__ARGON2_MEMORY_KIB", "64")
    .env("REZERVE_AUTH__ARGON2_ITERATIONS", "1")
    .stdin(&format!("{PASSWORD}\n"))
    .run()
    .assert_success();
}

/// POSTs a payment with an Idempotency-Key; `Err` if the server died before answering.
pub async fn pay_keyed(
    base_url: String,
    token: String,
    path: String,
    key: &'static str,
    body: Value,
) -> reqwest::Result<reqwest::Response> {
    reqwest::Client::new()
        .post(format!("{base_url}{path}"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
}

/// Holds `seats` on the real binary as `token` and books them, unpaid; returns the booking.
pub async fn book(server: &Server, token: &str, event: &str, seats: &[&str]) -> Value {
    let held = server
        .post(
            &format!("/api/v1/events/{event}/holds"),
            Some(token),
            json!({ "seats": seats }),
        )
        .await;
    held.assert_status(201);
    let booked = server
        .post(
            "/api/v1/bookings",
            Some(token),
            json!({"hold_id": text(&held.body, "id")}),
        )
        .await;
    booked.assert_status(201);
    booked.body
}

/// Buys `seats` on the real binary as `token`; returns the booking.
pub async fn buy(server: &Server, token: &str, event: &str, seats: &[&str]) -> Value {
    let booked = book(server, token, event, seats).await;
    let id = text(&booked, "id");
    let paid = server
        .post(
            &format!("/api/v1/bookings/{id}/payments"),
            Some(token),
            card(CARD_OK, total(&booked)),
        )
        .await;
    paid.assert_status(201);
    paid.body["booking"].clone()
}
