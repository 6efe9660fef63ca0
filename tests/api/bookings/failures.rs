//! Compensation of a failed payment: a decline or a provider that never answers ends the
//! booking `failed`, frees its seats at once and tells the customer (a payment-failed job).

use super::*;

#[tokio::test]
async fn a_declined_card_fails_the_booking_and_frees_the_seats() {
    let app = spawn().await;
    let admin = app.admin().await;
    let (alice, bob) = (app.customer("alice").await, app.customer("bob").await);
    let event = app.create_concert(&admin, 1, 10).await;
    let b = booked(&app, &alice, &event, &["A-1", "A-2"]).await;
    let id = text(&b, "id");

    let reply = pay(&app, &alice, &id, card(CARD_DECLINED, total(&b))).await;
    reply.assert_problem(402, "payment_declined");

    let failed = booking(&app, &alice, &id).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(tickets(&app, &alice, &id).await.is_empty());
    let payments = payments_of(&app, &alice, &id).await;
    assert_eq!(payments.len(), 1, "{payments:?}");
    assert_eq!(payments[0]["status"], "declined");
    assert_eq!(payments[0]["refund"], Value::Null);
    assert_seats(&app, &event, &["A-1", "A-2"], "available").await;
    // Free for anyone at once.
    hold(&app, &bob, &event, &["A-1", "A-2"]).await;

    let jobs = jobs_of(&app, &admin, "payment-failed").await;
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    let body = payload_of(&jobs[0]);
    assert_eq!(body["booking_id"], id.as_str());
    assert_eq!(body["customer_email"], "alice@example.test");
    assert_eq!(body["seats"], json!(["A-1", "A-2"]));
    assert_eq!(body["refunded"], false);
    // A failed booking cannot be paid again.
    pay(&app, &alice, &id, card(CARD_OK, total(&b)))
        .await
        .assert_problem(409, "booking_not_payable");
    assert_check_ok(&app, &admin).await;
}

#[tokio::test]
async fn a_provider_that_never_answers_times_out_and_frees_the_seats() {
    let app = spawn_with(|config| config.payments.provider_timeout_seconds = 1).await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 10).await;
    let b = booked(&app, &alice, &event, &["A-3"]).await;
    let id = text(&b, "id");

    let reply = pay(&app, &alice, &id, card(CARD_NO_ANSWER, total(&b))).await;
    reply.assert_problem(504, "payment_timeout");

    assert_eq!(status_of(&app, &alice, &id).await, "failed");
    let payments = payments_of(&app, &alice, &id).await;
    assert_eq!(payments.len(), 1, "{payments:?}");
    assert_eq!(payments[0]["status"], "failed");
    assert!(tickets(&app, &alice, &id).await.is_empty());
    assert_seats(&app, &event, &["A-3"], "available").await;
    let jobs = jobs_of(&app, &admin, "payment-failed").await;
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(payload_of(&jobs[0])["booking_id"], id.as_str());
    // The seats can be bought again by the same customer.
    bought(&app, &alice, &event, &["A-3"]).await;
    assert_check_ok(&app, &admin).await;
}
