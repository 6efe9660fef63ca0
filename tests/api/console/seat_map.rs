//! The seat map and seat pages over HTTP: every status drawn with its shape and letter, per
//! segment on routes, big events by section, blocking for admins only, bad input refused with
//! nothing changed, and a seat's page naming who holds or bought it.

use super::Console;
use crate::helpers::{TestApp, hours_from_now};
use crate::notifications::ticket_codes;
use crate::pricing::{hold, sell};
use serde_json::{Value, json};

/// The `<g>` of a seat in the map: its class list and title.
fn seat_mark(html: &str, label: &str) -> Option<String> {
    let title = format!("<title>{label} · ");
    let at = html.find(&title)?;
    let start = html[..at].rfind("<g class=\"")? + "<g class=\"".len();
    let end = start + html[start..].find('"')?;
    Some(html[start..end].to_string())
}

/// What is written in a seat on the map.
fn seat_text(html: &str, label: &str) -> String {
    let at = html
        .find(&format!("<title>{label} · "))
        .expect("seat drawn");
    let marker = "<text x=\"11\" y=\"15\">";
    let start = at + html[at..].find(marker).expect("seat text") + marker.len();
    let end = start + html[start..].find('<').expect("end");
    html[start..end].to_string()
}

async fn seat_status(app: &TestApp, event: &str, label: &str) -> Value {
    let reply = app
        .get(&format!("/api/v1/events/{event}/seats"), None)
        .await;
    reply.assert_status(200);
    reply.body["seats"]
        .as_array()
        .expect("seats")
        .iter()
        .find(|s| s["label"] == label)
        .cloned()
        .expect("seat")
}

#[tokio::test]
async fn every_status_is_drawn_with_its_shape_and_letter() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 2, 6).await;
    let cara = app.customer("cara").await;
    hold(&app, &cara, &event, &["A-1"]).await;
    let sold = sell(&app, &cara, &event, &["A-2", "A-3"]).await;
    let codes = ticket_codes(&app, &cara, sold["id"].as_str().expect("id")).await;
    let code_a3 = &codes.iter().find(|(s, _)| s == "A-3").expect("A-3").1;
    app.post("/api/v1/checkins", Some(&admin), json!({ "code": code_a3 }))
        .await
        .assert_status(200);
    app.post(
        &format!("/api/v1/events/{event}/seats/block"),
        Some(&admin),
        json!({"seats": ["B-6"], "reason": "camera"}),
    )
    .await
    .assert_status(200);

    let staff = Console::signed_in(&app, "sam", "staff").await;
    let page = staff.get(&format!("/admin/events/{event}/seats")).await;
    page.assert_html(200);
    let html = &page.text;
    assert_eq!(seat_mark(html, "A-1").as_deref(), Some("seat held"));
    assert_eq!(seat_mark(html, "A-2").as_deref(), Some("seat sold"));
    assert_eq!(seat_mark(html, "A-3").as_deref(), Some("seat checked-in"));
    assert_eq!(seat_mark(html, "B-6").as_deref(), Some("seat blocked"));
    assert_eq!(seat_mark(html, "B-1").as_deref(), Some("seat available"));
    assert!(html.contains("<title>B-6 · blocked · standard · INR "));
    assert!(html.contains(" · blocked: camera</title>"));
    // Letters carry the status as well as colour; free seats show their number.
    assert_eq!(seat_text(html, "A-1"), "H");
    assert_eq!(seat_text(html, "A-2"), "S");
    assert_eq!(seat_text(html, "A-3"), "✓");
    assert_eq!(seat_text(html, "B-6"), "×");
    assert_eq!(seat_text(html, "B-1"), "1");
    // Every seat is a checkbox with its label, so the map works by keyboard and without JS.
    assert_eq!(html.matches("type=\"checkbox\" name=\"seat\"").count(), 12);
    assert!(html.contains("value=\"A-2\" aria-label=\"A-2 · sold"));
    // Staff may look and ask for details, not block.
    assert!(!html.contains("Block selected"));
    assert!(html.contains("Details of selected"));
    assert!(html.contains("class=\"front-text\"") && html.contains(">Stage</text>"));
}

#[tokio::test]
async fn a_films_map_faces_the_screen() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut body = crate::helpers::concert_body(
        json!({"sections": [{"name": "Hall 1", "rows": [{"row": "A", "seats": 4}]}]}),
    );
    body["name"] = json!("Late Show");
    body["category"] = json!("movie");
    let reply = app.post("/api/v1/events", Some(&admin), body).await;
    reply.assert_status(201);
    let event = reply.body["id"].as_str().expect("id");
    let staff = Console::signed_in(&app, "sam", "staff").await;
    let page = staff.get(&format!("/admin/events/{event}/seats")).await;
    page.assert_html(200);
    assert!(page.text.contains(">Screen</text>"), "{}", page.text);
    assert!(!page.text.contains(">Stage</text>"));
}

