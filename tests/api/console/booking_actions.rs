//! A booking's actions through the console's forms: cancel and refund (checked through the
//! API: booking refunded, payment refunded, seats free), who may, and what a second click
//! does; resending the confirmation email, which arrives at a real SMTP server once per
//! click even when the form is submitted twice; bad input on both forms.

use super::Console;
use crate::bookings::{assert_seats, booked, bought, payments_of, status_of};
use crate::helpers::{SmtpSink, TestApp};
use crate::notifications::{assert_still, buy, eventually, mail, mails};

#[tokio::test]
async fn cancel_and_refund_through_the_form() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 1, 10).await;
    let alice = app.customer("alice").await;
    let booking = bought(&app, &alice, &event, &["A-1", "A-2"]).await;
    let id = booking["id"].as_str().expect("id").to_string();
    let total = booking["total"]["amount_minor"].as_i64().expect("total");

    // A staff member who did not sell it sees why there is no button, and the domain
    // refuses them too.
    let mut staff = Console::signed_in(&app, "sam", "staff").await;
    let page = staff.get(&format!("/admin/bookings/{id}")).await;
    page.assert_html(200);
    assert!(!page.text.contains("id=\"cancel\""));
    assert!(page.text.contains("Only an admin"));
    let csrf = staff.csrf().await;
    let page = staff
        .post_form(&format!("/admin/bookings/{id}/cancel"), &[("csrf", &csrf)])
        .await;
    page.assert_html(403);
    assert_eq!(status_of(&app, &alice, &id).await, "confirmed");

    let mut console = Console::signed_in(&app, "ada", "admin").await;
    let page = console.get(&format!("/admin/bookings/{id}")).await;
    assert!(page.text.contains(&format!(
        "href=\"/admin/bookings/{id}/cancel\" id=\"cancel\""
    )));
    // The confirmation says what will happen.
    let confirm = console.get(&format!("/admin/bookings/{id}/cancel")).await;
    confirm.assert_html(200);
    let refund = crate::notifications::money(total, "INR");
    assert!(
        confirm
            .text
            .contains(&format!("Cancel and refund {refund}")),
        "{}",
        confirm.text
    );
    assert!(confirm.text.contains("A-1, A-2"));
    assert_eq!(
        status_of(&app, &alice, &id).await,
        "confirmed",
        "GET changes nothing"
    );

    // Without the token: refused, nothing changes.
    let page = console
        .post_form(&format!("/admin/bookings/{id}/cancel"), &[])
        .await;
    page.assert_html(403);
    assert_eq!(page.error_code().as_deref(), Some("csrf_failed"));
    assert_eq!(status_of(&app, &alice, &id).await, "confirmed");

    let csrf = confirm.csrf().expect("csrf");
    let page = console
        .post_form(&format!("/admin/bookings/{id}/cancel"), &[("csrf", &csrf)])
        .await;
    assert_eq!(page.status.as_u16(), 303, "{}", page.text);
    assert_eq!(
        page.location(),
        format!("/admin/bookings/{id}?done=cancelled")
    );
    // The API agrees: refunded, the payment refunded in full, the seats free again.
    assert_eq!(status_of(&app, &alice, &id).await, "refunded");
    let payments = payments_of(&app, &alice, &id).await;
    assert_eq!(payments.len(), 1);
    assert_eq!(
        payments[0]["refund"]["amount_minor"].as_i64(),
        Some(total),
        "{}",
        payments[0]
    );
    assert_seats(&app, &event, &["A-1", "A-2"], "available").await;
    let page = console.get(page.location()).await;
    page.assert_html(200);
    assert!(page.text.contains("id=\"done\""));
    assert!(page.text.contains(">refunded<"));
    assert!(page.text.contains("refunded"));
    assert!(
        !page.text.contains("id=\"cancel\""),
        "nothing left to cancel"
    );

    // A second click: a clear 409 on the booking's page, nothing refunded twice.
    let page = console
        .post_form(&format!("/admin/bookings/{id}/cancel"), &[("csrf", &csrf)])
        .await;
    page.assert_html(409);
    assert!(page.text.contains("id=\"problem\""), "{}", page.text);
    assert_eq!(payments_of(&app, &alice, &id).await.len(), 1);

    // The clerk who sold a booking may cancel it (an unpaid one: nothing to refund).
    let sam = app.login("sam@example.test", super::PASSWORD).await;
    let sold_by_sam = booked(&app, &sam, &event, &["A-5"]).await;
    let sold = sold_by_sam["id"].as_str().expect("id");
    let confirm = staff.get(&format!("/admin/bookings/{sold}/cancel")).await;
    assert!(
        confirm.text.contains("nothing is refunded"),
        "{}",
        confirm.text
    );
    let staff_csrf = staff.csrf().await;
    let page = staff
        .post_form(
            &format!("/admin/bookings/{sold}/cancel"),
            &[("csrf", &staff_csrf)],
        )
        .await;
    assert_eq!(page.status.as_u16(), 303, "{}", page.text);
    assert_seats(&app, &event, &["A-5"], "available").await;
}

