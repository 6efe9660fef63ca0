//! Bad input and hostile clients: each is a 4xx problem with a stable code, and afterwards
//! nothing has changed — no booking, no payment, no seat moved.

use super::*;

/// Every booking as staff sees them.
async fn all_bookings(app: &TestApp, admin: &str) -> Vec<Value> {
    let reply = app.get("/api/v1/bookings?limit=100", Some(admin)).await;
    reply.assert_status(200);
    reply.body["items"].as_array().expect("items").clone()
}

#[tokio::test]
async fn holds_that_cannot_be_booked_are_refused() {
    let app = spawn().await;
    let admin = app.admin().await;
    let (alice, bob) = (app.customer("alice").await, app.customer("bob").await);
    let event = app.create_concert(&admin, 1, 10).await;

    // Someone else's hold: not found, so hold ids cannot be probed.
    let alices = hold(&app, &alice, &event, &["A-1"]).await;
    book(&app, &bob, &text(&alices, "id"))
        .await
        .assert_problem(404, "not_found");
    book(&app, &bob, "hld_doesnotexist")
        .await
        .assert_problem(404, "not_found");
    assert!(all_bookings(&app, &admin).await.is_empty());
    assert_seats(&app, &event, &["A-1"], "held").await;

    // One hold, booked twice.
    let first = book(&app, &alice, &text(&alices, "id")).await;
    first.assert_status(201);
    book(&app, &alice, &text(&alices, "id"))
        .await
        .assert_problem(409, "hold_already_booked");
    assert_eq!(all_bookings(&app, &admin).await.len(), 1);
    // ... and again once it is paid (the hold has ended as booked).
    pay_ok(&app, &alice, &first.body).await;
    let again = book(&app, &alice, &text(&alices, "id")).await;
    again.assert_problem(409, "hold_already_booked");
    assert_eq!(all_bookings(&app, &admin).await.len(), 1);

    // A customer cannot book on someone else's behalf.
    let other = hold(&app, &alice, &event, &["A-2"]).await;
    let reply = app
        .post(
            "/api/v1/bookings",
            Some(&alice),
            json!({"hold_id": text(&other, "id"), "customer_email": "mallory@example.test"}),
        )
        .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), vec!["customer_email".to_string()]);
    // Bodies the API does not speak.
    app.post("/api/v1/bookings", Some(&alice), json!({}))
        .await
        .assert_status(422);
    app.post(
        "/api/v1/bookings",
        Some(&alice),
        json!({"hold_id": text(&other, "id"), "status": "confirmed"}),
    )
    .await
    .assert_status(422);
    app.send_raw(
        Method::POST,
        "/api/v1/bookings",
        Some(&alice),
        &[],
        Some(b"{\"hold_id\": ".to_vec()),
    )
    .await
    .assert_problem(400, "malformed_request");
    app.post(
        "/api/v1/bookings",
        None,
        json!({"hold_id": text(&other, "id")}),
    )
    .await
    .assert_problem(401, "unauthorized");
    assert_eq!(all_bookings(&app, &admin).await.len(), 1);

    // An expired hold.
    advance_past_ttl(&app);
    book(&app, &alice, &text(&other, "id"))
        .await
        .assert_problem(409, "hold_expired");
    assert_eq!(all_bookings(&app, &admin).await.len(), 1);
    assert_seats(&app, &event, &["A-1"], "sold").await;
    assert_check_ok(&app, &admin).await;
}