#[tokio::test]
async fn admins_block_and_unblock_the_selection_and_staff_cannot() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 2, 6).await;
    let mut ada = Console::signed_in(&app, "ada", "admin").await;
    let csrf = ada.csrf().await;
    let path = format!("/admin/events/{event}/seats/block");
    let page = ada
        .post_form(
            &path,
            &[
                ("csrf", &csrf),
                ("seat", "A-1"),
                ("seat", "A-2"),
                ("reason", "wheelchair bay"),
            ],
        )
        .await;
    assert_eq!(page.status.as_u16(), 303, "{}", page.text);
    let back = ada.get(page.location()).await;
    assert!(back.text.contains("Blocked 2 seats."), "{}", back.text);
    assert_eq!(
        seat_mark(&back.text, "A-1").as_deref(),
        Some("seat blocked")
    );
    let seat = seat_status(&app, &event, "A-2").await;
    assert_eq!(seat["status"], "blocked");
    assert_eq!(seat["blocked_reason"], "wheelchair bay");

    // Staff: a 403 page and nothing changes.
    let mut sam = Console::signed_in(&app, "sam", "staff").await;
    let token = sam.csrf().await;
    let page = sam
        .post_form(
            &format!("/admin/events/{event}/seats/unblock"),
            &[("csrf", &token), ("seat", "A-1")],
        )
        .await;
    page.assert_html(403);
    assert_eq!(page.error_code().as_deref(), Some("forbidden"));
    assert_eq!(seat_status(&app, &event, "A-1").await["status"], "blocked");

    let page = ada
        .post_form(
            &format!("/admin/events/{event}/seats/unblock"),
            &[("csrf", &csrf), ("seat", "A-1")],
        )
        .await;
    assert_eq!(page.status.as_u16(), 303, "{}", page.text);
    assert_eq!(
        seat_status(&app, &event, "A-1").await["status"],
        "available"
    );
    assert_eq!(seat_status(&app, &event, "A-2").await["status"], "blocked");
}

#[tokio::test]
async fn bad_block_input_says_why_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 1, 4).await;
    let mut ada = Console::signed_in(&app, "ada", "admin").await;
    let csrf = ada.csrf().await;
    let path = format!("/admin/events/{event}/seats/block");
    let long = "x".repeat(600);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("reason", "broken")], "Seats: name at least one seat."),
        (vec![("seat", "A-1")], "Reason:"),
        (vec![("seat", "A-1"), ("reason", "   ")], "Reason:"),
        (vec![("seat", "A-1"), ("reason", long.as_str())], "Reason:"),
        (
            vec![("seat", "A-1"), ("seat", "Z-99"), ("reason", "broken")],
            "Z-99",
        ),
    ];
    for (fields, message) in cases {
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend(fields.iter().copied());
        let page = ada.post_form(&path, &all).await;
        page.assert_html(422);
        assert!(page.text.contains("Nothing changed."), "{}", page.text);
        assert!(page.text.contains(message), "{message}: {}", page.text);
        // The selection survives, so the admin fixes only what was wrong.
        if all.iter().any(|(k, v)| *k == "seat" && *v == "A-1") {
            assert!(page.text.contains(
                "value=\"A-1\" aria-label=\"A-1 · available · standard · INR 900.00\" checked"
            ));
        }
    }
    for label in ["A-1", "A-2", "A-3", "A-4"] {
        assert_eq!(
            seat_status(&app, &event, label).await["status"],
            "available"
        );
    }
    // Without the token: refused, nothing changes.
    let page = ada
        .post_form(&path, &[("seat", "A-1"), ("reason", "broken")])
        .await;
    page.assert_html(403);
    assert_eq!(
        seat_status(&app, &event, "A-1").await["status"],
        "available"
    );
    // An unknown event or section is a 404 page, not a 500.
    ada.get("/admin/events/evt_nope/seats")
        .await
        .assert_html(404);
    ada.get(&format!("/admin/events/{event}/seats?section=Balcony"))
        .await
        .assert_html(404);
}

