//! The happy path end to end, who sees which booking, the staff list's filters and cursor
//! pagination, and the hold's quote surviving a price change.

use super::*;
use std::collections::BTreeSet;

#[tokio::test]
async fn hold_book_pay_confirms_with_one_ticket_per_seat() {
    let app = spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 2, 10).await;

    let held = hold(&app, &alice, &event, &["A-1", "A-2"]).await;
    let reply = book(&app, &alice, &text(&held, "id")).await;
    reply.assert_status(201);
    let booking_view = reply.body.clone();
    let id = text(&booking_view, "id");
    assert_eq!(booking_view["status"], "pending_payment");
    assert_eq!(booking_view["event_id"], event.as_str());
    assert_eq!(booking_view["hold_id"], held["id"]);
    assert_eq!(booking_view["seats"], json!(["A-1", "A-2"]));
    assert_eq!(booking_view["customer_email"], "alice@example.test");
    assert_eq!(booking_view["total"]["currency"], "INR");
    assert!(total(&booking_view) > 0, "{}", reply.text);
    assert_eq!(booking_view["total"], held["total"]);
    // The price snapshot is the hold's quote, line by line.
    assert_eq!(booking_view["items"], held["prices"]);
    assert_eq!(booking_view["expires_at"], held["expires_at"]);
    let items = booking_view["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{}", reply.text);
    for (item, seat) in items.iter().zip(["A-1", "A-2"]) {
        assert_eq!(item["seat"], seat);
        assert_eq!(item["category"], "standard");
        assert_eq!(item["quantity"], 1);
        assert_eq!(item["amount"], item["unit_price"]);
    }
    let quoted = total(&booking_view);
    // Booked but unpaid: the seats stay held.
    assert_seats(&app, &event, &["A-1", "A-2"], "held").await;

    let reply = pay(&app, &alice, &id, card(CARD_OK, quoted)).await;
    reply.assert_status(201);
    assert_eq!(
        reply.body["payment"]["status"], "succeeded",
        "{}",
        reply.text
    );
    assert_eq!(reply.body["payment"]["amount_minor"], quoted);
    assert_eq!(reply.body["payment"]["card_last4"], "4242");
    assert_eq!(reply.body["booking"]["status"], "confirmed");
    let payment_id = text(&reply.body["payment"], "id");
    assert!(
        !reply.text.contains(CARD_OK),
        "the card number leaked: {}",
        reply.text
    );

    let confirmed = booking(&app, &alice, &id).await;
    assert_eq!(confirmed["status"], "confirmed");
    assert_eq!(confirmed["seats"], json!(["A-1", "A-2"]));
    assert_eq!(total(&confirmed), quoted);
    assert_eq!(confirmed["items"], held["prices"]);
    assert_eq!(
        payment(&app, &alice, &payment_id).await["status"],
        "succeeded"
    );

    let issued = tickets(&app, &alice, &id).await;
    assert_eq!(issued.len(), 2, "{issued:?}");
    let seats: BTreeSet<String> = issued.iter().map(|t| text(t, "seat")).collect();
    assert_eq!(seats, BTreeSet::from(["A-1".into(), "A-2".into()]));
    for ticket in &issued {
        assert_eq!(ticket["booking_id"], id.as_str());
        assert_eq!(ticket["event_id"], event.as_str());
        assert_eq!(ticket["status"], "valid");
        assert!(text(ticket, "code").starts_with("RZ1."), "{ticket}");
    }
    let codes: BTreeSet<String> = issued.iter().map(|t| text(t, "code")).collect();
    assert_eq!(codes.len(), 2, "codes must differ");

    let all = statuses(&app, &event).await;
    assert_eq!(all["A-1"], "sold");
    assert_eq!(all["A-2"], "sold");
    assert_eq!(all.values().filter(|s| *s == "sold").count(), 2);
    assert_eq!(all.values().filter(|s| *s == "held").count(), 0);
    // The confirmation enqueued its follow-up.
    let succeeded = jobs_of(&app, &admin, "payment-succeeded").await;
    assert_eq!(succeeded.len(), 1, "{succeeded:?}");
    let body = payload_of(&succeeded[0]);
    assert_eq!(body["booking_id"], id.as_str());
    // Its tickets are in the store, not in the job: the notifier reads them there.
    assert!(body.get("tickets").is_none(), "{body}");
    assert_check_ok(&app, &admin).await;
}

#[tokio::test]
async fn customers_see_only_their_own_and_staff_see_all() {
    let app = spawn().await;
    let admin = app.admin().await;
    let staff = app.account("boxoffice", "staff").await;
    let (alice, bob) = (app.customer("alice").await, app.customer("bob").await);
    let event = app.create_concert(&admin, 1, 10).await;
    let mine = bought(&app, &alice, &event, &["A-1"]).await;
    let id = text(&mine, "id");
    let theirs = booked(&app, &bob, &event, &["A-2"]).await;
    let payment_id = text(&payments_of(&app, &alice, &id).await[0], "id");

    let list = app.get("/api/v1/bookings", Some(&alice)).await;
    list.assert_status(200);
    let ids: Vec<&Value> = list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|b| &b["id"])
        .collect();
    assert_eq!(ids, vec![&json!(id)], "{}", list.text);
    // Another customer's booking, tickets and payment are not found, not forbidden.
    for path in [
        format!("/api/v1/bookings/{id}"),
        format!("/api/v1/bookings/{id}/tickets"),
        format!("/api/v1/payments/{payment_id}"),
    ] {
        app.get(&path, Some(&bob))
            .await
            .assert_problem(404, "not_found");
    }
    let bobs = app.get("/api/v1/bookings", Some(&bob)).await;
    assert_eq!(bobs.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(bobs.body["items"][0]["id"], theirs["id"]);
    // A customer's email filter cannot widen their view.
    let sneaky = app
        .get("/api/v1/bookings?email=alice@example.test", Some(&bob))
        .await;
    sneaky.assert_status(200);
    assert_eq!(sneaky.body["items"], json!([]), "{}", sneaky.text);
    let bobs_payments = app.get("/api/v1/payments", Some(&bob)).await;
    assert_eq!(
        bobs_payments.body["items"],
        json!([]),
        "{}",
        bobs_payments.text
    );
    // Anonymous callers see nothing at all.
    app.get("/api/v1/bookings", None)
        .await
        .assert_problem(401, "unauthorized");
    app.get(&format!("/api/v1/bookings/{id}"), None)
        .await
        .assert_problem(401, "unauthorized");

    for token in [&staff, &admin] {
        let list = app.get("/api/v1/bookings", Some(token)).await;
        list.assert_status(200);
        assert_eq!(list.body["items"].as_array().map(Vec::len), Some(2));
        assert_eq!(booking(&app, token, &id).await["status"], "confirmed");
        assert_eq!(tickets(&app, token, &id).await.len(), 1);
        assert_eq!(
            payment(&app, token, &payment_id).await["status"],
            "succeeded"
        );
    }
}

