//! `kill -9` of the real binary in the middle of many booking flows. After the restart every
//! confirmation that was acknowledged (201) is still confirmed with its tickets, every
//! interrupted saga ends — confirmed, failed, expired or cancelled, never pending forever —
//! no seat has two live tickets, and `rezerve check` passes on the stopped data dir.
//!
//! A payment cut off mid-charge has its own test in `interrupted.rs`.

use super::binary::{
    PASSWORD, add_admin, customer, every_booking, gateway_succeeds, serve_with, statuses, tickets,
};
use super::{CARD_DECLINED, CARD_OK, card, text, total};
use crate::cli::{Server, Workdir};
use crate::helpers::{Reply, TestApp};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Holds (and so unpaid bookings) live this long: short, so the test can wait it out.
const TTL_SECONDS: u64 = 5;
const CLIENTS: usize = 24;
/// Confirmations to see acknowledged before pulling the plug.
const ACKS_BEFORE_KILL: usize = 25;
const ROWS: [&str; 4] = ["A", "B", "C", "D"];
const SEATS_PER_ROW: u32 = 10;

/// `rezerve serve` on the workdir's data dir: short TTL, cheap hashing, a known webhook secret.
async fn serve(work: &Workdir) -> Server {
    serve_with(work, TTL_SECONDS, 10).await
}

/// What clients saw acknowledged before the crash.
#[derive(Debug, Default)]
struct Seen {
    /// booking id → seats, of payments answered 201 confirmed (and not cancelled since).
    confirmed: BTreeMap<String, Vec<String>>,
    /// Confirmed bookings whose cancel was sent but not answered: either outcome is fine.
    cancelling: BTreeSet<String>,
    /// Bookings whose cancel was answered 200 refunded.
    refunded: BTreeSet<String>,
    /// Gateway payments answered 202 pending: payment id → booking id.
    pending_gateway: BTreeMap<String, String>,
    /// Every booking answered 201.
    booked: BTreeSet<String>,
    /// Payments sent but never answered (the server died): (token, booking id, key, body).
    unanswered: Vec<(String, String, String, Value)>,
}

/// One client's HTTP, stopping at the first transport error (the server died).
struct Client {
    http: reqwest::Client,
    base_url: String,
    token: String,
}

impl Client {
    async fn post(&self, path: &str, body: Value) -> Option<Reply> {
        self.post_with(path, &[], body).await
    }

    async fn post_with(&self, path: &str, headers: &[(&str, &str)], body: Value) -> Option<Reply> {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base_url))
            .bearer_auth(&self.token)
            .json(&body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.ok()?;
        let status = response.status();
        let headers = response.headers().clone();
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let text = response.text().await.ok()?;
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Some(Reply {
            status,
            content_type,
            headers,
            body,
            text,
        })
    }
}

/// Random flows until the server dies: hold one or two seats, book, then pay by card (now
/// and then declined), by gateway (left pending), or not at all; cancel some confirmed ones.
async fn flows(client: Client, event: String, seed: u64, seen: Arc<Mutex<Seen>>) {
    let mut rng = StdRng::seed_from_u64(seed);
    for _ in 0..5_000 {
        let row = ROWS[rng.random_range(0..ROWS.len())];
        let first = rng.random_range(1..SEATS_PER_ROW);
        let count = rng.random_range(1..=2u32);
        let seats: Vec<String> = (first..first + count)
            .map(|n| format!("{row}-{n}"))
            .collect();
        let Some(held) = client
            .post(
                &format!("/api/v1/events/{event}/holds"),
                json!({ "seats": seats }),
            )
            .await
        else {
            return;
        };
        if held.status.as_u16() != 201 {
            continue;
        }
        let Some(booked) = client
            .post(
                "/api/v1/bookings",
                json!({"hold_id": text(&held.body, "id")}),
            )
            .await
        else {
            return;
        };
        if booked.status.as_u16() != 201 {
            continue;
        }
        let id = text(&booked.body, "id");
        seen.lock().expect("seen").booked.insert(id.clone());
        let total = total(&booked.body);
        let path = format!("/api/v1/bookings/{id}/payments");
        let body = match rng.random_range(0..10) {
            0 => continue,
            1 => card(CARD_DECLINED, total),
            2 => json!({"method": "webhook", "amount_minor": total}),
            _ => card(CARD_OK, total),
        };
        // Every payment carries a key, so it can be retried after the crash.
        let key = format!("pay-{id}");
        let Some(paid) = client
            .post_with(&path, &[("Idempotency-Key", key.as_str())], body.clone())
            .await
        else {
            seen.lock()
                .expect("seen")
                .unanswered
                .push((client.token.clone(), id, key, body));
            return;
        };
        match paid.status.as_u16() {
            201 => {
                assert_eq!(paid.body["booking"]["status"], "confirmed", "{}", paid.text);
                seen.lock()
                    .expect("seen")
                    .confirmed
                    .insert(id.clone(), seats);
            }
            202 => {
                let payment = text(&paid.body["payment"], "id");
                seen.lock()
                    .expect("seen")
                    .pending_gateway
                    .insert(payment, id.clone());
                continue;
            }
            _ => continue,
        }
        if rng.random_bool(0.2) {
            {
                let mut seen = seen.lock().expect("seen");
                seen.confirmed.remove(&id);
                seen.cancelling.insert(id.clone());
            }
            let Some(cancelled) = client
                .post(&format!("/api/v1/bookings/{id}/cancel"), json!({}))
                .await
            else {
                return;
            };
            cancelled.assert_status(200);
            let mut seen = seen.lock().expect("seen");
            seen.cancelling.remove(&id);
            seen.refunded.insert(id);
        }
    }
}

