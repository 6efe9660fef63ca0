//! Many clients at once over the same few seats: whatever interleaving happens, no seat is
//! sold twice — the seat map, the tickets and the confirmed bookings agree — and one booking
//! paid twice at the same moment is paid once.

use super::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeSet;
use std::sync::Arc;

const CLIENTS: usize = 40;
const ROUNDS: usize = 4;
const SEATS: u32 = 8;

/// What one client's attempt ended as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Lost,
    Declined,
    Confirmed,
    Refunded,
}

/// One client's round: hold two adjacent seats, book, pay (sometimes with the declined
/// card), and sometimes cancel the confirmed booking so the next round has seats to fight
/// over.
async fn attempt(app: Arc<TestApp>, token: String, event: String, seed: u64) -> Outcome {
    let mut rng = StdRng::seed_from_u64(seed);
    let first = rng.random_range(1..SEATS);
    let seats = [format!("A-{first}"), format!("A-{}", first + 1)];
    let reply = app
        .post(
            &format!("/api/v1/events/{event}/holds"),
            Some(&token),
            json!({ "seats": seats }),
        )
        .await;
    if reply.status.as_u16() == 409 {
        reply.assert_problem(409, "seat_unavailable");
        return Outcome::Lost;
    }
    reply.assert_status(201);
    let booking = book(&app, &token, &text(&reply.body, "id")).await;
    booking.assert_status(201);
    let (id, price) = (text(&booking.body, "id"), total(&booking.body));
    let number = if rng.random_bool(0.2) {
        CARD_DECLINED
    } else {
        CARD_OK
    };
    let paid = pay(&app, &token, &id, card(number, price)).await;
    if number == CARD_DECLINED {
        paid.assert_problem(402, "payment_declined");
        return Outcome::Declined;
    }
    paid.assert_status(201);
    assert_eq!(paid.body["booking"]["status"], "confirmed", "{}", paid.text);
    if rng.random_bool(0.4) {
        let cancelled = app
            .post(
                &format!("/api/v1/bookings/{id}/cancel"),
                Some(&token),
                json!({}),
            )
            .await;
        cancelled.assert_status(200);
        assert_eq!(cancelled.body["status"], "refunded", "{}", cancelled.text);
        return Outcome::Refunded;
    }
    Outcome::Confirmed
}

