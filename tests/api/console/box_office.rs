//! The box office over HTTP: a cash sale with change, printable tickets whose QR codes decode
//! to the ticket codes, a double submit that sells once, an expired hold that sells nothing,
//! a declined card, bad input on every form, and the clerk's till.

use super::{Console, Page};
use crate::helpers::TestApp;
use base64::Engine;
use serde_json::Value;

/// The value of the hidden `name` field on a page.
fn hidden(page: &Page, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.text.find(&marker).expect("field") + marker.len();
    let end = start + page.text[start..].find('"').expect("end");
    page.text[start..end].to_string()
}

/// Decodes a `data:image/png;base64,…` QR image to the text it carries.
pub fn decode_qr(src: &str) -> String {
    let b64 = src
        .strip_prefix("data:image/png;base64,")
        .expect("a PNG data URI");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64");
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    // Black and white at one bit per pixel: expanded to a byte per pixel for the reader.
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut pixels).expect("a frame");
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(
        info.width as usize,
        info.height as usize,
        |x, y| pixels[y * info.line_size + x],
    );
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code per image");
    grids[0].decode().expect("the QR code decodes").1
}

/// Every `src` of an `<img class="qr"` on a page.
pub fn qr_sources(html: &str) -> Vec<String> {
    html.split("<img class=\"qr\" src=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').expect("end")].to_string())
        .collect()
}

/// A concert of 2 rows × 6 at INR 900.00 a seat, and a staff console signed in.
async fn till_ready(app: &TestApp) -> (String, Console<'_>) {
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 2, 6).await;
    (event, Console::signed_in(app, "sam", "staff").await)
}

/// Holds `quantity` best seats through the box-office form; the sale page's path.
async fn hold_best(console: &mut Console<'_>, event: &str, quantity: &str) -> String {
    let page = console.get(&format!("/admin/box-office/{event}")).await;
    page.assert_html(200);
    let (csrf, nonce) = (hidden(&page, "csrf"), hidden(&page, "nonce"));
    let held = console
        .post_form(
            &format!("/admin/box-office/{event}/hold"),
            &[
                ("csrf", &csrf),
                ("nonce", &nonce),
                ("mode", "best"),
                ("quantity", quantity),
            ],
        )
        .await;
    assert_eq!(held.status.as_u16(), 303, "{}", held.text);
    held.location().to_string()
}

/// Another client on the same session: a second browser tab, or a second click.
fn same_session<'a>(console: &Console<'a>) -> Console<'a> {
    let mut twin = Console::anonymous(console.app);
    twin.cookie = console.cookie.clone();
    twin
}

async fn bookings_of(app: &TestApp, event: &str) -> Vec<Value> {
    let admin = app.login("admin@example.test", super::PASSWORD).await;
    let reply = app.get("/api/v1/bookings?limit=200", Some(&admin)).await;
    reply.assert_status(200);
    reply.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|b| b["event_id"] == event)
        .cloned()
        .collect()
}

