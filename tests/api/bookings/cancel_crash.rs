//! An event cancellation cut off by `kill -9` of the real binary finishes after the restart.
//! The event is marked cancelled before its bookings are ended; a crash in between used to
//! leave paid, unrefunded bookings of a cancelled event for good, and a retry answered 409.
//! The cancellation is a durable job now: after the restart every paid booking is refunded,
//! every unpaid one cancelled, every hold released, the customer who only held seats is
//! told, `rezerve check` passes, and a retry answers 200 with what the cancellation ended.

use super::binary::{
    PASSWORD, add_admin, book, buy, customer, every_booking, serve_with, statuses,
};
use super::text;
use crate::cli::{Server, Workdir};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Buyers, one row each; each buys `PAID_EACH` pairs of seats and books one more pair unpaid.
const BUYERS: usize = 8;
const PAID_EACH: u32 = 8;
const SEATS_PER_ROW: u32 = 20;
/// The longest the restarted server may take to finish the cancellation.
const FINISH_LIMIT: Duration = Duration::from_secs(60);

fn row(i: usize) -> String {
    ((b'A' + i as u8) as char).to_string()
}

/// The event's bookings by status.
async fn of_event(server: &Server, admin: &str, event: &str) -> Vec<Value> {
    every_booking(server, admin)
        .await
        .into_iter()
        .filter(|b| b["event_id"] == event)
        .collect()
}

