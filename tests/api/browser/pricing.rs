//! Editing a pricing rule through the console's form in a real browser, and the event
//! prices page with its chart.

use super::Browser;
use crate::console::PASSWORD;
use crate::helpers::TestApp;
use crate::pricing::{concert_price, sell, two_category_concert, wait_for_price};
use serde_json::json;

#[tokio::test]
async fn editing_a_pricing_rule() {
    let app = TestApp::spawn().await;
    let token = app.account("ada", "admin").await;
    let browser = Browser::start(&app).await;
    browser.sign_in("ada@example.test", PASSWORD).await;
    browser.goto("/admin/pricing").await;
    assert_eq!(browser.text("h1").await, "Pricing rules");
    browser.screenshot("pricing-rules").await;

    browser.select("bus-curve", "Flat").await;
    browser.fill("bus-cap", "1.5").await;
    browser.fill("bus-rounding_minor", "500").await;
    browser.click_button("Save bus rule").await;
    assert_eq!(browser.current_path().await, "/admin/pricing?saved=bus");
    assert!(
        browser
            .text("#saved")
            .await
            .contains("The Bus rule is stored")
    );
    let rules = app.get("/api/v1/pricing/rules", Some(&token)).await;
    rules.assert_status(200);
    assert_eq!(
        rules.body["bus"],
        json!({"curve": "flat", "floor": 1.0, "cap": 1.5, "rounding_minor": 500,
               "time_factor": null, "demand_factor": null})
    );

    // A cap below the floor: the form comes back saying so beside the cap; nothing changes.
    browser.fill("bus-floor", "2").await;
    browser.click_button("Save bus rule").await;
    assert_eq!(browser.current_path().await, "/admin/pricing");
    assert!(
        browser
            .text("#rule-bus-errors")
            .await
            .contains("Cap (× base)")
    );
    assert_eq!(
        browser.text("#bus-cap-error").await,
        "must not be below the floor"
    );
    assert_eq!(
        browser
            .execute(
                "return document.getElementById('bus-floor').value;",
                json!([])
            )
            .await,
        json!("2")
    );
    browser.screenshot("pricing-rule-refused").await;
    let again = app.get("/api/v1/pricing/rules", Some(&token)).await;
    assert_eq!(again.body, rules.body);
}

#[tokio::test]
async fn an_events_prices_page_in_the_browser() {
    let app = TestApp::spawn().await;
    let token = app.account("ada", "admin").await;
    app.customer("bea").await;
    let event = two_category_concert(&app, &token, 10).await;
    for (seats, sold) in [
        (&["A-1", "A-2", "A-3"][..], 3),
        (&["A-4", "A-5", "A-6"][..], 6),
    ] {
        // Tokens last an hour; the clock moves on between sales.
        let buyer = app.login("bea@example.test", PASSWORD).await;
        sell(&app, &buyer, &event, seats).await;
        wait_for_price(&app, &event, "premium", concert_price(150_000, sold, 10)).await;
        app.clock.advance(time::Duration::minutes(40));
    }
    let buyer = app.login("bea@example.test", PASSWORD).await;
    sell(&app, &buyer, &event, &["B-1", "B-2", "B-3", "B-4"]).await;
    wait_for_price(&app, &event, "standard", concert_price(90_000, 4, 10)).await;

    let browser = Browser::start(&app).await;
    browser.sign_in("ada@example.test", PASSWORD).await;
    browser.goto(&format!("/admin/events/{event}/prices")).await;
    assert_eq!(browser.text("h1").await, "Prices: Two Tiers");
    assert!(browser.has("figure.chart svg[role=img]").await);
    assert_eq!(browser.all("#history-table tbody tr").await.len(), 3);
    browser.screenshot("event-prices").await;
}
