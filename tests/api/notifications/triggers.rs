//! One test per trigger: what the customer receives when their account is created, their
//! booking is confirmed (with tickets, codes and QR images), their card is declined, their
//! booking expires or is cancelled, the event is cancelled, or staff book for a walk-in.

use super::*;
use std::collections::BTreeSet;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[tokio::test]
async fn registration_sends_a_welcome_in_both_parts_with_the_operators_branding() {
    let sink = SmtpSink::start().await;
    let app = spawn(&sink).await;
    app.customer("alice").await;

    let m = mail(&sink, "alice@example.test", "Welcome").await;
    assert_branded(&m);
    assert_eq!(m.rcpt_to, ["alice@example.test"]);
    assert_eq!(m.subject, format!("Welcome to {OPERATOR}"));
    assert_eq!(
        m.structure,
        "multipart/alternative(text/plain, multipart/related(text/html))"
    );
    assert!(m.images.is_empty(), "{:?}", m.images);
    assert!(m.text.contains("Hello alice,"), "{}", m.text);
    assert!(m.html_as_read().contains("Hello alice,"), "{}", m.html);
    assert!(m.text.contains("alice@example.test"), "{}", m.text);

    // The log says what was sent, to whom, why, and names the message it sent.
    let admin = app.admin().await;
    let n = notification_status(
        &app,
        &admin,
        "kind=welcome&recipient=alice@example.test",
        "sent",
    )
    .await;
    assert_eq!(n["subject"], m.subject.as_str());
    assert_eq!(n["attempts"], 1);
    assert_eq!(n["last_error"], Value::Null);
    assert!(text(&n, "cause").starts_with("user:"), "{n}");
    assert!(n["sent_at_ms"].is_i64(), "{n}");
    assert_eq!(format!("{}@rezerve", text(&n, "id")), m.message_id);
    assert_still(&app, &sink, "alice@example.test", "Welcome", 1).await;
}

/// `starts_at` for a concert 40 days from now at 13:00 UTC, and the same moment as people in
/// Kolkata read it (computed with `time`, independently of the server's `jiff`).
fn kolkata_start() -> (String, String) {
    let start = (OffsetDateTime::now_utc() + time::Duration::days(40))
        .replace_time(time::macros::time!(13:00));
    let local = start.to_offset(time::macros::offset!(+5:30));
    let shown = local
        .format(time::macros::format_description!(
            "[weekday repr:short] [day padding:none] [month repr:short] [year], [hour]:[minute]"
        ))
        .expect("formats");
    assert!(shown.ends_with("18:30"), "{shown}");
    (
        start.format(&Rfc3339).expect("formats"),
        format!("{shown} IST (Asia/Kolkata)"),
    )
}

#[tokio::test]
async fn a_paid_booking_sends_its_tickets_with_codes_local_time_and_inline_qr_images() {
    let sink = SmtpSink::start().await;
    let app = spawn(&sink).await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let (starts_at, local_when) = kolkata_start();
    let event = create_event(&app, &admin, kolkata_concert("Evening Raga", &starts_at)).await;

    let booking = buy(&app, &alice, &event, &["A-1", "A-2"]).await;
    let id = text(&booking, "id");
    let total = booking["total"]["amount_minor"].as_i64().expect("total");
    let codes = ticket_codes(&app, &alice, &id).await;
    assert_eq!(codes.len(), 2);

    let m = mail(&sink, "alice@example.test", "Your tickets").await;
    assert_branded(&m);
    assert_eq!(m.rcpt_to, ["alice@example.test"]);
    assert_eq!(m.subject, "Your tickets for Evening Raga");
    assert_eq!(
        m.structure,
        "multipart/alternative(text/plain, multipart/related(text/html, image/png, image/png))"
    );
    let html = m.html_as_read();
    for part in [&m.text, &html] {
        assert!(part.contains("Hello alice,"), "{part}");
        assert!(part.contains("Evening Raga"), "{part}");
        assert!(part.contains("Town Hall"), "venue: {part}");
        assert!(part.contains(&local_when), "{local_when:?} in {part}");
        assert!(part.contains("A-1, A-2"), "seats: {part}");
        assert!(part.contains(&money(total, "INR")), "amount: {part}");
        assert!(part.contains(&id), "reference: {part}");
        for (seat, code) in &codes {
            assert!(part.contains(code), "ticket {seat}'s code in {part}");
        }
    }
    // One inline PNG per ticket, each referenced by the HTML, each the QR of one code.
    assert_eq!(m.images.len(), codes.len(), "{:?}", m.images);
    let cids: BTreeSet<&str> = m.images.iter().map(|i| i.cid.as_str()).collect();
    assert_eq!(cids.len(), codes.len(), "distinct Content-IDs: {cids:?}");
    for image in &m.images {
        assert_eq!(image.content_type, "image/png");
        assert!(image.inline, "{} is not inline", image.cid);
        assert!(
            image.bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            "{} is no PNG",
            image.cid
        );
        assert!(
            m.html.contains(&format!("src=\"cid:{}\"", image.cid)),
            "{} not referenced: {}",
            image.cid,
            m.html
        );
    }
    let sent: BTreeSet<&[u8]> = m.images.iter().map(|i| i.bytes.as_slice()).collect();
    let expected: Vec<Vec<u8>> = codes
        .iter()
        .map(|(_, code)| rezerve::notify::qr::png(code).expect("QR"))
        .collect();
    let expected: BTreeSet<&[u8]> = expected.iter().map(Vec::as_slice).collect();
    assert_eq!(sent, expected, "the images are the QR codes of the tickets");

    let n = notification_status(
        &app,
        &admin,
        &format!("kind=booking-confirmed&cause=booking:{id}"),
        "sent",
    )
    .await;
    assert_eq!(n["recipient"], "alice@example.test");
    assert_eq!(format!("{}@rezerve", text(&n, "id")), m.message_id);
    assert_still(&app, &sink, "alice@example.test", "Your tickets", 1).await;
}

