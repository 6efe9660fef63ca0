//! A gateway payment whose callback never comes does not stay `pending` for ever: at the
//! booking's expiry it fails as unanswered, the seats go back on sale and the customer is
//! told, in one email; a success the gateway still reports later is honoured (the same seats
//! if they are free, else a refund) rather than lost.

use super::*;

/// The notifications of one kind to `to`, as the admin sees them.
async fn emails(app: &TestApp, admin: &str, kind: &str, to: &str) -> Vec<Value> {
    let reply = app
        .get(
            &format!("/api/v1/notifications?kind={kind}&recipient={to}"),
            Some(admin),
        )
        .await;
    reply.assert_status(200);
    reply.body["items"].as_array().expect("items").clone()
}

#[tokio::test]
async fn an_unanswered_gateway_payment_fails_at_the_bookings_expiry_and_the_customer_is_told() {
    let app = spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 10).await;
    let b = booked(&app, &alice, &event, &["A-1", "A-2"]).await;
    let id = text(&b, "id");
    let payment_id = pay_by_gateway(&app, &alice, &b).await;

    advance_past_ttl(&app);
    wait_for_status(&app, &alice, &id, "expired").await;
    let failed = eventually("the payment to fail unanswered", EVENTUALLY, || async {
        let p = payment(&app, &alice, &payment_id).await;
        (p["status"] == "failed").then_some(p)
    })
    .await;
    assert_eq!(failed["failure_reason"], "gateway_no_answer", "{failed}");
    assert_seats(&app, &event, &["A-1", "A-2"], "available").await;
    // One email says what happened (not a second about the expiry).
    let told = eventually("alice to be told", EVENTUALLY, || async {
        let told = emails(&app, &admin, "payment-failed", "alice@example.test").await;
        (!told.is_empty()).then_some(told)
    })
    .await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        text(&told[0], "subject").contains("did not go through"),
        "{}",
        told[0]
    );
    // Time passing changes nothing more.
    app.clock.advance(time::Duration::minutes(20));
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(payment(&app, &alice, &payment_id).await["status"], "failed");
    assert_eq!(
        emails(&app, &admin, "payment-failed", "alice@example.test")
            .await
            .len(),
        1
    );
    assert!(
        emails(&app, &admin, "booking-expired", "alice@example.test")
            .await
            .is_empty()
    );
    assert_check_ok(&app, &admin).await;

    // The gateway reports the success after all: the same seats, still free, are hers.
    let reply = webhook(
        &app,
        &callback("evt_after_no_answer", &payment_id, "succeeded"),
    )
    .await;
    reply.assert_status(200);
    assert_eq!(reply.body["result"], "applied", "{}", reply.text);
    assert_eq!(reply.body["booking_status"], "confirmed", "{}", reply.text);
    let paid = payment(&app, &alice, &payment_id).await;
    assert_eq!(paid["status"], "succeeded", "{paid}");
    assert_eq!(paid["refund"], Value::Null, "{paid}");
    assert_eq!(tickets(&app, &alice, &id).await.len(), 2);
    assert_seats(&app, &event, &["A-1", "A-2"], "sold").await;
    // Told once more, that the money went through after all.
    eventually("the tickets email", EVENTUALLY, || async {
        let sent = emails(&app, &admin, "booking-confirmed", "alice@example.test").await;
        (sent.len() == 1).then_some(())
    })
    .await;
    // The same callback again changes nothing.
    let again = webhook(
        &app,
        &callback("evt_after_no_answer", &payment_id, "succeeded"),
    )
    .await;
    assert_eq!(again.body["result"], "duplicate", "{}", again.text);
    assert_check_ok(&app, &admin).await;
}

#[tokio::test]
async fn a_late_success_after_the_seats_were_sold_is_refunded() {
    let app = spawn().await;
    let admin = app.admin().await;
    let (alice, bob) = (app.customer("alice").await, app.customer("bob").await);
    let event = app.create_concert(&admin, 1, 10).await;
    let b = booked(&app, &alice, &event, &["A-3"]).await;
    let id = text(&b, "id");
    let payment_id = pay_by_gateway(&app, &alice, &b).await;
    advance_past_ttl(&app);
    eventually("the payment to fail unanswered", EVENTUALLY, || async {
        let p = payment(&app, &alice, &payment_id).await;
        (p["status"] == "failed").then_some(())
    })
    .await;
    bought(&app, &bob, &event, &["A-3"]).await;

    let reply = webhook(&app, &callback("evt_late_sold", &payment_id, "succeeded")).await;
    reply.assert_status(200);
    assert_eq!(reply.body["result"], "applied", "{}", reply.text);
    assert_eq!(reply.body["booking_status"], "failed", "{}", reply.text);
    let refunded = payment(&app, &alice, &payment_id).await;
    assert_eq!(refunded["status"], "succeeded", "{refunded}");
    assert_eq!(refunded["refund"]["amount_minor"], total(&b), "{refunded}");
    assert!(tickets(&app, &alice, &id).await.is_empty());
    assert_check_ok(&app, &admin).await;
}