#[tokio::test]
async fn staff_filter_by_event_status_and_email_and_walk_the_cursor() {
    let app = spawn().await;
    let admin = app.admin().await;
    let staff = app.account("boxoffice", "staff").await;
    let (alice, bob) = (app.customer("alice").await, app.customer("bob").await);
    let first = app.create_concert(&admin, 1, 10).await;
    let second = app.create_concert(&admin, 1, 10).await;
    let mut all = BTreeSet::new();
    for seat in ["A-1", "A-2", "A-3"] {
        all.insert(text(&booked(&app, &alice, &first, &[seat]).await, "id"));
    }
    let confirmed = text(&bought(&app, &bob, &second, &["A-1"]).await, "id");
    all.insert(confirmed.clone());
    all.insert(text(&booked(&app, &bob, &second, &["A-2"]).await, "id"));

    let ids = |reply: &Reply| -> BTreeSet<String> {
        reply.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|b| text(b, "id"))
            .collect()
    };
    let by_event = app
        .get(&format!("/api/v1/bookings?event_id={first}"), Some(&staff))
        .await;
    by_event.assert_status(200);
    assert_eq!(ids(&by_event).len(), 3, "{}", by_event.text);
    assert!(
        by_event.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|b| b["event_id"] == first.as_str())
    );
    let by_status = app
        .get("/api/v1/bookings?status=confirmed", Some(&staff))
        .await;
    assert_eq!(ids(&by_status), BTreeSet::from([confirmed.clone()]));
    let by_email = app
        .get("/api/v1/bookings?email=BOB@example.test", Some(&staff))
        .await;
    assert_eq!(ids(&by_email).len(), 2, "{}", by_email.text);
    let combined = app
        .get(
            &format!(
                "/api/v1/bookings?event_id={second}&status=pending_payment&email=bob@example.test"
            ),
            Some(&admin),
        )
        .await;
    assert_eq!(ids(&combined).len(), 1, "{}", combined.text);
    app.get("/api/v1/bookings?status=paid", Some(&staff))
        .await
        .assert_status(422);

    // Pages of two: every booking exactly once, then no cursor.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let path = match &cursor {
            Some(c) => format!("/api/v1/bookings?limit=2&cursor={c}"),
            None => "/api/v1/bookings?limit=2".to_string(),
        };
        let page = app.get(&path, Some(&staff)).await;
        page.assert_status(200);
        let items = page.body["items"].as_array().expect("items");
        assert!(items.len() <= 2, "{}", page.text);
        seen.extend(items.iter().map(|b| text(b, "id")));
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert_eq!(seen.iter().cloned().collect::<BTreeSet<_>>(), all);
}

#[tokio::test]
async fn a_price_change_after_the_hold_does_not_touch_its_quote() {
    let app = spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 10).await;
    let held = hold(&app, &alice, &event, &["A-1"]).await;
    let quoted = total(&held);

    // Far above anything demand alone could move the old price to.
    let new = quoted * 3;
    app.patch(
        &format!("/api/v1/events/{event}"),
        Some(&admin),
        json!({"prices": {"standard": {"amount_minor": new, "currency": "INR"}}}),
    )
    .await
    .assert_status(200);
    // New holds pay the new price ...
    let later = hold(&app, &admin, &event, &["A-2"]).await;
    let now_price = total(&later);
    assert!(
        now_price > quoted * 2,
        "the new price is not quoted: {later}"
    );

    // ... the earlier hold keeps its quote through booking and payment.
    let reply = book(&app, &alice, &text(&held, "id")).await;
    reply.assert_status(201);
    let id = text(&reply.body, "id");
    assert_eq!(total(&reply.body), quoted);
    assert_eq!(reply.body["items"], held["prices"]);
    let refused = pay(&app, &alice, &id, card(CARD_OK, now_price)).await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(refused.error_fields(), vec!["amount_minor".to_string()]);
    assert_eq!(status_of(&app, &alice, &id).await, "pending_payment");
    assert!(payments_of(&app, &alice, &id).await.is_empty());

    let paid = pay(&app, &alice, &id, card(CARD_OK, quoted)).await;
    paid.assert_status(201);
    assert_eq!(paid.body["payment"]["amount_minor"], quoted);
    let confirmed = booking(&app, &alice, &id).await;
    assert_eq!(confirmed["status"], "confirmed");
    assert_eq!(total(&confirmed), quoted);
    assert_eq!(confirmed["items"], held["prices"]);
    assert_check_ok(&app, &admin).await;
}