#[tokio::test]
async fn a_route_is_drawn_per_segment() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let reply = app
        .post(
            "/api/v1/events",
            Some(&admin),
            json!({
                "name": "Pink City Express", "category": "bus",
                "origin": "Delhi", "destination": "Jaipur",
                "departs_at": hours_from_now(72), "arrives_at": hours_from_now(78),
                "stops": [{"name": "Gurugram", "arrives_at": hours_from_now(73), "departs_at": hours_from_now(74)}],
                "seat_map": {"sections": [{"name": "Coach", "rows": [{"row": "1", "seats": 4}]}]},
                "prices": {"standard": {"amount_minor": 50000, "currency": "INR"}}
            }),
        )
        .await;
    reply.assert_status(201);
    let event = reply.body["id"].as_str().expect("id").to_string();
    let cara = app.customer("cara").await;
    app.post(
        &format!("/api/v1/events/{event}/holds"),
        Some(&cara),
        json!({"seats": ["1-1"], "from": "Delhi", "to": "Gurugram"}),
    )
    .await
    .assert_status(201);
    let staff = Console::signed_in(&app, "sam", "staff").await;
    let whole = staff.get(&format!("/admin/events/{event}/seats")).await;
    whole.assert_html(200);
    assert_eq!(seat_mark(&whole.text, "1-1").as_deref(), Some("seat held"));
    assert!(whole.text.contains("<label for=\"seg-from\">From</label>"));
    assert!(whole.text.contains(">Front</text>"));
    let later = staff
        .get(&format!(
            "/admin/events/{event}/seats?from=Gurugram&to=Jaipur"
        ))
        .await;
    later.assert_html(200);
    assert_eq!(
        seat_mark(&later.text, "1-1").as_deref(),
        Some("seat available")
    );
    assert!(later.text.contains("Showing seats for Gurugram → Jaipur"));
    let first = staff
        .get(&format!(
            "/admin/events/{event}/seats?from=Delhi&to=Gurugram"
        ))
        .await;
    assert_eq!(seat_mark(&first.text, "1-1").as_deref(), Some("seat held"));
    // A stop that is not on the route: a clear page, not a 500.
    let bad = staff
        .get(&format!("/admin/events/{event}/seats?from=Agra"))
        .await;
    bad.assert_html(422);
    assert!(
        bad.text.contains("is not a stop of this event"),
        "{}",
        bad.text
    );
}

#[tokio::test]
async fn a_big_event_shows_sections_first_and_draws_the_opened_one() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let section = |name: &str, prefix: &str| {
        let rows: Vec<Value> = (0..20)
            .map(|i| json!({"row": format!("R{i}"), "seats": 50}))
            .collect();
        json!({"name": name, "prefix": prefix, "rows": rows})
    };
    let reply = app
        .post(
            "/api/v1/events",
            Some(&admin),
            crate::helpers::concert_body(
                json!({"sections": [section("North", "N-"), section("South", "S-")]}),
            ),
        )
        .await;
    reply.assert_status(201);
    let event = reply.body["id"].as_str().expect("id").to_string();
    let cara = app.customer("cara").await;
    sell(&app, &cara, &event, &["S-R0-1", "S-R0-2"]).await;
    let staff = Console::signed_in(&app, "sam", "staff").await;
    let overview = staff.get(&format!("/admin/events/{event}/seats")).await;
    overview.assert_html(200);
    assert!(
        !overview.text.contains("type=\"checkbox\""),
        "no seats drawn"
    );
    assert!(overview.text.contains("This event has 2000 seats"));
    assert!(
        overview
            .text
            .contains("aria-label=\"Section South: 998 available of 1000\"")
    );
    // The counts come from the live index without reading a seat: each section's, and the
    // event's totals above them.
    assert!(
        overview
            .text
            .contains("998 free · 0 held · 2 sold · 0 blocked · 1000 seats")
    );
    assert!(
        overview
            .text
            .contains("1000 free · 0 held · 0 sold · 0 blocked · 1000 seats")
    );
    assert!(overview.text.contains(
        "<div class=\"figure\"><div class=\"value\">1998</div><div class=\"label\">available (○)</div></div>"
    ));
    assert!(overview.text.contains(&format!(
        "href=\"/admin/events/{event}/seats?section=North\""
    )));
    let south = staff
        .get(&format!("/admin/events/{event}/seats?section=South"))
        .await;
    south.assert_html(200);
    assert_eq!(
        south
            .text
            .matches("type=\"checkbox\" name=\"seat\"")
            .count(),
        1000
    );
    assert_eq!(
        seat_mark(&south.text, "S-R0-1").as_deref(),
        Some("seat sold")
    );
    assert!(!south.text.contains("N-R0-1"));
    assert!(south.text.contains(">All sections</a>"));
}

