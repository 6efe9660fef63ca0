//! The webhook gateway: a payment waits `pending` for its signed callback; forged, unsigned,
//! stale or replayed callbacks change nothing; and a payment that arrives after its booking
//! expired takes the same seats back if they are free, else is refunded.

use super::*;

/// What a booking, its payment and its seats look like now, for "nothing changed" checks.
async fn snapshot(app: &TestApp, admin: &str, booking_id: &str, event: &str) -> Value {
    let mut b = booking(app, admin, booking_id).await;
    b["updated_at"] = Value::Null;
    json!({
        "booking": b,
        "payments": payments_of(app, admin, booking_id).await,
        "tickets": tickets(app, admin, booking_id).await,
        "seats": statuses(app, event).await,
    })
}

#[tokio::test]
async fn a_signed_callback_confirms_once_and_forgeries_change_nothing() {
    let app = spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 10).await;
    let b = booked(&app, &alice, &event, &["A-1", "A-2"]).await;
    let id = text(&b, "id");
    let payment_id = pay_by_gateway(&app, &alice, &b).await;
    assert_seats(&app, &event, &["A-1", "A-2"], "held").await;
    // While the gateway is busy another payment is refused.
    pay(&app, &alice, &id, card(CARD_OK, total(&b)))
        .await
        .assert_problem(409, "payment_in_progress");

    let body = callback("evt_gw_1", &payment_id, "succeeded");
    let before = snapshot(&app, &admin, &id, &event).await;
    let now = app.clock.now().unix_timestamp();
    let forged = rezerve::payment::webhook::sign(b"not the shared secret!", now, &body);
    let stale = rezerve::payment::webhook::sign(SECRET.as_bytes(), now - 301, &body);
    let future = rezerve::payment::webhook::sign(SECRET.as_bytes(), now + 301, &body);
    let other_body = rezerve::payment::webhook::sign(
        SECRET.as_bytes(),
        now,
        &callback("evt_gw_1", &payment_id, "declined"),
    );
    let garbage = "t=abc,v1=zz".to_string();
    let no_timestamp = sign_now(&app, &body).replace("t=", "x=");
    for signature in [
        Some(forged.as_str()),
        Some(stale.as_str()),
        Some(future.as_str()),
        Some(other_body.as_str()),
        Some(garbage.as_str()),
        Some(no_timestamp.as_str()),
        Some(""),
        None,
    ] {
        webhook_signed(&app, &body, signature)
            .await
            .assert_problem(401, "invalid_signature");
    }
    // A body altered after signing.
    let signature = sign_now(&app, &body);
    let tampered = callback("evt_gw_1", &payment_id, "succeeded ");
    webhook_signed(&app, &tampered, Some(&signature))
        .await
        .assert_problem(401, "invalid_signature");
    assert_eq!(snapshot(&app, &admin, &id, &event).await, before);

    // Within the window (the gateway's clock a little behind) it is accepted.
    let signature = rezerve::payment::webhook::sign(SECRET.as_bytes(), now - 120, &body);
    let applied = webhook_signed(&app, &body, Some(&signature)).await;
    applied.assert_status(200);
    assert_eq!(applied.body["result"], "applied", "{}", applied.text);
    assert_eq!(applied.body["booking_status"], "confirmed");
    let confirmed = booking(&app, &alice, &id).await;
    assert_eq!(confirmed["status"], "confirmed");
    assert_eq!(
        payment(&app, &alice, &payment_id).await["status"],
        "succeeded"
    );
    assert_eq!(tickets(&app, &alice, &id).await.len(), 2);
    assert_seats(&app, &event, &["A-1", "A-2"], "sold").await;

    // The same callback again — and replayed with a fresh signature — changes nothing.
    let after = snapshot(&app, &admin, &id, &event).await;
    let again = webhook_signed(&app, &body, Some(&signature)).await;
    again.assert_status(200);
    assert_eq!(again.body["result"], "duplicate", "{}", again.text);
    let again = webhook(&app, &body).await;
    again.assert_status(200);
    assert_eq!(again.body["result"], "duplicate", "{}", again.text);
    // A second callback id for a payment already settled changes nothing either.
    let late_decline = webhook(&app, &callback("evt_gw_2", &payment_id, "declined")).await;
    late_decline.assert_status(200);
    assert_eq!(
        late_decline.body["result"], "already_settled",
        "{}",
        late_decline.text
    );
    assert_eq!(snapshot(&app, &admin, &id, &event).await, after);
    assert_eq!(jobs_of(&app, &admin, "payment-succeeded").await.len(), 1);

    // Callbacks about payments that are not the gateway's, or not callbacks at all.
    let cash_like = webhook(&app, &callback("evt_gw_3", "pay_doesnotexist", "succeeded")).await;
    cash_like.assert_problem(404, "not_found");
    let nonsense = br#"{"hello": "world"}"#.to_vec();
    webhook(&app, &nonsense)
        .await
        .assert_problem(422, "validation_failed");
    let odd_status = webhook(&app, &callback("evt_gw_4", &payment_id, "maybe")).await;
    odd_status.assert_problem(422, "validation_failed");
    let signature = sign_now(&app, &body);
    app.send_raw(
        Method::POST,
        "/api/v1/payments/webhooks/paypal",
        None,
        &[("Rezerve-Signature", signature.as_str())],
        Some(body.clone()),
    )
    .await
    .assert_problem(404, "not_found");
    assert_eq!(snapshot(&app, &admin, &id, &event).await, after);
    assert_check_ok(&app, &admin).await;
}

