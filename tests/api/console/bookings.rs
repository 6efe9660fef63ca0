//! Finding a booking in the console (by email, by name, by booking id, by ticket code; a
//! page at a time) and what its page shows: seats linked to their seat pages, prices and
//! total, the payment, tickets with who let them in, the emails it caused, and the history
//! of its seats linking back to bookings.

use super::{Console, PASSWORD};
use crate::bookings::{booked, bought, tickets};
use crate::helpers::TestApp;
use serde_json::json;

/// Registers a customer with a name unlike their email; their token.
async fn customer_named(app: &TestApp, name: &str, email: &str) -> String {
    let reply = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": email, "password": PASSWORD, "name": name}),
        )
        .await;
    reply.assert_status(201);
    reply.body["token"].as_str().expect("token").to_string()
}

fn id_of(booking: &serde_json::Value) -> String {
    booking["id"].as_str().expect("id").to_string()
}

/// The query string for a search.
fn search(q: &str) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("q", q)
        .finish();
    format!("/admin/bookings?{query}")
}

#[tokio::test]
async fn staff_find_bookings_by_email_name_id_and_ticket_code() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 2, 10).await;
    let priya = customer_named(&app, "Priya Raman", "p.r@example.test").await;
    let omar = customer_named(&app, "Omar Haddad", "oh@example.test").await;
    let hers = id_of(&bought(&app, &priya, &event, &["A-1", "A-2"]).await);
    let his = id_of(&bought(&app, &omar, &event, &["B-1"]).await);
    let console = Console::signed_in(&app, "sam", "staff").await;

    // By email, in part and in any case.
    for q in ["p.r@example.test", "P.R@EXAMPLE", "p.r@"] {
        let page = console.get(&search(q)).await;
        page.assert_html(200);
        assert!(page.text.contains(&hers), "{q}: {}", page.text);
        assert!(!page.text.contains(&his), "{q} finds only hers");
    }
    // By the name on the customer's account (nowhere in the email).
    let page = console.get(&search("raman")).await;
    page.assert_html(200);
    assert!(page.text.contains(&hers), "{}", page.text);
    assert!(page.text.contains("Priya Raman"));
    assert!(!page.text.contains(&his));
    // An exact booking id goes straight to it.
    let page = console.get(&search(&his)).await;
    assert_eq!(page.status.as_u16(), 303, "{}", page.text);
    assert_eq!(page.location(), format!("/admin/bookings/{his}"));
    // So does a scanned ticket code, to its ticket.
    let ticket = &tickets(&app, &priya, &hers).await[1];
    let code = ticket["code"].as_str().expect("code");
    let page = console.get(&search(&format!("  {code} "))).await;
    assert_eq!(page.status.as_u16(), 303, "{}", page.text);
    assert_eq!(
        page.location(),
        format!(
            "/admin/bookings/{hers}#{}",
            ticket["id"].as_str().expect("id")
        )
    );
    // The end of an id (as the list shows it) lists it.
    let page = console.get(&search(&his[his.len() - 8..])).await;
    page.assert_html(200);
    assert!(page.text.contains(&his) && !page.text.contains(&hers));
    // Nothing found says so; `%` and `_` are letters, not wildcards.
    for q in ["nobody@nowhere.test", "%", "p_r@"] {
        let page = console.get(&search(q)).await;
        page.assert_html(200);
        assert!(
            page.text.contains("id=\"no-results\""),
            "{q}: {}",
            page.text
        );
    }
    // A forged code finds nothing rather than something.
    let forged = format!("{}x", &code[..code.len() - 1]);
    let page = console.get(&search(&forged)).await;
    page.assert_html(200);
    assert!(page.text.contains("id=\"no-results\""));
    // No text: the newest first.
    let page = console.get("/admin/bookings").await;
    page.assert_html(200);
    let (h, o) = (
        page.text.find(&hers).expect("hers"),
        page.text.find(&his).expect("his"),
    );
    assert!(o < h, "newest first");
}