/// Every booking, walking the cursor as staff.
async fn every_booking(app: &TestApp, admin: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/bookings?limit=100&cursor={c}"),
            None => "/api/v1/bookings?limit=100".to_string(),
        };
        let page = app.get(&path, Some(admin)).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_clients_over_few_seats_never_sell_a_seat_twice() {
    let app = Arc::new(spawn().await);
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 1, SEATS).await;
    let mut tokens = Vec::new();
    for i in 0..CLIENTS {
        tokens.push(app.customer(&format!("racer{i}")).await);
    }
    let base_seed = time::OffsetDateTime::now_utc().unix_timestamp_nanos() as u64;
    eprintln!("seed: {base_seed}");

    let mut outcomes = Vec::new();
    for round in 0..ROUNDS {
        let clients: Vec<_> = tokens
            .iter()
            .enumerate()
            .map(|(i, token)| {
                let seed = base_seed.wrapping_add((round * CLIENTS + i) as u64);
                tokio::spawn(attempt(
                    Arc::clone(&app),
                    token.clone(),
                    event.clone(),
                    seed,
                ))
            })
            .collect();
        for client in clients {
            outcomes.push(client.await.expect("client task"));
        }
    }
    let won = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Confirmed | Outcome::Refunded))
        .count();
    assert!(won > 0, "nobody ever bought a seat: {outcomes:?}");
    assert!(
        outcomes.contains(&Outcome::Lost),
        "the clients never collided: {outcomes:?}"
    );

    // The three views of what is sold agree, and no seat is in two live sales.
    let bookings = every_booking(&app, &admin).await;
    let confirmed: Vec<&Value> = bookings
        .iter()
        .filter(|b| b["status"] == "confirmed")
        .collect();
    assert_eq!(
        confirmed.len(),
        outcomes
            .iter()
            .filter(|o| **o == Outcome::Confirmed)
            .count()
    );
    let mut booked_seats = BTreeSet::new();
    for b in &confirmed {
        for seat in b["seats"].as_array().expect("seats") {
            let seat = seat.as_str().expect("label").to_string();
            assert!(booked_seats.insert(seat.clone()), "{seat} sold twice");
        }
    }
    let mut live_tickets = BTreeSet::new();
    for b in &bookings {
        let id = text(b, "id");
        for ticket in tickets(&app, &admin, &id).await {
            match b["status"].as_str() {
                Some("confirmed") => {
                    assert_eq!(ticket["status"], "valid", "{ticket}");
                    assert!(
                        live_tickets.insert(text(&ticket, "seat")),
                        "two live tickets for {ticket}"
                    );
                }
                Some("refunded") => assert_eq!(ticket["status"], "void", "{ticket}"),
                other => panic!("a {other:?} booking has a ticket: {ticket}"),
            }
        }
        if b["status"] == "refunded" {
            let payments = payments_of(&app, &admin, &id).await;
            assert!(
                payments
                    .iter()
                    .any(|p| p["refund"]["booking_id"] == id.as_str()),
                "refunded booking {id} without a refund: {payments:?}"
            );
        }
    }
    let seat_map = statuses(&app, &event).await;
    let sold: BTreeSet<String> = seat_map
        .iter()
        .filter(|(_, s)| *s == "sold")
        .map(|(l, _)| l.clone())
        .collect();
    assert_eq!(sold, booked_seats);
    assert_eq!(sold, live_tickets);
    assert!(
        seat_map.values().all(|s| s == "sold" || s == "available"),
        "a seat is still held: {seat_map:?}"
    );
    assert_check_ok(&app, &admin).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_payments_at_once_pay_a_booking_once() {
    let app = Arc::new(spawn().await);
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 2, 10).await;
    for n in 1..=10 {
        let seat = format!("A-{n}");
        let b = booked(&app, &alice, &event, &[seat.as_str()]).await;
        let (id, price) = (text(&b, "id"), total(&b));
        let path = format!("/api/v1/bookings/{id}/payments");
        // Two keys: two different requests as far as the server can tell.
        let send = |key: String| {
            let (app, alice, path) = (Arc::clone(&app), alice.clone(), path.clone());
            tokio::spawn(async move {
                app.post_with(
                    &path,
                    Some(&alice),
                    &[("Idempotency-Key", key.as_str())],
                    card(CARD_OK, price),
                )
                .await
            })
        };
        let (one, two) = (send(format!("{id}-first")), send(format!("{id}-second")));
        let replies = [one.await.expect("task"), two.await.expect("task")];
        let won: Vec<&Reply> = replies
            .iter()
            .filter(|r| r.status.as_u16() == 201)
            .collect();
        assert_eq!(won.len(), 1, "{replies:?}");
        let lost = replies
            .iter()
            .find(|r| r.status.as_u16() != 201)
            .expect("a loser");
        assert_eq!(lost.status.as_u16(), 409, "{}", lost.text);
        assert!(
            ["already_paid", "payment_in_progress"]
                .contains(&lost.body["code"].as_str().unwrap_or("")),
            "{}",
            lost.text
        );
        let payments = payments_of(&app, &admin, &id).await;
        let succeeded = payments
            .iter()
            .filter(|p| p["status"] == "succeeded")
            .count();
        assert_eq!(succeeded, 1, "{payments:?}");
        assert_eq!(status_of(&app, &alice, &id).await, "confirmed");
        assert_eq!(tickets(&app, &alice, &id).await.len(), 1);
    }
    assert_check_ok(&app, &admin).await;
}