#[tokio::test]
async fn staff_book_a_walk_in_for_an_email() {
    let app = spawn().await;
    let admin = app.admin().await;
    let staff = app.account("boxoffice", "staff").await;
    let event = app.create_concert(&admin, 1, 10).await;
    let held = hold(&app, &staff, &event, &["A-1"]).await;
    let reply = app
        .post(
            "/api/v1/bookings",
            Some(&staff),
            json!({"hold_id": text(&held, "id"), "customer_email": " Walk.In@Example.TEST "}),
        )
        .await;
    reply.assert_status(201);
    assert_eq!(reply.body["customer_email"], "walk.in@example.test");
    // Box office takes cash.
    let paid = pay(
        &app,
        &staff,
        &text(&reply.body, "id"),
        json!({"method": "cash", "amount_minor": total(&reply.body)}),
    )
    .await;
    paid.assert_status(201);
    assert_eq!(paid.body["booking"]["status"], "confirmed");
    assert_eq!(paid.body["payment"]["method"], "cash");
    let bad = hold(&app, &staff, &event, &["A-2"]).await;
    let reply = app
        .post(
            "/api/v1/bookings",
            Some(&staff),
            json!({"hold_id": text(&bad, "id"), "customer_email": "not an email"}),
        )
        .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), vec!["customer_email".to_string()]);
}

#[tokio::test]
async fn a_walk_in_without_email_is_staffs_to_book_and_excludes_an_email() {
    let app = spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let staff = app.account("boxoffice", "staff").await;
    let event = app.create_concert(&admin, 1, 10).await;
    // A customer cannot book as a walk-in (they have an email: their own).
    let theirs = hold(&app, &alice, &event, &["A-1"]).await;
    let reply = app
        .post(
            "/api/v1/bookings",
            Some(&alice),
            json!({"hold_id": text(&theirs, "id"), "walk_in": true}),
        )
        .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), vec!["walk_in".to_string()]);
    // A walk-in gives an email or none, not both.
    let held = hold(&app, &staff, &event, &["A-2"]).await;
    let both = json!({"hold_id": text(&held, "id"), "walk_in": true,
                      "customer_email": "guest@example.test"});
    let reply = app.post("/api/v1/bookings", Some(&staff), both).await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), vec!["walk_in".to_string()]);
    assert!(all_bookings(&app, &admin).await.is_empty());
    // Refused requests booked nothing; the walk-in's booking has no email at all.
    let reply = app
        .post(
            "/api/v1/bookings",
            Some(&staff),
            json!({"hold_id": text(&held, "id"), "walk_in": true}),
        )
        .await;
    reply.assert_status(201);
    assert_eq!(reply.body["customer_email"], Value::Null, "{}", reply.body);
    let id = text(&reply.body, "id");
    let shown = app
        .get(&format!("/api/v1/bookings/{id}"), Some(&admin))
        .await;
    assert_eq!(shown.body["customer_email"], Value::Null, "{}", shown.body);
}