#[tokio::test]
async fn a_confirmation_for_a_journey_names_its_route() {
    let sink = SmtpSink::start().await;
    let app = spawn(&sink).await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let (departs_at, local_when) = kolkata_start();
    let departs = OffsetDateTime::parse(&departs_at, &Rfc3339).expect("time");
    let at = |hours: i64| {
        (departs + time::Duration::hours(hours))
            .format(&Rfc3339)
            .expect("formats")
    };
    let event = create_event(
        &app,
        &admin,
        json!({
            "name": "Night Coach", "category": "bus", "timezone": "Asia/Kolkata",
            "origin": "Delhi", "destination": "Jaipur",
            "departs_at": departs_at, "arrives_at": at(6),
            "stops": [{"name": "Gurugram", "arrives_at": at(1), "departs_at": at(1)}],
            "seat_map": {"sections": [{"name": "Deck", "rows": [{"row": "1", "seats": 4}]}]},
            "prices": {"standard": {"amount_minor": 65000, "currency": "INR"}}
        }),
    )
    .await;
    buy(&app, &alice, &event, &["1-1"]).await;

    let m = mail(&sink, "alice@example.test", "Your tickets").await;
    assert_branded(&m);
    for part in [&m.text, &m.html_as_read()] {
        assert!(part.contains("Delhi → Jaipur"), "route: {part}");
        assert!(part.contains(&local_when), "{local_when:?} in {part}");
    }
}

#[tokio::test]
async fn a_declined_card_sends_payment_failed() {
    let sink = SmtpSink::start().await;
    let app = spawn(&sink).await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 10).await;
    let booking = book(&app, &alice, &event, &["A-1"], json!({})).await;
    let id = text(&booking, "id");
    pay(&app, &alice, &booking, CARD_DECLINED)
        .await
        .assert_problem(402, "payment_declined");

    let m = mail(&sink, "alice@example.test", "did not go through").await;
    assert_branded(&m);
    assert_eq!(
        m.subject,
        "Your payment for Evening Raga did not go through"
    );
    for part in [&m.text, &m.html_as_read()] {
        assert!(part.contains(&id), "{part}");
        assert!(part.contains("Evening Raga"), "{part}");
        assert!(part.contains("No money was taken"), "{part}");
        assert!(part.contains("the card was declined"), "{part}");
        assert!(!part.contains("refunded"), "{part}");
    }
    notification_status(
        &app,
        &admin,
        "kind=payment-failed&recipient=alice@example.test",
        "sent",
    )
    .await;
    assert_still(&app, &sink, "alice@example.test", "Your tickets", 0).await;
    assert_eq!(
        mails(&sink, "alice@example.test", "did not go through").len(),
        1
    );
}

#[tokio::test]
async fn a_provider_timeout_email_does_not_promise_that_no_money_was_taken() {
    let sink = SmtpSink::start().await;
    let app = spawn_with(&sink, |c| c.payments.provider_timeout_seconds = 1).await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 10).await;
    let booking = book(&app, &alice, &event, &["A-2"], json!({})).await;
    pay(&app, &alice, &booking, crate::bookings::CARD_NO_ANSWER)
        .await
        .assert_problem(504, "payment_timeout");

    // The provider may still take the money (a late success is refunded), so the email
    // says what happens to a charge rather than that there is none.
    let m = mail(&sink, "alice@example.test", "did not go through").await;
    for part in [&m.text, &m.html_as_read()] {
        assert!(part.contains(&text(&booking, "id")), "{part}");
        assert!(
            part.contains("the payment provider did not answer in time"),
            "{part}"
        );
        assert!(part.contains("refunded automatically"), "{part}");
        assert!(!part.contains("No money was taken"), "{part}");
        assert!(!part.contains("provider_timeout"), "{part}");
    }
}