async fn statuses(app: &TestApp, event: &str) -> Vec<(String, String)> {
    let reply = app
        .get(&format!("/api/v1/events/{event}/seats"), None)
        .await;
    reply.body["seats"]
        .as_array()
        .expect("seats")
        .iter()
        .map(|s| {
            (
                s["label"].as_str().unwrap_or("").to_string(),
                s["status"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn count(statuses: &[(String, String)], status: &str) -> usize {
    statuses.iter().filter(|(_, s)| s == status).count()
}

#[tokio::test]
async fn a_cash_sale_shows_the_change_and_prints_tickets_that_scan() {
    let app = TestApp::spawn().await;
    let (event, mut sam) = till_ready(&app).await;
    let sale = hold_best(&mut sam, &event, "2").await;
    assert!(sale.starts_with("/admin/box-office/sale/hld_"), "{sale}");
    let page = sam.get(&sale).await;
    page.assert_html(200);
    assert!(
        page.text
            .contains("id=\"amount-due\"><strong>INR 1,800.00</strong>"),
        "{}",
        page.text
    );
    assert!(page.text.contains("Seats held until"));
    let csrf = hidden(&page, "csrf");
    let paid = sam
        .post_form(
            &format!("{sale}/pay"),
            &[
                ("csrf", &csrf),
                ("method", "cash"),
                ("cash_given", "2,000"),
                ("customer_email", ""),
            ],
        )
        .await;
    assert_eq!(paid.status.as_u16(), 303, "{}", paid.text);
    let done = sam.get(paid.location()).await;
    done.assert_html(200);
    assert!(
        done.text.contains("Paid by cash: INR 1,800.00."),
        "{}",
        done.text
    );
    assert!(
        done.text.contains("<span id=\"change\">INR 200.00</span>"),
        "{}",
        done.text
    );

    let bookings = bookings_of(&app, &event).await;
    assert_eq!(bookings.len(), 1);
    assert_eq!(bookings[0]["status"], "confirmed");
    let booking = bookings[0]["id"].as_str().expect("id").to_string();
    // A walk-in who left the email empty: no address at all, not the clerk's own.
    assert_eq!(
        bookings[0]["customer_email"],
        Value::Null,
        "{}",
        bookings[0]
    );
    assert!(
        done.text
            .contains("walk-in, no email: give them the printed tickets"),
        "{}",
        done.text
    );
    let page = sam.get(&format!("/admin/bookings/{booking}")).await;
    page.assert_html(200);
    assert!(page.text.contains("Walk-in, no email"), "{}", page.text);
    assert!(!page.text.contains("id=\"resend\""), "{}", page.text);
    assert!(page.text.contains("id=\"print\""), "{}", page.text);
    // A resend forced past the page has nowhere to go, and says so.
    let csrf = hidden(&page, "csrf");
    let resend = sam
        .post_form(
            &format!("/admin/bookings/{booking}/resend"),
            &[("csrf", &csrf), ("key", "a-key-of-this-page-0001")],
        )
        .await;
    assert_eq!(resend.status.as_u16(), 409, "{}", resend.text);
    assert!(
        resend
            .text
            .contains("This walk-in gave no email, so there is nowhere to send the tickets"),
        "{}",
        resend.text
    );
    let seats = statuses(&app, &event).await;
    assert_eq!(count(&seats, "sold"), 2);
    // The best two seats are side by side in the front row.
    let sold: Vec<&str> = seats
        .iter()
        .filter(|(_, s)| s == "sold")
        .map(|(l, _)| l.as_str())
        .collect();
    assert!(sold.iter().all(|l| l.starts_with("A-")), "{sold:?}");

    // The printable tickets: one QR per ticket, decoding to that ticket's code.
    let admin = app.login("admin@example.test", super::PASSWORD).await;
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
    for paper in ["", "?paper=80mm"] {
        let print = sam
            .get(&format!("/admin/box-office/tickets/{booking}{paper}"))
            .await;
        print.assert_html(200);
        assert!(print.text.contains("Evening Raga") && print.text.contains("Town Hall"));
        let mut decoded: Vec<String> = qr_sources(&print.text)
            .iter()
            .map(|s| decode_qr(s))
            .collect();
        decoded.sort();
        codes.sort();
        assert_eq!(decoded, codes);
    }
    assert!(
        sam.get(&format!("/admin/box-office/tickets/{booking}?paper=80mm"))
            .await
            .text
            .contains("class=\"print-body roll\"")
    );

    // The till: this clerk took INR 1,800.00 in cash today.
    let till = sam.get("/admin/box-office/till").await;
    till.assert_html(200);
    assert!(
        till.text
            .contains("<td>cash</td><td class=\"num\">1</td><td class=\"num\">INR 1,800.00</td>"),
        "{}",
        till.text
    );
    assert!(
        till.text.contains("id=\"cash-in-till\">INR 1,800.00<"),
        "{}",
        till.text
    );
    // Another clerk's till is their own.
    let kim = Console::signed_in(&app, "kim", "staff").await;
    assert!(
        kim.get("/admin/box-office/till")
            .await
            .text
            .contains("Nothing taken yet today.")
    );
}

#[tokio::test]
async fn a_double_submitted_sale_sells_once() {
    let app = TestApp::spawn().await;
    let (event, mut sam) = till_ready(&app).await;
    // The hold form sent twice holds once.
    let page = sam.get(&format!("/admin/box-office/{event}")).await;
    let (csrf, nonce) = (hidden(&page, "csrf"), hidden(&page, "nonce"));
    let path = format!("/admin/box-office/{event}/hold");
    let fields = [
        ("csrf", csrf.as_str()),
        ("nonce", nonce.as_str()),
        ("mode", "best"),
        ("quantity", "2"),
    ];
    let first = sam.post_form(&path, &fields).await;
    let second = sam.post_form(&path, &fields).await;
    assert_eq!(first.location(), second.location());
    assert_eq!(count(&statuses(&app, &event).await, "held"), 2);

    // "Take payment" sent twice at once: one booking, one payment, two seats sold, and both
    // answers show the sale.
    let sale = first.location().to_string();
    let pay = format!("{sale}/pay");
    let form = [
        ("csrf", csrf.as_str()),
        ("method", "cash"),
        ("cash_given", "1800.00"),
    ];
    let (mut a, mut b) = (same_session(&sam), same_session(&sam));
    let (one, two) = tokio::join!(a.post_form(&pay, &form), b.post_form(&pay, &form));
    for answer in [&one, &two] {
        assert_eq!(answer.status.as_u16(), 303, "{}", answer.text);
        assert!(
            answer.location().starts_with("/admin/box-office/done/bkg_"),
            "{}",
            answer.location()
        );
    }
    let bookings = bookings_of(&app, &event).await;
    assert_eq!(bookings.len(), 1, "{bookings:?}");
    assert_eq!(bookings[0]["status"], "confirmed");
    let admin = app.login("admin@example.test", super::PASSWORD).await;
    let payments = app
        .get(
            &format!(
                "/api/v1/payments?booking_id={}",
                bookings[0]["id"].as_str().expect("id")
            ),
            Some(&admin),
        )
        .await;
    let items = payments.body["items"].as_array().expect("payments");
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["status"], "succeeded");
    assert_eq!(count(&statuses(&app, &event).await, "sold"), 2);
    // A third submit, after the sale: the receipt again, nothing more.
    let again = sam.post_form(&pay, &form).await;
    assert_eq!(again.status.as_u16(), 303);
    assert!(again.location().starts_with("/admin/box-office/done/"));
    assert_eq!(bookings_of(&app, &event).await.len(), 1);
}

#[tokio::test]
async fn an_expired_hold_sells_nothing_and_says_so() {
    let app = TestApp::spawn().await;
    let (event, mut sam) = till_ready(&app).await;
    let sale = hold_best(&mut sam, &event, "2").await;
    let csrf = sam.csrf().await;
    app.clock.advance(time::Duration::seconds(
        app.config.holds.ttl_seconds as i64 + 1,
    ));
    let page = sam
        .post_form(
            &format!("{sale}/pay"),
            &[("csrf", &csrf), ("method", "cash"), ("cash_given", "5000")],
        )
        .await;
    page.assert_html(409);
    assert_eq!(page.error_code().as_deref(), Some("hold_expired"));
    assert!(page.text.contains("nothing was sold"), "{}", page.text);
    assert!(
        bookings_of(&app, &event)
            .await
            .iter()
            .all(|b| b["status"] != "confirmed")
    );
    assert_eq!(count(&statuses(&app, &event).await, "sold"), 0);
    assert_eq!(count(&statuses(&app, &event).await, "held"), 0);
    sam.get(&sale).await.assert_html(409);
}

#[tokio::test]
async fn a_declined_card_sells_nothing_and_frees_the_seats() {
    let app = TestApp::spawn().await;
    let (event, mut sam) = till_ready(&app).await;
    let sale = hold_best(&mut sam, &event, "1").await;
    let csrf = sam.csrf().await;
    let page = sam
        .post_form(
            &format!("{sale}/pay"),
            &[
                ("csrf", &csrf),
                ("method", "card"),
                ("card_number", "4000 0000 0000 0002"),
            ],
        )
        .await;
    page.assert_html(402);
    assert_eq!(page.error_code().as_deref(), Some("payment_declined"));
    assert_eq!(count(&statuses(&app, &event).await, "available"), 12);
    // A good card on a new hold sells.
    let sale = hold_best(&mut sam, &event, "1").await;
    let page = sam
        .post_form(
            &format!("{sale}/pay"),
            &[
                ("csrf", &csrf),
                ("method", "card"),
                ("card_number", "4242 4242 4242 4242"),
            ],
        )
        .await;
    assert_eq!(page.status.as_u16(), 303, "{}", page.text);
    let done = sam.get(page.location()).await;
    assert!(
        done.text.contains("Paid by card ending 4242"),
        "{}",
        done.text
    );
}

#[tokio::test]
async fn bad_box_office_input_says_why_and_sells_nothing() {
    let app = TestApp::spawn().await;
    let (event, mut sam) = till_ready(&app).await;
    let page = sam.get(&format!("/admin/box-office/{event}")).await;
    let csrf = hidden(&page, "csrf");
    let hold = format!("/admin/box-office/{event}/hold");
    for (fields, status, message) in [
        (
            vec![("mode", "best"), ("quantity", "two")],
            422,
            "How many seats must be a whole number",
        ),
        (vec![("mode", "best"), ("quantity", "0")], 422, "quantity"),
        (vec![("mode", "best"), ("quantity", "500")], 422, "quantity"),
        (
            vec![("mode", "best"), ("quantity", "2"), ("category", "royal")],
            422,
            "royal",
        ),
        (vec![("mode", "seats")], 422, "seats"),
        (
            vec![("mode", "seats"), ("seat", "Z-1")],
            422,
            "Seats: no such seats in this event: Z-1.",
        ),
    ] {
        let mut all = vec![("csrf", csrf.as_str()), ("nonce", "")];
        all.extend(fields);
        let page = sam.post_form(&hold, &all).await;
        page.assert_html(status);
        assert!(page.text.contains("Nothing was held."), "{}", page.text);
        assert!(page.text.contains(message), "{message}: {}", page.text);
    }
    assert_eq!(count(&statuses(&app, &event).await, "available"), 12);
    // Seats someone else holds: 409 naming them, nothing held.
    let cara = app.customer("cara").await;
    crate::pricing::hold(&app, &cara, &event, &["A-1"]).await;
    let page = sam
        .post_form(
            &hold,
            &[
                ("csrf", &csrf),
                ("nonce", ""),
                ("mode", "seats"),
                ("seat", "A-1"),
                ("seat", "A-2"),
            ],
        )
        .await;
    page.assert_html(409);
    assert!(page.text.contains("A-1"));
    assert_eq!(count(&statuses(&app, &event).await, "held"), 1);

    // The payment form.
    let sale = hold_best(&mut sam, &event, "2").await;
    let pay = format!("{sale}/pay");
    for (fields, message) in [
        (
            vec![("method", "cash"), ("cash_given", "100")],
            "less than the amount due (INR 1,800.00)",
        ),
        (
            vec![("method", "cash"), ("cash_given", "")],
            "Cash given is required",
        ),
        (
            vec![("method", "cash"), ("cash_given", "12.345")],
            "at most 2 decimals",
        ),
        (
            vec![("method", "cash"), ("cash_given", "abc")],
            "must be an amount",
        ),
        (
            vec![("method", "card"), ("card_number", "")],
            "Card number is required",
        ),
        (
            vec![("method", "card"), ("card_number", "1234")],
            "not a valid card number",
        ),
        (vec![("method", "cheque")], "cash or card"),
        (
            vec![
                ("method", "cash"),
                ("cash_given", "2000"),
                ("customer_email", "not-an-email"),
            ],
            "customer email",
        ),
    ] {
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend(fields);
        let page = sam.post_form(&pay, &all).await;
        page.assert_html(422);
        assert!(page.text.contains("Not paid."), "{}", page.text);
        assert!(page.text.contains(message), "{message}: {}", page.text);
    }
    // Nothing was booked or sold; the hold is still there to pay.
    assert!(
        bookings_of(&app, &event)
            .await
            .iter()
            .all(|b| b["status"] != "confirmed")
    );
    assert_eq!(count(&statuses(&app, &event).await, "sold"), 0);
    sam.get(&sale).await.assert_html(200);
    // Released: the seats go back.
    let page = sam
        .post_form(&format!("{sale}/release"), &[("csrf", &csrf)])
        .await;
    assert_eq!(page.status.as_u16(), 303);
    assert_eq!(count(&statuses(&app, &event).await, "held"), 1);
    // Without the token nothing happens.
    let sale = hold_best(&mut sam, &event, "1").await;
    let page = sam
        .post_form(
            &format!("{sale}/pay"),
            &[("method", "cash"), ("cash_given", "900")],
        )
        .await;
    page.assert_html(403);
    assert_eq!(count(&statuses(&app, &event).await, "sold"), 0);
}

#[tokio::test]
async fn box_office_pages_for_every_role() {
    let app = TestApp::spawn().await;
    let (event, mut sam) = till_ready(&app).await;
    let sale = hold_best(&mut sam, &event, "1").await;
    let csrf = sam.csrf().await;
    let paid = sam
        .post_form(
            &format!("{sale}/pay"),
            &[("csrf", &csrf), ("method", "cash"), ("cash_given", "900")],
        )
        .await;
    let done = paid.location().to_string();
    let booking = done
        .trim_start_matches("/admin/box-office/done/")
        .split('?')
        .next()
        .expect("id")
        .to_string();
    let customer_token = app.customer("cara").await;
    let ada = Console::signed_in(&app, "ada", "admin").await;
    for path in [
        "/admin/box-office".to_string(),
        "/admin/box-office/till".to_string(),
        format!("/admin/box-office/{event}"),
        done.clone(),
        format!("/admin/box-office/tickets/{booking}"),
    ] {
        super::assert_sign_in_required(&app, &path, &customer_token).await;
        sam.get(&path).await.assert_html(200);
        ada.get(&path).await.assert_html(200);
    }
    // Unknown ids: pages, not 500s.
    sam.get("/admin/box-office/evt_nope").await.assert_html(404);
    sam.get("/admin/box-office/sale/hld_nope")
        .await
        .assert_html(409);
    sam.get("/admin/box-office/done/bkg_nope")
        .await
        .assert_html(404);
    sam.get("/admin/box-office/tickets/nope")
        .await
        .assert_html(404);
}

#[tokio::test]
async fn a_yen_sale_counts_whole_yen() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut body = crate::helpers::concert_body(serde_json::json!({"sections": [
        {"name": "Stalls", "rows": [{"row": "A", "seats": 4}]}]}));
    body["prices"] = serde_json::json!({"standard": {"amount_minor": 1500, "currency": "JPY"}});
    let reply = app.post("/api/v1/events", Some(&admin), body).await;
    reply.assert_status(201);
    let event = reply.body["id"].as_str().expect("id").to_string();
    let mut sam = Console::signed_in(&app, "sam", "staff").await;
    let sale = hold_best(&mut sam, &event, "1").await;
    let page = sam.get(&sale).await;
    assert!(
        page.text
            .contains("id=\"amount-due\"><strong>JPY 1,500</strong>"),
        "{}",
        page.text
    );
    let csrf = hidden(&page, "csrf");
    // Yen have no decimals: "2000.50" is refused, "2,000" is two thousand yen.
    let refused = sam
        .post_form(
            &format!("{sale}/pay"),
            &[
                ("csrf", &csrf),
                ("method", "cash"),
                ("cash_given", "2000.50"),
            ],
        )
        .await;
    refused.assert_html(422);
    assert!(
        refused.text.contains("this currency has no decimals"),
        "{}",
        refused.text
    );
    let paid = sam
        .post_form(
            &format!("{sale}/pay"),
            &[("csrf", &csrf), ("method", "cash"), ("cash_given", "2,000")],
        )
        .await;
    assert_eq!(paid.status.as_u16(), 303, "{}", paid.text);
    let done = sam.get(paid.location()).await;
    assert!(
        done.text.contains("<span id=\"change\">JPY 500</span>"),
        "{}",
        done.text
    );
    let seats = sam.get(&format!("/admin/events/{event}/seats")).await;
    // Prices on the map in whole yen too (the concert curve may have moved it since).
    assert!(seats.text.contains("· standard · JPY 1,"), "{}", seats.text);
    assert!(!seats.text.contains("JPY 15.00"));
}
