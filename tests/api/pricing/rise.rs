//! Prices rise as seats sell: the current price, its history row, the event detail, the
//! range and the next step all follow the live occupancy of each price category.

use super::*;
use crate::helpers::TestApp;

#[tokio::test]
async fn selling_seats_raises_the_price_and_records_why() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 10).await;

    let before = prices(&app, &event).await;
    let standard = category(&before, "standard");
    assert_eq!(minor(&standard["current_price"]), BASE, "{before:#}");
    assert_eq!(minor(&standard["floor_price"]), BASE);
    assert_eq!(minor(&standard["cap_price"]), 225_000); // 2.5 × base
    assert_eq!(minor(&standard["next_step"]["price"]), 94_500); // 1.05 × base
    assert_eq!(standard["next_step"]["at_sold"], 1);
    assert_eq!(standard["next_step"]["at_occupancy"], 0.1);
    assert_eq!(before["history"]["items"], json!([]));

    sell(&app, &alice, &event, &["A-1"]).await;
    let after = wait_for_price(&app, &event, "standard", 94_500).await;
    let standard = category(&after, "standard");
    assert_eq!(standard["sold"], 1);
    assert_eq!(standard["capacity"], 10);
    assert_eq!(standard["occupancy"], 0.1);
    assert_eq!(minor(&standard["floor_price"]), BASE);
    assert_eq!(minor(&standard["cap_price"]), 225_000);
    assert_eq!(minor(&standard["next_step"]["price"]), 99_000);
    assert_eq!(standard["next_step"]["at_sold"], 2);
    assert_eq!(standard["next_step"]["at_occupancy"], 0.2);
    let history = after["history"]["items"].as_array().expect("history");
    assert_eq!(history.len(), 1, "{after:#}");
    assert_eq!(history[0]["category"], "standard");
    assert_eq!(history[0]["old_minor"], BASE);
    assert_eq!(history[0]["new_minor"], 94_500);
    assert_eq!(history[0]["occupancy"], 0.1);
    assert_eq!(history[0]["cause"], "seats-changed");
    assert!(history[0]["at_ms"].as_i64().is_some_and(|t| t > 0));

    // The event detail and list show the new current price.
    let detail = app.get(&format!("/api/v1/events/{event}"), None).await;
    detail.assert_status(200);
    assert_eq!(minor(&detail.body["prices"]["standard"]), 94_500);
    assert_eq!(minor(&detail.body["categories"][0]["price"]), 94_500);
    assert_eq!(minor(&detail.body["categories"][0]["base_price"]), BASE);
    let list = app.get("/api/v1/events?category=concert", None).await;
    list.assert_status(200);
    let item = list.body["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["id"] == event.as_str()))
        .expect("event listed");
    assert_eq!(minor(&item["prices"]["standard"]), 94_500, "{item:#}");

    // The seats view quotes it too.
    let seats = app
        .get(&format!("/api/v1/events/{event}/seats"), None)
        .await;
    seats.assert_status(200);
    assert_eq!(minor(&seats.body["seats"][1]["price"]), 94_500);

    // Three more: 40 % sold, 1.2 × base; the history is newest first and pages.
    sell(&app, &alice, &event, &["A-2", "A-3", "A-4"]).await;
    let view = wait_for_price(&app, &event, "standard", concert_price(BASE, 4, 10)).await;
    assert_eq!(
        minor(&category(&view, "standard")["current_price"]),
        108_000
    );
    let first = app
        .get(&format!("/api/v1/events/{event}/prices?limit=1"), None)
        .await;
    first.assert_status(200);
    assert_eq!(first.body["history"]["items"][0]["new_minor"], 108_000);
    let cursor = text(&first.body["history"], "next_cursor");
    let second = app
        .get(
            &format!("/api/v1/events/{event}/prices?limit=1&cursor={cursor}"),
            None,
        )
        .await;
    second.assert_status(200);
    let older = second.body["history"]["items"][0]["new_minor"]
        .as_i64()
        .expect("older row");
    assert!(older < 108_000, "{:#}", second.body);
}

#[tokio::test]
async fn held_seats_do_not_move_the_price() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bob = app.customer("bob").await;
    let event = app.create_concert(&admin, 1, 10).await;

    hold(
        &app,
        &bob,
        &event,
        &["A-1", "A-2", "A-3", "A-4", "A-5", "A-6"],
    )
    .await;
    wait_until_priced(&app, &event, |p| counted(p, "standard", "held") == 6).await;
    let view = prices(&app, &event).await;
    assert_eq!(minor(&category(&view, "standard")["current_price"]), BASE);
    assert_eq!(category(&view, "standard")["sold"], 0);
    assert_eq!(view["history"]["items"], json!([]), "{view:#}");
}