#[tokio::test]
async fn an_unpaid_booking_that_expires_sends_booking_expired() {
    let sink = SmtpSink::start().await;
    let app = spawn(&sink).await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 10).await;
    let booking = book(&app, &alice, &event, &["A-3", "A-4"], json!({})).await;
    let id = text(&booking, "id");

    let ttl = app.config.holds.ttl_seconds as i64;
    app.clock.advance(time::Duration::seconds(ttl + 1));
    let m = mail(&sink, "alice@example.test", "has expired").await;
    assert_branded(&m);
    assert_eq!(m.subject, "Your booking for Evening Raga has expired");
    for part in [&m.text, &m.html_as_read()] {
        assert!(part.contains(&id), "{part}");
        assert!(part.contains("A-3, A-4"), "{part}");
        assert!(part.contains("No money was taken"), "{part}");
    }
    let reply = app
        .get(&format!("/api/v1/bookings/{id}"), Some(&alice))
        .await;
    assert_eq!(reply.body["status"], "expired", "{}", reply.text);
    assert_still(&app, &sink, "alice@example.test", "has expired", 1).await;
}

#[tokio::test]
async fn cancelling_a_paid_booking_sends_the_refund() {
    let sink = SmtpSink::start().await;
    let app = spawn(&sink).await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 10).await;
    let booking = buy(&app, &alice, &event, &["A-5"]).await;
    let id = text(&booking, "id");
    let total = booking["total"]["amount_minor"].as_i64().expect("total");
    app.post(
        &format!("/api/v1/bookings/{id}/cancel"),
        Some(&alice),
        json!({}),
    )
    .await
    .assert_status(200);

    let m = mail(&sink, "alice@example.test", "is cancelled").await;
    assert_branded(&m);
    assert_eq!(m.subject, "Your booking for Evening Raga is cancelled");
    let refund = format!("We have refunded {} to you.", money(total, "INR"));
    for part in [&m.text, &m.html_as_read()] {
        assert!(part.contains(&id), "{part}");
        assert!(part.contains(&refund), "{refund:?} in {part}");
        assert!(part.contains("cancelled by the customer"), "{part}");
    }
    assert_still(&app, &sink, "alice@example.test", "is cancelled", 1).await;
}

#[tokio::test]
async fn cancelling_an_event_tells_every_ticket_holder_once() {
    let sink = SmtpSink::start().await;
    let app = spawn(&sink).await;
    let admin = app.admin().await;
    let (alice, bob, carol, dave) = (
        app.customer("alice").await,
        app.customer("bob").await,
        app.customer("carol").await,
        app.customer("dave").await,
    );
    let event = app.create_concert(&admin, 1, 10).await;
    let a = buy(&app, &alice, &event, &["A-1"]).await;
    let b = buy(&app, &bob, &event, &["A-2", "A-3"]).await;
    // Carol booked but has not paid: her booking ends too, with nothing to refund.
    let c = book(&app, &carol, &event, &["A-4"], json!({})).await;
    // Dave only browsed; Erin held a seat and had not booked it yet.
    let _ = &dave;
    let erin = app.customer("erin").await;
    app.post(
        &format!("/api/v1/events/{event}/holds"),
        Some(&erin),
        json!({"seats": ["A-5"]}),
    )
    .await
    .assert_status(201);
    // A walk-in bought a seat at the box office and gave no email: refunded, told nothing.
    let clerk = app.account("boxoffice", "staff").await;
    let walk_in = book(&app, &clerk, &event, &["A-6"], json!({"walk_in": true})).await;
    pay(&app, &clerk, &walk_in, CARD_OK)
        .await
        .assert_status(201);
    mail(&sink, "bob@example.test", "Your tickets").await;

    let reply = app
        .post(
            &format!("/api/v1/events/{event}/cancel"),
            Some(&admin),
            json!({}),
        )
        .await;
    reply.assert_status(200);
    assert_eq!(reply.body["bookings_cancelled"], 4, "{}", reply.text);

    for (who, booking, refund) in [
        (
            "alice",
            &a,
            Some(a["total"]["amount_minor"].as_i64().expect("total")),
        ),
        (
            "bob",
            &b,
            Some(b["total"]["amount_minor"].as_i64().expect("total")),
        ),
        ("carol", &c, None),
    ] {
        let to = format!("{who}@example.test");
        let m = mail(&sink, &to, "Evening Raga is cancelled").await;
        assert_branded(&m);
        assert_eq!(m.subject, "Evening Raga is cancelled");
        assert_eq!(m.rcpt_to, [to.as_str()]);
        for part in [&m.text, &m.html_as_read()] {
            assert!(part.contains(&format!("Hello {who},")), "{part}");
            assert!(part.contains(&text(booking, "id")), "{part}");
            match refund {
                Some(minor) => assert!(
                    part.contains(&format!("We have refunded {} to you.", money(minor, "INR"))),
                    "{part}"
                ),
                None => assert!(!part.contains("refunded"), "{part}"),
            }
        }
    }
    assert_still(
        &app,
        &sink,
        "alice@example.test",
        "Evening Raga is cancelled",
        1,
    )
    .await;
    for who in ["alice", "bob", "carol"] {
        let to = format!("{who}@example.test");
        assert_eq!(
            mails(&sink, &to, "Evening Raga is cancelled").len(),
            1,
            "{who}"
        );
        assert_eq!(
            mails(&sink, &to, "Your booking for").len(),
            0,
            "{who} is told once, by the event's cancellation"
        );
    }
    assert_eq!(mails(&sink, "dave@example.test", "cancelled").len(), 0);
    assert_eq!(mails(&sink, "boxoffice@example.test", "cancelled").len(), 0);
    let walk_in = app
        .get(
            &format!("/api/v1/bookings/{}", text(&walk_in, "id")),
            Some(&admin),
        )
        .await;
    assert_eq!(walk_in.body["status"], "refunded", "{}", walk_in.body);
    // Erin is told once that her seats are released, with no booking to name.
    let m = mail(&sink, "erin@example.test", "Evening Raga is cancelled").await;
    assert_branded(&m);
    for part in [&m.text, &m.html_as_read()] {
        assert!(part.contains("Hello erin,"), "{part}");
        assert!(
            part.contains("The seats you were holding are released; nothing was charged."),
            "{part}"
        );
        assert!(!part.contains("your booking"), "{part}");
    }
    assert_still(
        &app,
        &sink,
        "erin@example.test",
        "Evening Raga is cancelled",
        1,
    )
    .await;
}