#[tokio::test]
async fn resend_arrives_once_per_click_even_when_the_form_is_sent_twice() {
    let sink = SmtpSink::start().await;
    let app = crate::notifications::spawn(&sink).await;
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 1, 10).await;
    let alice = app.customer("alice").await;
    let booking = buy(&app, &alice, &event, &["A-1"]).await;
    let id = booking["id"].as_str().expect("id").to_string();
    mail(&sink, "alice@example.test", "Your tickets").await;

    let mut console = Console::signed_in(&app, "sam", "staff").await;
    let page = console.get(&format!("/admin/bookings/{id}")).await;
    page.assert_html(200);
    let (csrf, key) = (
        page.csrf().expect("csrf"),
        page.field("key").expect("the resend form's key"),
    );
    let path = format!("/admin/bookings/{id}/resend");
    let fields = [("csrf", csrf.as_str()), ("key", key.as_str())];
    // A double submit: the same form twice at once.
    let mut other = Console::anonymous(&app);
    other.cookie = console.cookie.clone();
    let (first, second) = tokio::join!(
        console.post_form(&path, &fields),
        other.post_form(&path, &fields)
    );
    for page in [&first, &second] {
        assert_eq!(page.status.as_u16(), 303, "{}", page.text);
        assert_eq!(page.location(), format!("/admin/bookings/{id}?done=resent"));
    }
    eventually("the resent confirmation", || async {
        (mails(&sink, "alice@example.test", "Your tickets").len() >= 2).then_some(())
    })
    .await;
    assert_still(&app, &sink, "alice@example.test", "Your tickets", 2).await;
    // The resent email carries the tickets, like the first.
    let resent = &mails(&sink, "alice@example.test", "Your tickets")[1];
    assert_eq!(resent.images.len(), 1, "one QR code per ticket");

    // Another click (a new page, a new key) sends again, once.
    let page = console
        .get(&format!("/admin/bookings/{id}?done=resent"))
        .await;
    assert!(page.text.contains("id=\"done\""));
    assert!(
        page.text.contains("resent by staff"),
        "the log shows the resend"
    );
    let key2 = page.field("key").expect("key");
    assert_ne!(key, key2, "each page hands out its own key");
    let page = console
        .post_form(&path, &[("csrf", &csrf), ("key", &key2)])
        .await;
    assert_eq!(page.status.as_u16(), 303, "{}", page.text);
    eventually("the second resend", || async {
        (mails(&sink, "alice@example.test", "Your tickets").len() >= 3).then_some(())
    })
    .await;
    assert_still(&app, &sink, "alice@example.test", "Your tickets", 3).await;

    // Bad input: no key, a key no page hands out; a form without its token. Nothing sent.
    for key in [
        "",
        "short",
        "has spaces in it, many of them",
        &"k".repeat(65),
    ] {
        let page = console
            .post_form(&path, &[("csrf", &csrf), ("key", key)])
            .await;
        page.assert_html(422);
        assert!(
            page.text.contains("id=\"problem\""),
            "{key:?}: {}",
            page.text
        );
    }
    let page = console.post_form(&path, &[("key", &key2)]).await;
    page.assert_html(403);
    // An unpaid booking has no confirmation to resend.
    let pending = booked(&app, &alice, &event, &["A-2"]).await;
    let pending = pending["id"].as_str().expect("id");
    let page = console
        .post_form(
            &format!("/admin/bookings/{pending}/resend"),
            &[("csrf", &csrf), ("key", &"p".repeat(32))],
        )
        .await;
    page.assert_html(409);
    assert!(
        page.text.contains("no confirmation to resend"),
        "{}",
        page.text
    );
    let page = console
        .post_form(
            "/admin/bookings/bkg_00000000000000000000000000000000/resend",
            &[("csrf", &csrf), ("key", &"p".repeat(32))],
        )
        .await;
    page.assert_html(404);
    assert_still(&app, &sink, "alice@example.test", "Your tickets", 3).await;
}