#[tokio::test]
async fn a_seats_page_names_its_holder_buyer_and_history() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 1, 6).await;
    let cara = app.customer("cara").await;
    let dev = app.customer("dev").await;
    let held = hold(&app, &dev, &event, &["A-1"]).await;
    let sold = sell(&app, &cara, &event, &["A-2"]).await;
    let booking = sold["id"].as_str().expect("id");
    let mut staff = Console::signed_in(&app, "sam", "staff").await;

    // The history of holds trails them by the relay's gathering (up to 200 ms).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let page = loop {
        let page = staff.get(&format!("/admin/events/{event}/seats/A-2")).await;
        if page.text.contains("available → held") || std::time::Instant::now() > deadline {
            break page;
        }
        tokio::time::sleep(crate::polling::POLL).await;
    };
    page.assert_html(200);
    assert!(page.text.contains(&format!(
        "<a href=\"/admin/bookings/{booking}\">{booking}</a>"
    )));
    assert!(page.text.contains("cara@example.test"));
    assert!(page.text.contains("confirmed"));
    // The history: held, then sold by that booking.
    assert!(page.text.contains("available → held"), "{}", page.text);
    assert!(
        page.text.contains(&format!("booking {booking}")),
        "{}",
        page.text
    );

    let page = staff.get(&format!("/admin/events/{event}/seats/A-1")).await;
    assert!(page.text.contains(held["id"].as_str().expect("hold id")));
    assert!(
        page.text.contains("dev &lt;dev@example.test&gt;")
            || page.text.contains("dev <dev@example.test>")
            || page.text.contains("&#60;dev@example.test&#62;"),
        "{}",
        page.text
    );
    assert!(page.text.contains("Never sold."));

    // The map's Details button: the selection moves to the address, the token does not.
    let csrf = staff.csrf().await;
    let page = staff
        .post_form(
            &format!("/admin/events/{event}/seats/details"),
            &[("csrf", &csrf), ("seat", "A-1"), ("seat", "A-2")],
        )
        .await;
    assert_eq!(page.status.as_u16(), 303);
    assert!(!page.location().contains("csrf"));
    let both = staff.get(page.location()).await;
    both.assert_html(200);
    assert!(both.text.contains("<h1>2 seats"));
    // Nothing selected: a clear page.
    let none = staff
        .get(&format!("/admin/events/{event}/seats/details"))
        .await;
    none.assert_html(422);
    staff
        .get(&format!("/admin/events/{event}/seats/Z-9"))
        .await
        .assert_html(404);
}

#[tokio::test]
async fn seat_pages_for_every_role() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 1, 4).await;
    let customer_token = app.customer("cara").await;
    let staff = Console::signed_in(&app, "sam", "staff").await;
    let ada = Console::signed_in(&app, "ada", "admin").await;
    for path in [
        format!("/admin/events/{event}/seats"),
        format!("/admin/events/{event}/seats/A-1"),
        format!("/admin/events/{event}/seats/details?seat=A-1"),
    ] {
        super::assert_sign_in_required(&app, &path, &customer_token).await;
        staff.get(&path).await.assert_html(200);
        let page = ada.get(&path).await;
        page.assert_html(200);
        assert_eq!(page.headers["cache-control"], "no-store");
    }
    // Anonymous posts go to the sign-in page and change nothing.
    let mut anonymous = Console::anonymous(&app);
    let page = anonymous
        .post_form(
            &format!("/admin/events/{event}/seats/block"),
            &[("seat", "A-1"), ("reason", "x")],
        )
        .await;
    page.assert_redirect_to_login();
    assert_eq!(
        seat_status(&app, &event, "A-1").await["status"],
        "available"
    );
}

#[tokio::test]
async fn seats_ticked_on_the_map_go_to_the_box_office() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 1, 6).await;
    let mut sam = Console::signed_in(&app, "sam", "staff").await;
    let map = sam.get(&format!("/admin/events/{event}/seats")).await;
    assert!(map.text.contains("Sell selected at the box office"));
    let nonce = {
        let marker = "name=\"nonce\" value=\"";
        let start = map.text.find(marker).expect("nonce") + marker.len();
        map.text[start..start + map.text[start..].find('"').expect("end")].to_string()
    };
    let csrf = map.csrf().expect("csrf");
    let fields = [
        ("csrf", csrf.as_str()),
        ("nonce", nonce.as_str()),
        ("mode", "seats"),
        ("seat", "A-3"),
        ("seat", "A-4"),
    ];
    let held = sam
        .post_form(&format!("/admin/box-office/{event}/hold"), &fields)
        .await;
    assert_eq!(held.status.as_u16(), 303, "{}", held.text);
    let sale = sam.get(held.location()).await;
    sale.assert_html(200);
    assert!(sale.text.contains("Seat A-3") && sale.text.contains("Seat A-4"));
    assert_eq!(seat_status(&app, &event, "A-3").await["status"], "held");
    // The same form again holds nothing more.
    let again = sam
        .post_form(&format!("/admin/box-office/{event}/hold"), &fields)
        .await;
    assert_eq!(again.location(), held.location());
}
