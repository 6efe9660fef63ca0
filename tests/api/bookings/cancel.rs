//! Cancelling: a paid booking is refunded (a refund of its own), its tickets void and its
//! seats back on sale; an unpaid one releases its hold; an admin's event cancel does this for
//! every booking of the event and tells every holder.

use super::*;

#[tokio::test]
async fn the_owner_cancels_a_paid_booking_and_gets_a_refund() {
    let app = spawn().await;
    let admin = app.admin().await;
    let (alice, bob) = (app.customer("alice").await, app.customer("bob").await);
    let event = app.create_concert(&admin, 1, 10).await;
    let b = bought(&app, &alice, &event, &["A-1", "A-2"]).await;
    let id = text(&b, "id");
    let payment_id = text(&payments_of(&app, &alice, &id).await[0], "id");
    let path = format!("/api/v1/bookings/{id}/cancel");

    let reply = app.post(&path, Some(&alice), json!({})).await;
    reply.assert_status(200);
    assert_eq!(reply.body["status"], "refunded", "{}", reply.text);
    assert_eq!(status_of(&app, &alice, &id).await, "refunded");
    let refunded = payment(&app, &alice, &payment_id).await;
    assert_eq!(refunded["status"], "succeeded");
    assert_eq!(refunded["refund"]["amount_minor"], total(&b), "{refunded}");
    assert_eq!(refunded["refund"]["booking_id"], id.as_str());
    for ticket in tickets(&app, &alice, &id).await {
        assert_eq!(ticket["status"], "void", "{ticket}");
    }
    assert_seats(&app, &event, &["A-1", "A-2"], "available").await;
    // The seats sell again.
    bought(&app, &bob, &event, &["A-1", "A-2"]).await;

    // Twice is once.
    app.post(&path, Some(&alice), json!({}))
        .await
        .assert_problem(409, "booking_not_cancellable");
    let payments = payments_of(&app, &admin, &id).await;
    assert_eq!(payments.len(), 1, "{payments:?}");
    let cancelled = jobs_of(&app, &admin, "booking-cancelled").await;
    assert_eq!(cancelled.len(), 1, "{cancelled:?}");
    let body = payload_of(&cancelled[0]);
    assert_eq!(body["booking_id"], id.as_str());
    assert_eq!(body["refund_minor"], total(&b));
    assert_check_ok(&app, &admin).await;
}

#[tokio::test]
async fn a_pending_booking_cancelled_releases_its_hold() {
    let app = spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 10).await;
    let b = booked(&app, &alice, &event, &["A-3"]).await;
    let id = text(&b, "id");
    let reply = app
        .post(
            &format!("/api/v1/bookings/{id}/cancel"),
            Some(&alice),
            json!({}),
        )
        .await;
    reply.assert_status(200);
    assert_eq!(reply.body["status"], "cancelled", "{}", reply.text);
    assert_seats(&app, &event, &["A-3"], "available").await;
    app.get(
        &format!("/api/v1/holds/{}", text(&b, "hold_id")),
        Some(&alice),
    )
    .await
    .assert_problem(404, "not_found");
    assert!(payments_of(&app, &admin, &id).await.is_empty());
    app.post(
        &format!("/api/v1/bookings/{id}/cancel"),
        Some(&alice),
        json!({}),
    )
    .await
    .assert_problem(409, "booking_not_cancellable");
    // Failed and expired bookings are not cancellable either.
    let declined = booked(&app, &alice, &event, &["A-4"]).await;
    let declined_total = total(&declined);
    let declined = text(&declined, "id");
    pay(&app, &alice, &declined, card(CARD_DECLINED, declined_total))
        .await
        .assert_problem(402, "payment_declined");
    app.post(
        &format!("/api/v1/bookings/{declined}/cancel"),
        Some(&alice),
        json!({}),
    )
    .await
    .assert_problem(409, "booking_not_cancellable");
    assert_check_ok(&app, &admin).await;
}

#[tokio::test]
async fn only_the_owner_and_admins_cancel() {
    let app = spawn().await;
    let admin = app.admin().await;
    let staff = app.account("boxoffice", "staff").await;
    let (alice, bob) = (app.customer("alice").await, app.customer("bob").await);
    let event = app.create_concert(&admin, 1, 10).await;
    let id = text(&bought(&app, &alice, &event, &["A-1"]).await, "id");
    let path = format!("/api/v1/bookings/{id}/cancel");

    app.post(&path, Some(&bob), json!({}))
        .await
        .assert_problem(404, "not_found");
    app.post(&path, Some(&staff), json!({}))
        .await
        .assert_problem(403, "forbidden");
    app.post(&path, None, json!({}))
        .await
        .assert_problem(401, "unauthorized");
    assert_eq!(status_of(&app, &alice, &id).await, "confirmed");
    assert_eq!(tickets(&app, &alice, &id).await[0]["status"], "valid");
    assert_seats(&app, &event, &["A-1"], "sold").await;

    // An admin may (a box-office refund).
    let reply = app.post(&path, Some(&admin), json!({})).await;
    reply.assert_status(200);
    assert_eq!(reply.body["status"], "refunded", "{}", reply.text);
    assert_seats(&app, &event, &["A-1"], "available").await;
    // A booking the staff member made for a walk-in is theirs to cancel.
    let held = hold(&app, &staff, &event, &["A-2"]).await;
    let walk_in = app
        .post(
            "/api/v1/bookings",
            Some(&staff),
            json!({"hold_id": text(&held, "id"), "customer_email": "walkin@example.test"}),
        )
        .await;
    walk_in.assert_status(201);
    app.post(
        &format!("/api/v1/bookings/{}/cancel", text(&walk_in.body, "id")),
        Some(&staff),
        json!({}),
    )
    .await
    .assert_status(200);
    assert_check_ok(&app, &admin).await;
}

