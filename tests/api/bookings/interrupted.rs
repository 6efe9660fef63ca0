//! A payment cut off by `kill -9` in the middle of its charge: at start-up it is failed
//! (nothing was taken), the booking can still be paid, and the client's retry with the same
//! `Idempotency-Key` gets a real answer instead of "still in progress" forever.

use super::binary::{PASSWORD, add_admin, customer, pay_keyed, serve_with, statuses};
use super::{card, text, total};
use crate::cli::Workdir;
use crate::helpers::TestApp;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_cut_off_by_kill_9_fails_and_its_key_can_be_retried() {
    let work = Workdir::new();
    add_admin(&work);
    // A long TTL and a card provider slow enough to be killed in the middle of a charge.
    let server = serve_with(&work, 600, 120).await;
    let admin = text(
        &server.login("admin@example.test", PASSWORD).await.body,
        "token",
    );
    let created = server
        .post(
            "/api/v1/events",
            Some(&admin),
            crate::helpers::concert_body(json!({"sections": [{"name": "Stalls", "rows": [
                {"row": "A", "seats": 4}
            ]}]})),
        )
        .await;
    created.assert_status(201);
    let event = text(&created.body, "id");
    let alice = customer(&server, "alice").await;
    let held = server
        .post(
            &format!("/api/v1/events/{event}/holds"),
            Some(&alice),
            json!({"seats": ["A-1"]}),
        )
        .await;
    held.assert_status(201);
    let booked = server
        .post(
            "/api/v1/bookings",
            Some(&alice),
            json!({"hold_id": text(&held.body, "id")}),
        )
        .await;
    booked.assert_status(201);
    let id = text(&booked.body, "id");
    let body = card(super::CARD_NO_ANSWER, total(&booked.body));
    let key = "pay-once-cut-off";
    let hanging = tokio::spawn(pay_keyed(
        server.base_url.clone(),
        alice.clone(),
        format!("/api/v1/bookings/{id}/payments"),
        key,
        body.clone(),
    ));
    // Wait until the charge is under way (its payment recorded, pending), then pull the plug.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let payments = server
            .get(&format!("/api/v1/payments?booking_id={id}"), Some(&admin))
            .await;
        if payments.body["items"][0]["status"] == "pending" {
            break;
        }
        assert!(Instant::now() < deadline, "the payment never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(server);
    assert!(
        hanging.await.expect("task").is_err(),
        "answered after the kill"
    );

    let server = serve_with(&work, 600, 1).await;
    // The cut-off charge failed at start-up; the booking still waits for a payment.
    let payments = server
        .get(&format!("/api/v1/payments?booking_id={id}"), Some(&admin))
        .await;
    assert_eq!(
        payments.body["items"][0]["status"], "failed",
        "{}",
        payments.text
    );
    let pending = server
        .get(&format!("/api/v1/bookings/{id}"), Some(&alice))
        .await;
    assert_eq!(
        pending.body["status"], "pending_payment",
        "{}",
        pending.text
    );
    // The new process counted the payment it failed at start-up, and its live-hold gauge
    // includes the hold it loaded from the store.
    let metrics = crate::telemetry::scrape(&server).await;
    let payments = |outcome: &str| {
        metrics.value(
            "rezerve_payment_outcomes_total",
            &[("method", "test"), ("outcome", outcome)],
        )
    };
    assert_eq!(payments("failed"), 1.0, "{}", metrics.0);
    assert_eq!(payments("succeeded"), 0.0);
    assert_eq!(metrics.value("rezerve_holds_active", &[]), 1.0);
    // The client's retry with the same key runs again (and now times out), rather than
    // being told "still in progress" forever.
    let retry = pay_keyed(
        server.base_url.clone(),
        alice.clone(),
        format!("/api/v1/bookings/{id}/payments"),
        key,
        body.clone(),
    )
    .await
    .expect("retry answered");
    let retry = TestApp::reply(retry).await;
    retry.assert_problem(504, "payment_timeout");
    let failed = server
        .get(&format!("/api/v1/bookings/{id}"), Some(&alice))
        .await;
    assert_eq!(failed.body["status"], "failed", "{}", failed.text);
    let metrics = crate::telemetry::scrape(&server).await;
    assert_eq!(
        metrics.value(
            "rezerve_payment_outcomes_total",
            &[("method", "test"), ("outcome", "failed")]
        ),
        2.0,
        "{}",
        metrics.0
    );
    assert_eq!(metrics.value("rezerve_holds_active", &[]), 0.0);
    let statuses = statuses(&server, &event).await;
    assert_eq!(statuses["A-1"], "available");
    drop(server);
    work.run(&["check"])
        .assert_success()
        .assert_stdout("all checks passed");
}