/// How many bookings ended in each status.
fn count_statuses(bookings: &[Value]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for b in bookings {
        *counts.entry(text(b, "status")).or_insert(0) += 1;
    }
    counts
}

/// Runs the clients until enough confirmations are acknowledged, then `kill -9`s the server
/// with the clients still busy; returns what they saw.
async fn burst_then_kill(server: Server, tokens: &[String], event: &str) -> Seen {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let base_seed = time::OffsetDateTime::now_utc().unix_timestamp_nanos() as u64;
    eprintln!("seed: {base_seed}");
    let clients: Vec<_> = tokens
        .iter()
        .enumerate()
        .map(|(i, token)| {
            let client = Client {
                http: reqwest::Client::builder()
                    .timeout(Duration::from_secs(60))
                    .build()
                    .expect("client"),
                base_url: server.base_url.clone(),
                token: token.clone(),
            };
            tokio::spawn(flows(
                client,
                event.to_string(),
                base_seed.wrapping_add(i as u64),
                Arc::clone(&seen),
            ))
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if seen.lock().expect("seen").confirmed.len() >= ACKS_BEFORE_KILL {
            break;
        }
        assert!(Instant::now() < deadline, "the clients got nothing done");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // SIGKILL: the guard's drop kills and reaps the process; no shutdown code runs.
    drop(server);
    for client in clients {
        client.await.expect("client task");
    }
    std::mem::take(&mut *seen.lock().expect("seen"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_mid_flow_keeps_every_acknowledged_confirmation_and_ends_every_saga() {
    let work = Workdir::new();
    add_admin(&work);
    let server = serve(&work).await;
    let admin = server.login("admin@example.test", PASSWORD).await;
    admin.assert_status(200);
    let admin = text(&admin.body, "token");
    let rows: Vec<Value> = ROWS
        .iter()
        .map(|r| json!({"row": r, "seats": SEATS_PER_ROW}))
        .collect();
    let created = server
        .post(
            "/api/v1/events",
            Some(&admin),
            crate::helpers::concert_body(json!({"sections": [{"name": "Stalls", "rows": rows}]})),
        )
        .await;
    created.assert_status(201);
    let event = text(&created.body, "id");
    let mut tokens = Vec::new();
    for i in 0..CLIENTS {
        tokens.push(customer(&server, &format!("flow{i}")).await);
    }

    let seen = burst_then_kill(server, &tokens, &event).await;
    assert!(seen.confirmed.len() >= ACKS_BEFORE_KILL, "{seen:?}");

    let server = serve(&work).await;
    // Every acknowledged confirmation survived, with its tickets and its seats sold.
    let seats = statuses(&server, &event).await;
    for (id, booked_seats) in &seen.confirmed {
        let reply = server
            .get(&format!("/api/v1/bookings/{id}"), Some(&admin))
            .await;
        reply.assert_status(200);
        assert_eq!(
            reply.body["status"], "confirmed",
            "acknowledged {id}: {}",
            reply.text
        );
        assert_eq!(reply.body["seats"], json!(booked_seats), "{id}");
        let issued = tickets(&server, &admin, id).await;
        assert_eq!(issued.len(), booked_seats.len(), "{id}: {issued:?}");
        for ticket in &issued {
            assert_eq!(ticket["status"], "valid", "{ticket}");
            assert_eq!(seats[&text(ticket, "seat")], "sold", "{ticket}");
        }
    }
    // A payment the crash cut off is retried with its key: a real answer (replayed, or run
    // again on the restarted server), never "still in progress" forever.
    for (token, id, key, body) in &seen.unanswered {
        let response = server
            .http
            .post(format!("{}/api/v1/bookings/{id}/payments", server.base_url))
            .bearer_auth(token)
            .header("Idempotency-Key", key.as_str())
            .json(body)
            .send()
            .await
            .expect("retry sent");
        let retry = TestApp::reply(response).await;
        assert!(
            retry.status.as_u16() < 500 && retry.body["code"] != "idempotency_in_progress",
            "retry of {key}: {}",
            retry.text
        );
        if retry.status.as_u16() == 201 {
            assert_eq!(
                retry.body["booking"]["status"], "confirmed",
                "{}",
                retry.text
            );
        }
    }
    eprintln!(
        "acknowledged before the kill: {} confirmed, {} refunded, {} cancelling, {} gateway \
         payments pending, {} bookings; {} payments cut off",
        seen.confirmed.len(),
        seen.refunded.len(),
        seen.cancelling.len(),
        seen.pending_gateway.len(),
        seen.booked.len(),
        seen.unanswered.len()
    );
    for id in &seen.refunded {
        let reply = server
            .get(&format!("/api/v1/bookings/{id}"), Some(&admin))
            .await;
        assert_eq!(reply.body["status"], "refunded", "{id}: {}", reply.text);
    }
    // The gateway calls back for what it took: each ends confirmed, or failed and refunded.
    for (payment_id, booking_id) in &seen.pending_gateway {
        let reply = gateway_succeeds(&server, payment_id).await;
        reply.assert_status(200);
        let payment = server
            .get(&format!("/api/v1/payments/{payment_id}"), Some(&admin))
            .await;
        let status = server
            .get(&format!("/api/v1/bookings/{booking_id}"), Some(&admin))
            .await
            .body["status"]
            .clone();
        match status.as_str() {
            Some("confirmed") => assert_eq!(payment.body["refund"], Value::Null),
            Some("failed" | "cancelled" | "refunded") => {
                assert!(payment.body["refund"].is_object(), "{}", payment.text)
            }
            other => panic!("gateway-paid booking {booking_id} ended {other:?}"),
        }
    }

    // After the TTL nothing is pending: each saga ended one way or the other.
    let deadline = Instant::now() + Duration::from_secs(TTL_SECONDS * 4 + 20);
    let bookings = loop {
        let bookings = every_booking(&server, &admin).await;
        if bookings.iter().all(|b| b["status"] != "pending_payment") {
            break bookings;
        }
        assert!(
            Instant::now() < deadline,
            "bookings left pending: {:?}",
            bookings
                .iter()
                .filter(|b| b["status"] == "pending_payment")
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let ids: BTreeSet<String> = bookings.iter().map(|b| text(b, "id")).collect();
    assert!(
        seen.booked.is_subset(&ids),
        "an acknowledged booking vanished"
    );
    let payments = server
        .get("/api/v1/payments?status=pending&limit=100", Some(&admin))
        .await;
    payments.assert_status(200);
    for p in payments.body["items"].as_array().expect("items") {
        assert_eq!(p["method"], "webhook", "a card payment left pending: {p}");
    }

    // The seat map, the tickets and the confirmed bookings agree: nothing sold twice.
    let mut confirmed_seats = BTreeSet::new();
    let mut live = BTreeSet::new();
    for b in &bookings {
        let id = text(b, "id");
        let status = text(b, "status");
        assert!(
            ["confirmed", "failed", "expired", "cancelled", "refunded"].contains(&status.as_str()),
            "{b}"
        );
        if status == "confirmed" {
            for seat in b["seats"].as_array().expect("seats") {
                let seat = seat.as_str().expect("label").to_string();
                assert!(confirmed_seats.insert(seat.clone()), "{seat} sold twice");
            }
        }
        for ticket in tickets(&server, &admin, &id).await {
            if ticket["status"] != "void" {
                assert_eq!(
                    status, "confirmed",
                    "live ticket of a {status} booking: {ticket}"
                );
                assert!(
                    live.insert(text(&ticket, "seat")),
                    "two live tickets: {ticket}"
                );
            }
        }
    }
    let seats = statuses(&server, &event).await;
    let sold: BTreeSet<String> = seats
        .iter()
        .filter(|(_, s)| *s == "sold")
        .map(|(l, _)| l.clone())
        .collect();
    assert_eq!(sold, confirmed_seats);
    assert_eq!(sold, live);
    let check = server.get("/api/v1/admin/check", Some(&admin)).await;
    check.assert_status(200);
    assert_eq!(check.body["ok"], true, "{}", check.text);
    drop(server);

    // The stopped data dir: the unique index and `rezerve check` agree.
    let doubles: i64 = work
        .db()
        .query_row(
            "SELECT count(*) FROM (SELECT 1 FROM ticket_legs WHERE live = 1
                 GROUP BY event_id, seat_label, leg HAVING count(*) > 1)",
            [],
            |r| r.get(0),
        )
        .expect("query");
    assert_eq!(doubles, 0);
    let check = work.run(&["check"]);
    check.assert_success();
    for line in [
        "ok    no seat-leg with two live tickets",
        "ok    every booking totals its quoted prices",
        "ok    every confirmed booking has its seats' tickets and is paid in full",
        "ok    every refund matches a payment",
        "ok    no booking stuck between states",
        "all checks passed",
    ] {
        check.assert_stdout(line);
    }
    eprintln!("final statuses: {:?}", count_statuses(&bookings));
}