#[tokio::test]
async fn results_come_a_page_at_a_time_and_bad_search_input_gets_a_message() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 1, 30).await;
    let alice = app.customer("alice").await;
    let mut ids = Vec::new();
    for n in 1..=27 {
        ids.push(id_of(
            &booked(&app, &alice, &event, &[&format!("A-{n}")]).await,
        ));
    }
    let console = Console::signed_in(&app, "sam", "staff").await;
    let first = console.get(&search("alice@")).await;
    first.assert_html(200);
    let shown = |text: &str| ids.iter().filter(|id| text.contains(id.as_str())).count();
    assert_eq!(shown(&first.text), 25);
    let next = {
        let start = first
            .text
            .find("href=\"/admin/bookings?q=")
            .expect("next link")
            + 6;
        let end = start + first.text[start..].find('"').expect("end");
        first.text[start..end]
            .replace("&#38;", "&")
            .replace("&amp;", "&")
    };
    let second = console.get(&next).await;
    second.assert_html(200);
    assert_eq!(shown(&second.text), 2, "{}", second.text);
    assert!(second.text.contains(&ids[0]) && second.text.contains(&ids[1]));
    assert!(!second.text.contains("id=\"next-page\""));

    // Too long, control characters, a cursor this list never handed out: a message, 422.
    let long = "x".repeat(2049);
    for path in [
        search(&long),
        search("a\u{1}b"),
        "/admin/bookings?q=a&cursor=%%%".to_string(),
    ] {
        let page = console.get(&path).await;
        page.assert_html(422);
        assert!(page.text.contains("id=\"search-problem\""), "{path}");
        assert!(page.text.contains("name=\"q\""), "the form is shown again");
    }
}

#[tokio::test]
async fn a_booking_page_shows_everything_about_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let door = app.account("doorkeeper", "staff").await;
    let event = app.create_concert(&admin, 1, 10).await;
    let priya = customer_named(&app, "Priya Raman", "p.r@example.test").await;
    let booking = bought(&app, &priya, &event, &["A-3", "A-4"]).await;
    let id = id_of(&booking);
    let issued = tickets(&app, &priya, &id).await;
    let a3 = issued
        .iter()
        .find(|t| t["seat"] == "A-3")
        .expect("A-3 ticket");
    app.post(
        "/api/v1/checkins",
        Some(&door),
        json!({"code": a3["code"], "event_id": event}),
    )
    .await
    .assert_status(200);
    let console = Console::signed_in(&app, "sam", "staff").await;

    // The confirmation email is logged by a worker, the seat history written by the relay:
    // wait for both to show.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let page = loop {
        let page = console.get(&format!("/admin/bookings/{id}")).await;
        page.assert_html(200);
        if page.text.contains("booking-confirmed") && page.text.contains("held → sold") {
            break page;
        }
        assert!(std::time::Instant::now() < deadline, "{}", page.text);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let text = &page.text;
    assert!(text.contains(">confirmed<"), "status");
    assert!(text.contains("Priya Raman") && text.contains("p.r@example.test"));
    for seat in ["A-3", "A-4"] {
        assert!(
            text.contains(&format!("href=\"/admin/events/{event}/seats/{seat}\"")),
            "{seat} links to its seat page"
        );
    }
    let total = booking["total"]["amount_minor"].as_i64().expect("total");
    let money = crate::notifications::money(total, "INR");
    assert!(text.contains(&money), "the total {money}");
    let payment = &crate::bookings::payments_of(&app, &admin, &id).await[0];
    assert!(text.contains(payment["id"].as_str().expect("payment id")));
    assert!(text.contains("succeeded") && text.contains("card ending 4242"));
    // Tickets: A-3 is in, let in by the doorkeeper; A-4 is not yet.
    assert!(text.contains("checked in"), "{text}");
    assert!(text.contains("by doorkeeper"));
    assert!(text.contains("not yet in"));
    // Emails and seat history.
    assert!(text.contains("Your tickets for"));
    assert!(text.contains("data-seat=\"A-3\"") && text.contains("data-seat=\"A-4\""));
    // Held by its hold, sold by the booking: both steps of both seats name this booking.
    assert_eq!(text.matches("\">this booking").count(), 4, "{text}");
    assert!(text.contains("available → held"));

    // A rebooked seat's history links to the booking before it.
    app.post(
        &format!("/api/v1/bookings/{id}/cancel"),
        Some(&priya),
        json!({}),
    )
    .await
    .assert_status(200);
    let omar = app.customer("omar").await;
    let again = id_of(&bought(&app, &omar, &event, &["A-4"]).await);
    let page = console.get(&format!("/admin/bookings/{again}")).await;
    page.assert_html(200);
    assert!(
        page.text
            .contains(&format!("href=\"/admin/bookings/{id}\"")),
        "{}",
        page.text
    );

    // Unknown and malformed ids are 404 pages.
    for bad in [
        "bkg_00000000000000000000000000000000",
        "nonsense",
        "bkg_%00",
    ] {
        let page = console.get(&format!("/admin/bookings/{bad}")).await;
        page.assert_html(404);
        assert_eq!(page.error_code().as_deref(), Some("not_found"));
    }
}