#[tokio::test]
async fn a_declined_callback_fails_the_booking_and_frees_the_seats() {
    let app = spawn().await;
    let admin = app.admin().await;
    let (alice, bob) = (app.customer("alice").await, app.customer("bob").await);
    let event = app.create_concert(&admin, 1, 10).await;
    let b = booked(&app, &alice, &event, &["A-4"]).await;
    let id = text(&b, "id");
    let payment_id = pay_by_gateway(&app, &alice, &b).await;

    let reply = webhook(&app, &callback("evt_gw_9", &payment_id, "declined")).await;
    reply.assert_status(200);
    assert_eq!(reply.body["result"], "applied", "{}", reply.text);
    assert_eq!(reply.body["booking_status"], "failed");
    assert_eq!(status_of(&app, &alice, &id).await, "failed");
    assert_eq!(
        payment(&app, &alice, &payment_id).await["status"],
        "declined"
    );
    assert!(tickets(&app, &alice, &id).await.is_empty());
    assert_seats(&app, &event, &["A-4"], "available").await;
    let failed = jobs_of(&app, &admin, "payment-failed").await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    // A success for the same payment afterwards cannot revive it.
    let late = webhook(&app, &callback("evt_gw_10", &payment_id, "succeeded")).await;
    late.assert_status(200);
    assert_eq!(late.body["result"], "already_settled", "{}", late.text);
    assert_eq!(status_of(&app, &alice, &id).await, "failed");
    bought(&app, &bob, &event, &["A-4"]).await;
    assert_check_ok(&app, &admin).await;
}

#[tokio::test]
async fn a_late_payment_takes_the_same_seats_back_when_they_are_free() {
    let app = spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 10).await;
    let b = booked(&app, &alice, &event, &["A-5", "A-6"]).await;
    let id = text(&b, "id");
    let payment_id = pay_by_gateway(&app, &alice, &b).await;

    advance_past_ttl(&app);
    wait_for_status(&app, &alice, &id, "expired").await;
    assert_seats(&app, &event, &["A-5", "A-6"], "available").await;

    let reply = webhook(&app, &callback("evt_late_1", &payment_id, "succeeded")).await;
    reply.assert_status(200);
    assert_eq!(reply.body["result"], "applied", "{}", reply.text);
    assert_eq!(reply.body["booking_status"], "confirmed");
    let confirmed = booking(&app, &alice, &id).await;
    assert_eq!(confirmed["status"], "confirmed", "{confirmed}");
    assert_eq!(confirmed["seats"], json!(["A-5", "A-6"]));
    // At the prices quoted before it expired, whatever demand did since.
    assert_eq!(confirmed["total"], b["total"]);
    assert_eq!(confirmed["items"], b["items"]);
    let paid = payment(&app, &alice, &payment_id).await;
    assert_eq!(paid["status"], "succeeded");
    assert_eq!(paid["refund"], Value::Null);
    let issued = tickets(&app, &alice, &id).await;
    assert_eq!(issued.len(), 2, "{issued:?}");
    assert_seats(&app, &event, &["A-5", "A-6"], "sold").await;
    // Still in the customer's list.
    let list = app.get("/api/v1/bookings", Some(&alice)).await;
    assert_eq!(list.body["items"][0]["id"], id.as_str(), "{}", list.text);
    assert_check_ok(&app, &admin).await;
}