/// Waits until every booking of the event has ended (refunded or cancelled); returns them.
async fn all_ended(server: &Server, admin: &str, event: &str) -> Vec<Value> {
    let deadline = Instant::now() + FINISH_LIMIT;
    loop {
        let bookings = of_event(server, admin, event).await;
        if bookings
            .iter()
            .all(|b| b["status"] == "refunded" || b["status"] == "cancelled")
        {
            return bookings;
        }
        assert!(
            Instant::now() < deadline,
            "the cancellation did not finish after the restart: {:?}",
            bookings.iter().map(|b| &b["status"]).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until every seat of the event is available again (the seat index follows the
/// bookings' commit).
async fn all_available(server: &Server, event: &str) {
    let deadline = Instant::now() + FINISH_LIMIT;
    loop {
        let seats = statuses(server, event).await;
        if seats.values().all(|s| s == "available") {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "seats still held or sold: {seats:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_during_an_event_cancellation_finishes_it_after_the_restart() {
    let work = Workdir::new();
    add_admin(&work);
    // Holds outlive the test: only the cancellation may release them.
    let server = serve_with(&work, 600, 10).await;
    let admin = server.login("admin@example.test", PASSWORD).await;
    admin.assert_status(200);
    let admin = text(&admin.body, "token");
    let rows: Vec<Value> = (0..=BUYERS)
        .map(|i| json!({"row": row(i), "seats": SEATS_PER_ROW}))
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
    for i in 0..BUYERS {
        let token = customer(&server, &format!("buyer{i}")).await;
        let r = row(i);
        for pair in 0..PAID_EACH {
            let seats = [
                format!("{r}-{}", 2 * pair + 1),
                format!("{r}-{}", 2 * pair + 2),
            ];
            buy(&server, &token, &event, &[&seats[0], &seats[1]]).await;
        }
        let last = 2 * PAID_EACH + 1;
        let unpaid = [format!("{r}-{last}"), format!("{r}-{}", last + 1)];
        book(&server, &token, &event, &[&unpaid[0], &unpaid[1]]).await;
    }
    // One customer only holds seats.
    let holder = customer(&server, "holder").await;
    let held = server
        .post(
            &format!("/api/v1/events/{event}/holds"),
            Some(&holder),
            json!({"seats": [format!("{}-1", row(BUYERS))]}),
        )
        .await;
    held.assert_status(201);
    let paid = BUYERS * PAID_EACH as usize;
    let unpaid = BUYERS;

    // Cancel, and pull the plug as soon as the event reads cancelled.
    let cancel = {
        let (http, url, token) = (
            server.http.clone(),
            format!("{}/api/v1/events/{event}/cancel", server.base_url),
            admin.clone(),
        );
        tokio::spawn(async move {
            http.post(url)
                .bearer_auth(token)
                .json(&json!({}))
                .send()
                .await
                .map(|r| r.status().as_u16())
        })
    };
    let deadline = Instant::now() + FINISH_LIMIT;
    loop {
        let e = server.get(&format!("/api/v1/events/{event}"), None).await;
        if e.body["status"] == "cancelled" {
            break;
        }
        assert!(Instant::now() < deadline, "the event never read cancelled");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    // SIGKILL: the guard's drop kills and reaps the process; no shutdown code runs.
    drop(server);
    let answered = cancel.await.expect("cancel task").ok();
    eprintln!("the cancel request was answered before the kill: {answered:?}");

    let server = serve_with(&work, 600, 10).await;
    // The restarted server finishes on its own, with nobody asking again.
    let bookings = all_ended(&server, &admin, &event).await;
    let count = |status: &str| bookings.iter().filter(|b| b["status"] == status).count();
    assert_eq!(count("refunded"), paid, "every paid booking refunded");
    assert_eq!(count("cancelled"), unpaid, "every unpaid booking cancelled");
    for b in &bookings {
        assert_eq!(b["status_reason"], "the event was cancelled", "{b}");
    }
    all_available(&server, &event).await;
    server
        .get(
            &format!("/api/v1/holds/{}", text(&held.body, "id")),
            Some(&holder),
        )
        .await
        .assert_problem(404, "not_found");
    // Whoever only held seats is told too.
    let deadline = Instant::now() + FINISH_LIMIT;
    loop {
        let told = server
            .get(
                "/api/v1/notifications?kind=event-cancelled&recipient=holder@example.test",
                Some(&admin),
            )
            .await;
        told.assert_status(200);
        if told.body["items"].as_array().is_some_and(|i| i.len() == 1) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the holder was not told: {}",
            told.text
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Asking again answers what the cancellation did, not a 409.
    let again = server
        .post(
            &format!("/api/v1/events/{event}/cancel"),
            Some(&admin),
            json!({}),
        )
        .await;
    again.assert_status(200);
    assert_eq!(
        again.body["bookings_cancelled"],
        paid + unpaid,
        "{}",
        again.text
    );
    let check = server.get("/api/v1/admin/check", Some(&admin)).await;
    check.assert_status(200);
    assert_eq!(check.body["ok"], true, "{}", check.text);
    drop(server);

    // The stopped data dir: one refund per paid booking, and `rezerve check` agrees.
    let refunds: i64 = work
        .db()
        .query_row(
            "SELECT count(*) FROM refunds r JOIN bookings b ON b.id = r.booking_id
             WHERE b.event_id = ?1",
            [&event],
            |r| r.get(0),
        )
        .expect("query");
    assert_eq!(refunds, paid as i64);
    work.run(&["check"]).assert_success();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancellation_an_earlier_version_left_half_done_finishes_at_start_up() {
    let work = Workdir::new();
    add_admin(&work);
    let mut server = serve_with(&work, 600, 10).await;
    let admin = server.login("admin@example.test", PASSWORD).await;
    admin.assert_status(200);
    let admin = text(&admin.body, "token");
    let created = server
        .post(
            "/api/v1/events",
            Some(&admin),
            crate::helpers::concert_body(
                json!({"sections": [{"name": "Stalls", "rows": [{"row": "A", "seats": 10}]}]}),
            ),
        )
        .await;
    created.assert_status(201);
    let event = text(&created.body, "id");
    let alice = customer(&server, "alice").await;
    let bob = customer(&server, "bob").await;
    let paid = text(&buy(&server, &alice, &event, &["A-1", "A-2"]).await, "id");
    let unpaid = text(&book(&server, &bob, &event, &["A-3"]).await, "id");
    server.terminate();
    drop(server);
    // What the request-bound cancellation left when cut off after its first step.
    work.db_rw()
        .execute(
            "UPDATE events SET status = 'cancelled' WHERE id = ?1",
            [&event],
        )
        .expect("update");

    let server = serve_with(&work, 600, 10).await;
    let bookings = all_ended(&server, &admin, &event).await;
    let status = |id: &str| {
        bookings
            .iter()
            .find(|b| b["id"] == id)
            .map(|b| b["status"].clone())
    };
    assert_eq!(status(&paid), Some(json!("refunded")));
    assert_eq!(status(&unpaid), Some(json!("cancelled")));
    all_available(&server, &event).await;
    let again = server
        .post(
            &format!("/api/v1/events/{event}/cancel"),
            Some(&admin),
            json!({}),
        )
        .await;
    again.assert_status(200);
    assert_eq!(again.body["bookings_cancelled"], 2, "{}", again.text);
    let check = server.get("/api/v1/admin/check", Some(&admin)).await;
    check.assert_status(200);
    assert_eq!(check.body["ok"], true, "{}", check.text);
}
