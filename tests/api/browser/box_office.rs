//! The box office in a real browser: a whole cash sale by keyboard alone, printed tickets
//! whose QR images decode to the ticket codes, a double click on "Take payment" that sells
//! once, and an expired hold that sells nothing.

use super::Browser;
use crate::console::PASSWORD;
use crate::console::box_office::decode_qr;
use crate::helpers::TestApp;
use fantoccini::key::Key;
use serde_json::{Value, json};

/// The id of the element that has the focus.
async fn focused(browser: &Browser) -> String {
    browser
        .execute("return document.activeElement.id;", json!([]))
        .await
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// Types into the focused element, then Enter, and waits for the page that leads to.
async fn type_and_enter(browser: &Browser, text: &str) {
    let active = browser
        .client()
        .active_element()
        .await
        .expect("a focused element");
    browser
        .navigating(async || {
            active
                .send_keys(&(text.to_string() + &Key::Enter))
                .await
                .expect("typed")
        })
        .await;
}

async fn sold_bookings(app: &TestApp, event: &str) -> Vec<Value> {
    let admin = app.login("admin@example.test", PASSWORD).await;
    let reply = app.get("/api/v1/bookings?limit=200", Some(&admin)).await;
    reply.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|b| b["event_id"] == event && b["status"] == "confirmed")
        .cloned()
        .collect()
}

async fn setup(app: &TestApp) -> (String, Browser) {
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 3, 8).await;
    app.account("sam", "staff").await;
    let browser = Browser::start(app).await;
    browser.sign_in("sam@example.test", PASSWORD).await;
    (event, browser)
}

#[tokio::test]
async fn selling_two_seats_for_cash_by_keyboard_and_printing_the_tickets() {
    let app = TestApp::spawn().await;
    let (event, browser) = setup(&app).await;
    browser.goto("/admin/box-office").await;
    assert!(
        browser
            .text("#box-office-events")
            .await
            .contains("Evening Raga")
    );
    browser.screenshot("box-office-events").await;
    browser.goto(&format!("/admin/box-office/{event}")).await;
    browser.screenshot("box-office").await;

    // The whole sale without the mouse: the quantity has the focus, Enter holds; the cash
    // field has the focus, Enter takes the payment.
    assert_eq!(focused(&browser).await, "quantity");
    type_and_enter(&browser, "2").await;
    assert!(
        browser
            .current_path()
            .await
            .starts_with("/admin/box-office/sale/hld_")
    );
    assert_eq!(browser.text("#amount-due").await, "INR 1,800.00");
    assert!(
        browser
            .text("#hold-timer")
            .await
            .contains("Seats held until")
    );
    // The hold-timer script counts down in minutes and seconds (10:00 at most).
    let left = browser.text("#minutes-left").await;
    let (m, s) = left
        .split_once(':')
        .unwrap_or_else(|| panic!("a countdown, not {left:?}"));
    assert!(
        m.parse::<u32>().is_ok_and(|m| m <= 10) && s.len() == 2,
        "{left}"
    );
    assert_eq!(focused(&browser).await, "cash_given");
    browser.screenshot("box-office-sale").await;
    type_and_enter(&browser, "2000").await;
    assert!(
        browser
            .current_path()
            .await
            .starts_with("/admin/box-office/done/bkg_")
    );
    assert_eq!(browser.text("#change").await, "INR 200.00");
    assert_eq!(focused(&browser).await, "next-sale");
    browser.screenshot("box-office-sold").await;

    let sold = sold_bookings(&app, &event).await;
    assert_eq!(sold.len(), 1);
    let booking = sold[0]["id"].as_str().expect("id");
    let admin = app.login("admin@example.test", PASSWORD).await;
    let tickets = app
        .get(&format!("/api/v1/bookings/{booking}/tickets"), Some(&admin))
        .await;
    let mut codes: Vec<String> = tickets
        .body
        .as_array()
        .expect("tickets")
        .iter()
        .map(|t| t["code"].as_str().expect("code").to_string())
        .collect();
    codes.sort();

    // The printable tickets, as the browser loaded them.
    browser
        .goto(&format!("/admin/box-office/tickets/{booking}"))
        .await;
    let sources = browser
        .execute(
            "return [...document.querySelectorAll('img.qr')].map(i => i.src);",
            json!([]),
        )
        .await;
    let mut decoded: Vec<String> = sources
        .as_array()
        .expect("images")
        .iter()
        .map(|s| decode_qr(s.as_str().expect("src")))
        .collect();
    decoded.sort();
    assert_eq!(decoded, codes);
    let ticket = browser.text(".ticket").await;
    assert!(
        ticket.contains("Evening Raga") && ticket.contains("Town Hall"),
        "{ticket}"
    );
    browser.screenshot("box-office-tickets").await;
    browser
        .goto(&format!("/admin/box-office/tickets/{booking}?paper=80mm"))
        .await;
    browser.screenshot("box-office-tickets-80mm").await;

    browser.goto("/admin/box-office/till").await;
    assert_eq!(browser.text("#cash-in-till").await, "INR 1,800.00");
    browser.screenshot("box-office-till").await;
}

#[tokio::test]
async fn a_double_click_on_take_payment_sells_once() {
    let app = TestApp::spawn().await;
    let (event, browser) = setup(&app).await;
    browser.goto(&format!("/admin/box-office/{event}")).await;
    browser.fill("How many", "2").await;
    browser.click_button("Hold seats").await;
    browser.fill("Cash given", "1800").await;
    // Two clicks as fast as a hand makes them: both requests reach the server.
    browser
        .navigating(async || {
            browser
                .execute(
                    "const b = document.getElementById('take-payment'); b.click(); b.click();",
                    json!([]),
                )
                .await;
        })
        .await;
    assert!(
        browser
            .current_path()
            .await
            .starts_with("/admin/box-office/done/")
    );
    assert!(
        browser
            .text("#sold")
            .await
            .contains("Paid by cash: INR 1,800.00.")
    );
    let sold = sold_bookings(&app, &event).await;
    assert_eq!(sold.len(), 1);
    let admin = app.login("admin@example.test", PASSWORD).await;
    let payments = app
        .get(
            &format!(
                "/api/v1/payments?booking_id={}",
                sold[0]["id"].as_str().expect("id")
            ),
            Some(&admin),
        )
        .await;
    assert_eq!(
        payments.body["items"].as_array().expect("payments").len(),
        1
    );
}

#[tokio::test]
async fn an_expired_hold_at_the_box_office_sells_nothing_and_says_so() {
    let app = TestApp::spawn().await;
    let (event, browser) = setup(&app).await;
    browser.goto(&format!("/admin/box-office/{event}")).await;
    browser.fill("How many", "1").await;
    browser.click_button("Hold seats").await;
    app.clock.advance(time::Duration::seconds(
        app.config.holds.ttl_seconds as i64 + 1,
    ));
    browser.fill("Cash given", "900").await;
    browser.click_button("Take payment").await;
    assert_eq!(browser.error_code().await.as_deref(), Some("hold_expired"));
    assert!(browser.text("main").await.contains("nothing was sold"));
    browser.screenshot("box-office-expired").await;
    assert!(sold_bookings(&app, &event).await.is_empty());
    let seats = app
        .get(&format!("/api/v1/events/{event}/seats"), None)
        .await;
    assert!(
        seats.body["seats"]
            .as_array()
            .expect("seats")
            .iter()
            .all(|s| s["status"] == "available")
    );
}