#[tokio::test]
async fn payments_that_must_not_go_through_change_nothing() {
    let app = spawn().await;
    let admin = app.admin().await;
    let (alice, bob) = (app.customer("alice").await, app.customer("bob").await);
    let event = app.create_concert(&admin, 1, 10).await;
    let b = booked(&app, &alice, &event, &["A-1", "A-2"]).await;
    let id = text(&b, "id");
    let total = total(&b);

    let refusals: Vec<(Value, u16, &str, Option<&str>)> = vec![
        (
            card(CARD_OK, total - 1),
            422,
            "validation_failed",
            Some("amount_minor"),
        ),
        (
            card(CARD_OK, total + 1),
            422,
            "validation_failed",
            Some("amount_minor"),
        ),
        (
            card(CARD_OK, 0),
            422,
            "validation_failed",
            Some("amount_minor"),
        ),
        (
            json!({"method": "test", "amount_minor": total, "currency": "USD", "card_number": CARD_OK}),
            422,
            "validation_failed",
            Some("currency"),
        ),
        (
            json!({"method": "cash", "amount_minor": total}),
            403,
            "forbidden",
            None,
        ),
        (
            json!({"method": "bitcoin", "amount_minor": total}),
            422,
            "validation_failed",
            Some("method"),
        ),
        (
            card("4242424242424241", total),
            422,
            "validation_failed",
            Some("card_number"),
        ),
        (
            card("not a card", total),
            422,
            "validation_failed",
            Some("card_number"),
        ),
        (
            json!({"method": "test", "amount_minor": total}),
            422,
            "validation_failed",
            Some("card_number"),
        ),
        (
            json!({"method": "webhook", "amount_minor": total, "card_number": CARD_OK}),
            422,
            "validation_failed",
            Some("card_number"),
        ),
        (
            json!({"method": "test", "amount_minor": total, "card_number": CARD_OK, "status": "succeeded"}),
            422,
            "validation_failed",
            None,
        ),
    ];
    for (body, status, code, field) in refusals {
        let reply = pay(&app, &alice, &id, body.clone()).await;
        reply.assert_problem(status, code);
        if let Some(field) = field {
            assert_eq!(reply.error_fields(), vec![field.to_string()], "{body}");
        }
    }
    // Another customer's booking is not found; nobody anonymous pays.
    pay(&app, &bob, &id, card(CARD_OK, total))
        .await
        .assert_problem(404, "not_found");
    pay(&app, &bob, "bkg_doesnotexist", card(CARD_OK, total))
        .await
        .assert_problem(404, "not_found");
    app.post(
        &format!("/api/v1/bookings/{id}/payments"),
        None,
        card(CARD_OK, total),
    )
    .await
    .assert_problem(401, "unauthorized");
    assert!(payments_of(&app, &admin, &id).await.is_empty());
    assert_eq!(status_of(&app, &alice, &id).await, "pending_payment");
    assert_seats(&app, &event, &["A-1", "A-2"], "held").await;

    // Paid once; paying twice is refused and changes nothing.
    pay_ok(&app, &alice, &b).await;
    pay(&app, &alice, &id, card(CARD_OK, total))
        .await
        .assert_problem(409, "already_paid");
    pay(
        &app,
        &alice,
        &id,
        json!({"method": "webhook", "amount_minor": total}),
    )
    .await
    .assert_problem(409, "already_paid");
    let payments = payments_of(&app, &admin, &id).await;
    assert_eq!(payments.len(), 1, "{payments:?}");
    assert_eq!(tickets(&app, &alice, &id).await.len(), 2);
    assert_check_ok(&app, &admin).await;
}

#[tokio::test]
async fn cancelled_and_expired_bookings_cannot_be_paid() {
    let app = spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 10).await;

    let cancelled = booked(&app, &alice, &event, &["A-1"]).await;
    let cancelled_total = total(&cancelled);
    let cancelled = text(&cancelled, "id");
    app.post(
        &format!("/api/v1/bookings/{cancelled}/cancel"),
        Some(&alice),
        json!({}),
    )
    .await
    .assert_status(200);
    pay(&app, &alice, &cancelled, card(CARD_OK, cancelled_total))
        .await
        .assert_problem(409, "booking_not_payable");
    assert_eq!(status_of(&app, &alice, &cancelled).await, "cancelled");
    assert!(payments_of(&app, &alice, &cancelled).await.is_empty());

    let late = booked(&app, &alice, &event, &["A-2"]).await;
    let late_total = total(&late);
    let late = text(&late, "id");
    advance_past_ttl(&app);
    // Refused whether or not the expiry task has got to it yet.
    pay(&app, &alice, &late, card(CARD_OK, late_total))
        .await
        .assert_problem(409, "booking_expired");
    wait_for_status(&app, &alice, &late, "expired").await;
    pay(&app, &alice, &late, card(CARD_OK, late_total))
        .await
        .assert_problem(409, "booking_expired");
    assert!(payments_of(&app, &alice, &late).await.is_empty());
    assert!(tickets(&app, &alice, &late).await.is_empty());
    assert_seats(&app, &event, &["A-1", "A-2"], "available").await;
    let expired = jobs_of(&app, &admin, "booking-expired").await;
    assert_eq!(expired.len(), 1, "{expired:?}");
    assert_eq!(payload_of(&expired[0])["booking_id"], late.as_str());
    assert_check_ok(&app, &admin).await;
}
