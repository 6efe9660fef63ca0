//! Finding a booking in a real browser (by email, then by a ticket code), resending its
//! confirmation (it reaches the SMTP server once, even clicked twice), and cancelling it with
//! a refund (the API agrees).

use super::Browser;
use crate::bookings::{assert_seats, payments_of, status_of, tickets};
use crate::console::PASSWORD;
use crate::helpers::SmtpSink;
use crate::notifications::{assert_still, buy, eventually, mail, mails, money};
use serde_json::json;

#[tokio::test]
async fn find_a_booking_resend_its_confirmation_and_cancel_it() {
    let sink = SmtpSink::start().await;
    let app = crate::notifications::spawn(&sink).await;
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 1, 10).await;
    let alice = app.customer("alice").await;
    let booking = buy(&app, &alice, &event, &["A-1", "A-2"]).await;
    let id = booking["id"].as_str().expect("id").to_string();
    let total = booking["total"]["amount_minor"].as_i64().expect("total");
    let code = tickets(&app, &alice, &id).await[0]["code"]
        .as_str()
        .expect("code")
        .to_string();
    mail(&sink, "alice@example.test", "Your tickets").await;

    let browser = Browser::start(&app).await;
    browser.sign_in("admin@example.test", PASSWORD).await;
    browser.goto("/admin/bookings").await;
    // The search box has the focus: a scanner or typing goes straight in.
    assert_eq!(
        browser
            .execute("return document.activeElement.id;", json!([]))
            .await,
        json!("q")
    );
    browser
        .fill("Email, name, booking id or ticket code", "alice@example")
        .await;
    browser.click_button("Search").await;
    assert!(
        browser
            .current_path()
            .await
            .starts_with("/admin/bookings?q=")
    );
    let rows = browser.all("#results tbody tr").await;
    assert_eq!(rows.len(), 1);
    browser.screenshot("bookings-search").await;

    // By ticket code: straight to the booking.
    browser.goto("/admin/bookings").await;
    browser
        .fill("Email, name, booking id or ticket code", &code)
        .await;
    browser.click_button("Search").await;
    assert_eq!(
        browser.current_path().await,
        format!("/admin/bookings/{id}")
    );
    assert_eq!(browser.text("#booking-id").await, id);
    browser.screenshot("booking").await;

    // Resend, clicked twice in a row: one more email.
    let clicked = browser
        .execute(
            "const b = document.getElementById('resend'); b.click(); b.click(); return true;",
            json!([]),
        )
        .await;
    assert_eq!(clicked, json!(true));
    eventually("the resent confirmation", || async {
        (mails(&sink, "alice@example.test", "Your tickets").len() >= 2).then_some(())
    })
    .await;
    assert_still(&app, &sink, "alice@example.test", "Your tickets", 2).await;
    browser.goto(&format!("/admin/bookings/{id}")).await;
    // One click through the form as a person makes it: a third email.
    browser.click_button("Resend confirmation email").await;
    assert!(browser.text("#done").await.contains("on its way"));
    eventually("the second resend", || async {
        (mails(&sink, "alice@example.test", "Your tickets").len() >= 3).then_some(())
    })
    .await;
    assert_still(&app, &sink, "alice@example.test", "Your tickets", 3).await;
    browser.screenshot("booking-resent").await;

    // Cancel and refund, after the confirmation page.
    let cancel = browser
        .client()
        .find(fantoccini::Locator::Id("cancel"))
        .await
        .expect("the cancel link");
    browser
        .navigating(async || cancel.click().await.expect("clicked"))
        .await;
    assert_eq!(
        browser.current_path().await,
        format!("/admin/bookings/{id}/cancel")
    );
    browser.screenshot("booking-cancel").await;
    browser
        .click_button(&format!("Cancel and refund {}", money(total, "INR")))
        .await;
    assert_eq!(
        browser.current_path().await,
        format!("/admin/bookings/{id}?done=cancelled")
    );
    assert_eq!(browser.text("#status").await, "refunded");
    browser.screenshot("booking-refunded").await;
    assert_eq!(status_of(&app, &alice, &id).await, "refunded");
    let payments = payments_of(&app, &alice, &id).await;
    assert_eq!(payments[0]["refund"]["amount_minor"].as_i64(), Some(total));
    assert_seats(&app, &event, &["A-1", "A-2"], "available").await;
}