#[tokio::test]
async fn each_price_category_follows_its_own_occupancy() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let carol = app.customer("carol").await;
    let event = two_category_concert(&app, &admin, 4).await;

    // Half of premium sold: 1.25 × 150,000; standard has sold nothing and stays at base.
    sell(&app, &carol, &event, &["A-1", "A-2"]).await;
    let view = wait_for_price(&app, &event, "premium", concert_price(150_000, 2, 4)).await;
    assert_eq!(minor(&category(&view, "premium")["current_price"]), 187_500);
    assert_eq!(minor(&category(&view, "standard")["current_price"]), BASE);
    let history = view["history"]["items"].as_array().expect("history");
    assert!(
        history.iter().all(|row| row["category"] == "premium"),
        "{view:#}"
    );

    let detail = app.get(&format!("/api/v1/events/{event}"), None).await;
    assert_eq!(minor(&detail.body["prices"]["premium"]), 187_500);
    assert_eq!(minor(&detail.body["prices"]["standard"]), BASE);
}

#[tokio::test]
async fn a_new_base_price_reaches_pricing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let dave = app.customer("dave").await;
    let event = app.create_concert(&admin, 1, 10).await;
    sell(&app, &dave, &event, &["A-1"]).await;
    wait_for_price(&app, &event, "standard", 94_500).await;

    let patch = app
        .patch(
            &format!("/api/v1/events/{event}"),
            Some(&admin),
            json!({"prices": {"standard": {"amount_minor": 100_000, "currency": "INR"}}}),
        )
        .await;
    patch.assert_status(200);
    // 10 % sold: 1.05 × the new base.
    let view = wait_for_price(&app, &event, "standard", 105_000).await;
    assert_eq!(minor(&category(&view, "standard")["base_price"]), 100_000);
    assert_eq!(minor(&category(&view, "standard")["floor_price"]), 100_000);
    // One row records the move; its cause is the edit, unless a late relay of the sale's
    // own changes ran first (it reprices from the same stored base).
    let row = &view["history"]["items"][0];
    assert_eq!(
        (row["old_minor"].as_i64(), row["new_minor"].as_i64()),
        (Some(94_500), Some(105_000)),
        "{view:#}"
    );
    assert!(
        row["cause"] == "base-price" || row["cause"] == "seats-changed",
        "{view:#}"
    );
    let detail = app.get(&format!("/api/v1/events/{event}"), None).await;
    assert_eq!(minor(&detail.body["prices"]["standard"]), 105_000);
    assert_eq!(minor(&detail.body["categories"][0]["base_price"]), 100_000);
}

/// Sending the same base again must not drop the current price back to the base.
#[tokio::test]
async fn an_unchanged_base_price_keeps_the_current_price() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let erin = app.customer("erin").await;
    let event = app.create_concert(&admin, 1, 10).await;
    sell(&app, &erin, &event, &["A-1", "A-2"]).await;
    wait_for_price(&app, &event, "standard", 99_000).await;

    let patch = app
        .patch(
            &format!("/api/v1/events/{event}"),
            Some(&admin),
            json!({"prices": {"standard": {"amount_minor": BASE, "currency": "INR"}}}),
        )
        .await;
    patch.assert_status(200);
    let deadline = Instant::now() + EVENTUALLY;
    loop {
        let base_price_jobs = seats_changed_jobs(&app, &event, "done")
            .await
            .into_iter()
            .filter(|job| job["payload"]["reason"] == "base-price")
            .count();
        if base_price_jobs == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "the base-price job never ran");
        tokio::time::sleep(POLL).await;
    }
    assert_eq!(current(&app, &event, "standard").await, 99_000);
    let detail = app.get(&format!("/api/v1/events/{event}"), None).await;
    assert_eq!(minor(&detail.body["prices"]["standard"]), 99_000);
    let quote = hold(&app, &erin, &event, &["A-3"]).await;
    assert_eq!(minor(&quote["total"]), 99_000, "{quote:#}");
}

#[tokio::test]
async fn prices_keep_moving_after_a_restart() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let frank = app.customer("frank").await;
    let event = app.create_concert(&admin, 1, 10).await;
    sell(&app, &frank, &event, &["A-1"]).await;
    wait_for_price(&app, &event, "standard", 94_500).await;
    sell(&app, &frank, &event, &["A-2", "A-3"]).await;
    wait_for_price(&app, &event, "standard", 103_500).await;

    let app = TestApp::spawn_in(app.stop().await).await;
    let frank = app
        .login("frank@example.test", "correct horse battery")
        .await;
    assert_eq!(current(&app, &event, "standard").await, 103_500);
    sell(&app, &frank, &event, &["A-4"]).await;
    wait_for_price(&app, &event, "standard", 108_000).await;
    sell(&app, &frank, &event, &["A-5"]).await;
    wait_for_price(&app, &event, "standard", 112_500).await;
}
