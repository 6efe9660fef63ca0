//! `Idempotency-Key`: a retried request (same key, same body) gets the first response again
//! and moves no more money and takes no more seats; the same key with another body is 409.

use super::*;

const REPLAYED: &str = "idempotent-replayed";

#[tokio::test]
async fn a_retried_payment_replays_the_first_answer_and_pays_once() {
    let app = spawn().await;
    let admin = app.admin().await;
    let (alice, bob) = (app.customer("alice").await, app.customer("bob").await);
    let event = app.create_concert(&admin, 1, 10).await;
    let b = booked(&app, &alice, &event, &["A-1"]).await;
    let (id, price) = (text(&b, "id"), total(&b));
    let path = format!("/api/v1/bookings/{id}/payments");
    let key = [("Idempotency-Key", "pay-once-7f3a")];

    let first = app
        .post_with(&path, Some(&alice), &key, card(CARD_OK, price))
        .await;
    first.assert_status(201);
    assert!(first.headers.get(REPLAYED).is_none());
    let payment_id = text(&first.body["payment"], "id");

    for _ in 0..3 {
        let again = app
            .post_with(&path, Some(&alice), &key, card(CARD_OK, price))
            .await;
        again.assert_status(201);
        assert_eq!(
            again.headers.get(REPLAYED).and_then(|v| v.to_str().ok()),
            Some("true"),
            "{:?}",
            again.headers
        );
        assert_eq!(again.body["payment"]["id"], payment_id.as_str());
        assert_eq!(again.body, first.body);
    }
    // Same key, another body: refused, nothing paid.
    let conflict = app
        .post_with(&path, Some(&alice), &key, card(CARD_DECLINED, price))
        .await;
    conflict.assert_problem(409, "idempotency_conflict");
    // Keys are per caller: Bob's use of the same key is his own request (and not his booking).
    app.post_with(&path, Some(&bob), &key, card(CARD_OK, price))
        .await
        .assert_problem(404, "not_found");

    let payments = payments_of(&app, &admin, &id).await;
    assert_eq!(payments.len(), 1, "{payments:?}");
    assert_eq!(payments[0]["id"], payment_id.as_str());
    assert_eq!(status_of(&app, &alice, &id).await, "confirmed");
    assert_eq!(tickets(&app, &alice, &id).await.len(), 1);
    assert_eq!(jobs_of(&app, &admin, "payment-succeeded").await.len(), 1);
}

#[tokio::test]
async fn a_replayed_decline_is_the_same_decline() {
    let app = spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 10).await;
    let b = booked(&app, &alice, &event, &["A-1"]).await;
    let (id, price) = (text(&b, "id"), total(&b));
    let path = format!("/api/v1/bookings/{id}/payments");
    let key = [("Idempotency-Key", "declined-once")];
    let first = app
        .post_with(&path, Some(&alice), &key, card(CARD_DECLINED, price))
        .await;
    first.assert_problem(402, "payment_declined");
    let again = app
        .post_with(&path, Some(&alice), &key, card(CARD_DECLINED, price))
        .await;
    again.assert_problem(402, "payment_declined");
    assert_eq!(
        again.headers.get(REPLAYED).and_then(|v| v.to_str().ok()),
        Some("true")
    );
    assert_eq!(payments_of(&app, &admin, &id).await.len(), 1);
}

#[tokio::test]
async fn a_retried_booking_replays_the_first_booking() {
    let app = spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 10).await;
    let first_hold = text(&hold(&app, &alice, &event, &["A-1"]).await, "id");
    let second_hold = text(&hold(&app, &alice, &event, &["A-2"]).await, "id");
    let key = [("Idempotency-Key", "book-3c9e")];

    let first = app
        .post_with(
            "/api/v1/bookings",
            Some(&alice),
            &key,
            json!({"hold_id": first_hold}),
        )
        .await;
    first.assert_status(201);
    let again = app
        .post_with(
            "/api/v1/bookings",
            Some(&alice),
            &key,
            json!({"hold_id": first_hold}),
        )
        .await;
    again.assert_status(201);
    assert_eq!(
        again.headers.get(REPLAYED).and_then(|v| v.to_str().ok()),
        Some("true")
    );
    assert_eq!(again.body["id"], first.body["id"]);
    let conflict = app
        .post_with(
            "/api/v1/bookings",
            Some(&alice),
            &key,
            json!({"hold_id": second_hold}),
        )
        .await;
    conflict.assert_problem(409, "idempotency_conflict");
    // Keys that are no keys.
    let long = "k".repeat(201);
    app.post_with(
        "/api/v1/bookings",
        Some(&alice),
        &[("Idempotency-Key", long.as_str())],
        json!({"hold_id": second_hold}),
    )
    .await
    .assert_problem(422, "validation_failed");

    let list = app.get("/api/v1/bookings", Some(&alice)).await;
    let items = list.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{}", list.text);
    assert_eq!(items[0]["id"], first.body["id"]);
    // The second hold is untouched and still bookable without the key.
    book(&app, &alice, &second_hold).await.assert_status(201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_request_twice_at_once_pays_once() {
    let app = std::sync::Arc::new(spawn().await);
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 10).await;
    for n in 1..=5 {
        let seat = format!("A-{n}");
        let b = booked(&app, &alice, &event, &[seat.as_str()]).await;
        let (id, price) = (text(&b, "id"), total(&b));
        let path = format!("/api/v1/bookings/{id}/payments");
        let key = format!("double-click-{id}");
        let requests: Vec<_> = (0..2)
            .map(|_| {
                let (app, alice, path, key) = (
                    std::sync::Arc::clone(&app),
                    alice.clone(),
                    path.clone(),
                    key.clone(),
                );
                tokio::spawn(async move {
                    app.post_with(
                        &path,
                        Some(&alice),
                        &[("Idempotency-Key", key.as_str())],
                        card(CARD_OK, price),
                    )
                    .await
                })
            })
            .collect();
        let mut paid = Vec::new();
        for request in requests {
            let reply = request.await.expect("task");
            match reply.status.as_u16() {
                201 => paid.push(text(&reply.body["payment"], "id")),
                _ => {
                    reply.assert_problem(409, "idempotency_in_progress");
                }
            }
        }
        assert!(!paid.is_empty(), "neither request paid");
        paid.dedup();
        assert_eq!(paid.len(), 1, "two payments for one key: {paid:?}");
        let payments = payments_of(&app, &admin, &id).await;
        assert_eq!(payments.len(), 1, "{payments:?}");
        // Once the first is done, the key replays it.
        let again = app
            .post_with(
                &path,
                Some(&alice),
                &[("Idempotency-Key", key.as_str())],
                card(CARD_OK, price),
            )
            .await;
        again.assert_status(201);
        assert_eq!(again.body["payment"]["id"], paid[0].as_str());
    }
}