#[tokio::test]
async fn a_late_payment_is_refunded_when_someone_else_bought_the_seats() {
    let app = spawn().await;
    let admin = app.admin().await;
    let (alice, bob) = (app.customer("alice").await, app.customer("bob").await);
    let event = app.create_concert(&admin, 1, 10).await;
    let b = booked(&app, &alice, &event, &["A-7", "A-8"]).await;
    let id = text(&b, "id");
    let payment_id = pay_by_gateway(&app, &alice, &b).await;

    advance_past_ttl(&app);
    wait_for_status(&app, &alice, &id, "expired").await;
    // Bob takes one of the seats meanwhile.
    let bobs = bought(&app, &bob, &event, &["A-8", "A-9"]).await;
    let bobs_id = text(&bobs, "id");

    let reply = webhook(&app, &callback("evt_late_2", &payment_id, "succeeded")).await;
    reply.assert_status(200);
    assert_eq!(reply.body["result"], "applied", "{}", reply.text);
    assert_eq!(reply.body["booking_status"], "failed");

    let failed = booking(&app, &alice, &id).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(
        failed["seats"],
        json!(["A-7", "A-8"]),
        "still visible as it was"
    );
    assert!(tickets(&app, &alice, &id).await.is_empty());
    let refunded = payment(&app, &alice, &payment_id).await;
    assert_eq!(refunded["status"], "succeeded", "{refunded}");
    assert_eq!(refunded["refund"]["amount_minor"], total(&b), "{refunded}");
    assert_eq!(refunded["refund"]["payment_id"], payment_id.as_str());
    // Bob's sale is intact; A-7 was not taken on its own.
    assert_eq!(status_of(&app, &bob, &bobs_id).await, "confirmed");
    assert_eq!(tickets(&app, &bob, &bobs_id).await.len(), 2);
    let seats = statuses(&app, &event).await;
    assert_eq!(seats["A-7"], "available");
    assert_eq!(seats["A-8"], "sold");
    assert_eq!(seats["A-9"], "sold");
    // The customer is told of the refund (after being told, at the expiry, that the gateway
    // had not answered).
    let told: Vec<Value> = jobs_of(&app, &admin, "payment-failed")
        .await
        .into_iter()
        .filter(|j| payload_of(j)["refunded"] == true)
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    let body = payload_of(&told[0]);
    assert_eq!(body["booking_id"], id.as_str());
    assert_eq!(body["refunded"], true);
    // The same callback again refunds nothing more.
    let again = webhook(&app, &callback("evt_late_2", &payment_id, "succeeded")).await;
    assert_eq!(again.body["result"], "duplicate", "{}", again.text);
    let payments = payments_of(&app, &admin, &id).await;
    assert_eq!(payments.len(), 1, "{payments:?}");
    assert_check_ok(&app, &admin).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_callbacks_for_one_payment_settle_it_once() {
    let app = std::sync::Arc::new(spawn().await);
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 2, 10).await;
    for n in 1..=8 {
        let seat = format!("A-{n}");
        let b = booked(&app, &alice, &event, &[seat.as_str()]).await;
        let id = text(&b, "id");
        let payment_id = pay_by_gateway(&app, &alice, &b).await;
        // The gateway reports the same success under several event ids at once.
        let callbacks: Vec<_> = (0..6)
            .map(|i| {
                let (app, payment_id) = (std::sync::Arc::clone(&app), payment_id.clone());
                tokio::spawn(async move {
                    let body = callback(&format!("evt_{payment_id}_{i}"), &payment_id, "succeeded");
                    webhook(&app, &body).await
                })
            })
            .collect();
        for callback in callbacks {
            callback.await.expect("task").assert_status(200);
        }
        let paid = payment(&app, &alice, &payment_id).await;
        assert_eq!(paid["status"], "succeeded", "{paid}");
        assert_eq!(paid["refund"], Value::Null, "paid once, refunded: {paid}");
        assert_eq!(status_of(&app, &alice, &id).await, "confirmed");
        let issued = tickets(&app, &alice, &id).await;
        assert_eq!(issued.len(), 1, "{issued:?}");
        assert_eq!(issued[0]["status"], "valid");
        assert_seats(&app, &event, &[seat.as_str()], "sold").await;
    }
    assert_check_ok(&app, &admin).await;
}

#[tokio::test]
async fn a_callback_with_a_status_gateways_do_not_send_is_refused_by_name() {
    let app = spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 10).await;
    let b = booked(&app, &alice, &event, &["A-1"]).await;
    let payment_id = pay_by_gateway(&app, &alice, &b).await;
    let before = snapshot(&app, &admin, &text(&b, "id"), &event).await;
    // A payment status that is not a gateway's verdict, an unknown word, a capitalised one.
    for status in ["pending", "refunded", "maybe", "Succeeded"] {
        let reply = webhook(&app, &callback("evt_gw_odd", &payment_id, status)).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), ["status"], "{status}: {}", reply.text);
        assert_eq!(
            reply.body["errors"][0]["message"], "must be succeeded or declined",
            "{}",
            reply.text
        );
    }
    // Anything else wrong with the body is the body's problem, as before.
    let missing = serde_json::to_vec(&json!({"event_id": "evt_gw_odd", "status": "succeeded"}))
        .expect("JSON");
    let mut trailing = callback("evt_gw_odd", &payment_id, "succeeded");
    trailing.extend_from_slice(b" {}");
    for body in [missing, trailing] {
        let reply = webhook(&app, &body).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), ["body"], "{}", reply.text);
    }
    assert_eq!(
        snapshot(&app, &admin, &text(&b, "id"), &event).await,
        before
    );
    // The callback id was not spent on the refusals: the real verdict still applies.
    let applied = webhook(&app, &callback("evt_gw_odd", &payment_id, "succeeded")).await;
    applied.assert_status(200);
    assert_eq!(applied.body["result"], "applied", "{}", applied.text);
}