#[tokio::test]
async fn an_event_cancel_refunds_every_booking_and_tells_every_holder() {
    let app = spawn().await;
    let admin = app.admin().await;
    let (alice, bob, carol) = (
        app.customer("alice").await,
        app.customer("bob").await,
        app.customer("carol").await,
    );
    let event = app.create_concert(&admin, 1, 10).await;
    let other_event = app.create_concert(&admin, 1, 10).await;
    let paid = bought(&app, &alice, &event, &["A-1", "A-2"]).await;
    let paid_total = total(&paid);
    let paid = text(&paid, "id");
    let pending = text(&booked(&app, &bob, &event, &["A-3"]).await, "id");
    let gateway = booked(&app, &carol, &event, &["A-4"]).await;
    let gateway_payment = pay_by_gateway(&app, &carol, &gateway).await;
    let gateway_total = total(&gateway);
    let gateway = text(&gateway, "id");
    let just_held = hold(&app, &carol, &event, &["A-5"]).await;
    let untouched = text(&bought(&app, &alice, &other_event, &["A-1"]).await, "id");

    // Only admins.
    let path = format!("/api/v1/events/{event}/cancel");
    let staff = app.account("boxoffice", "staff").await;
    app.post(&path, Some(&staff), json!({}))
        .await
        .assert_problem(403, "forbidden");
    app.post(&path, Some(&alice), json!({}))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(status_of(&app, &alice, &paid).await, "confirmed");

    let reply = app.post(&path, Some(&admin), json!({})).await;
    reply.assert_status(200);
    assert_eq!(reply.body["bookings_cancelled"], 3, "{}", reply.text);

    assert_eq!(status_of(&app, &alice, &paid).await, "refunded");
    assert_eq!(status_of(&app, &bob, &pending).await, "cancelled");
    assert_eq!(status_of(&app, &carol, &gateway).await, "cancelled");
    let refunded = &payments_of(&app, &alice, &paid).await[0];
    assert_eq!(refunded["refund"]["amount_minor"], paid_total, "{refunded}");
    for ticket in tickets(&app, &alice, &paid).await {
        assert_eq!(ticket["status"], "void", "{ticket}");
    }
    app.get(
        &format!("/api/v1/holds/{}", text(&just_held, "id")),
        Some(&carol),
    )
    .await
    .assert_problem(404, "not_found");
    let seats = statuses(&app, &event).await;
    assert!(
        seats.values().all(|s| s != "held" && s != "sold"),
        "{seats:?}"
    );
    // No new sales, and the gateway's late success is refunded rather than selling.
    app.post(
        &format!("/api/v1/events/{event}/holds"),
        Some(&bob),
        json!({"seats": ["A-6"]}),
    )
    .await
    .assert_problem(409, "event_cancelled");
    let late = webhook(
        &app,
        &callback("evt_after_cancel", &gateway_payment, "succeeded"),
    )
    .await;
    late.assert_status(200);
    assert_eq!(status_of(&app, &carol, &gateway).await, "cancelled");
    let carols = payment(&app, &carol, &gateway_payment).await;
    assert_eq!(carols["refund"]["amount_minor"], gateway_total, "{carols}");
    assert!(tickets(&app, &carol, &gateway).await.is_empty());
    // Asking again (a retry after a lost answer) answers what the cancellation did.
    let again = app.post(&path, Some(&admin), json!({})).await;
    again.assert_status(200);
    assert_eq!(again.body["bookings_cancelled"], 3, "{}", again.text);

    let jobs = jobs_of(&app, &admin, "event-cancelled").await;
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    let body = payload_of(&jobs[0]);
    assert_eq!(body["event_id"], event.as_str());
    let mut holders: Vec<String> = body["holders"]
        .as_array()
        .expect("holders")
        .iter()
        .map(|h| text(h, "customer_email"))
        .collect();
    holders.sort();
    assert_eq!(
        holders,
        [
            "alice@example.test",
            "bob@example.test",
            "carol@example.test"
        ]
    );
    // The other event is not touched.
    assert_eq!(status_of(&app, &alice, &untouched).await, "confirmed");
    assert_seats(&app, &other_event, &["A-1"], "sold").await;
    assert_check_ok(&app, &admin).await;
}

#[tokio::test]
async fn a_hold_booked_after_its_event_was_cancelled_makes_no_booking() {
    let app = spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 10).await;
    let held = hold(&app, &alice, &event, &["A-1"]).await;
    // The window inside a cancellation: its first transaction has marked the event
    // cancelled, and its work (which ends the bookings that exist then and releases the
    // holds) has not run yet, so the hold is still live. A booking made now would outlive
    // the cancellation and could be paid.
    let db = rusqlite::Connection::open(app.data_dir.path().join("rezerve.db")).expect("db");
    db.busy_timeout(std::time::Duration::from_secs(5))
        .expect("timeout");
    let marked = db
        .execute(
            "UPDATE events SET status = 'cancelled' WHERE id = ?1",
            [&event],
        )
        .expect("cancel");
    assert_eq!(marked, 1);

    book(&app, &alice, &text(&held, "id"))
        .await
        .assert_problem(409, "event_cancelled");
    let mine = app.get("/api/v1/bookings", Some(&alice)).await;
    mine.assert_status(200);
    assert_eq!(mine.body["items"], json!([]), "{}", mine.text);
}