#[tokio::test]
async fn a_walk_in_booking_sends_the_confirmation_to_the_customers_email() {
    let sink = SmtpSink::start().await;
    let app = spawn(&sink).await;
    let admin = app.admin().await;
    let staff = app.account("boxoffice", "staff").await;
    let event = app.create_concert(&admin, 1, 10).await;
    let guest = "walk.in.guest@example.test";
    let booking = book(
        &app,
        &staff,
        &event,
        &["A-7"],
        json!({"customer_email": "Walk.In.Guest@Example.test"}),
    )
    .await;
    assert_eq!(booking["customer_email"], guest);
    let reply = pay(&app, &staff, &booking, CARD_OK).await;
    reply.assert_status(201);
    let id = text(&booking, "id");
    let codes = ticket_codes(&app, &staff, &id).await;

    let m = mail(&sink, guest, "Your tickets").await;
    assert_branded(&m);
    assert_eq!(m.rcpt_to, [guest]);
    // No account behind the address: a neutral greeting.
    assert!(m.text.contains("Hello there,"), "{}", m.text);
    assert!(m.text.contains(&codes[0].1), "{}", m.text);
    assert_eq!(m.images.len(), 1);
    assert_still(&app, &sink, "boxoffice@example.test", "Your tickets", 0).await;
    assert_eq!(mails(&sink, guest, "Your tickets").len(), 1);
}

#[tokio::test]
async fn a_walk_in_who_gives_no_email_is_sold_and_refunded_without_an_email_to_anyone() {
    let sink = SmtpSink::start().await;
    let app = spawn(&sink).await;
    let admin = app.admin().await;
    let staff = app.account("boxoffice", "staff").await;
    let event = app.create_concert(&admin, 1, 10).await;
    let booking = book(&app, &staff, &event, &["A-7"], json!({"walk_in": true})).await;
    assert_eq!(booking["customer_email"], Value::Null);
    pay(&app, &staff, &booking, CARD_OK)
        .await
        .assert_status(201);
    let id = text(&booking, "id");
    app.post(
        &format!("/api/v1/bookings/{id}/cancel"),
        Some(&staff),
        json!({}),
    )
    .await
    .assert_status(200);

    // Before, the clerk's own address got the walk-in's tickets and the cancellation.
    assert_still(&app, &sink, "boxoffice@example.test", "Your tickets", 0).await;
    assert_still(&app, &sink, "boxoffice@example.test", "is cancelled", 0).await;
    let logged = notifications(&app, &admin, &format!("cause=booking:{id}")).await;
    assert!(logged.is_empty(), "{logged:#?}");
    // The sale itself went through: paid, then refunded.
    let shown = app
        .get(&format!("/api/v1/bookings/{id}"), Some(&admin))
        .await;
    assert_eq!(shown.body["status"], "refunded", "{}", shown.body);
}
