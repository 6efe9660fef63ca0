//! Creating each kind of event through the forms, checked through the JSON API; the seat-map
//! builder's "add rows / add section" round trip keeps everything typed.

use super::{
    Form, KOLKATA, admin, api_event, created, event_count, field_error, input_value, local, utc_of,
};
use crate::helpers::TestApp;
use serde_json::{Value, json};

/// A three-section hall: stalls with accessible seats, a circle, boxes.
fn hall(csrf: &str, starts: &str) -> Form {
    Form::new_event(csrf, "seated")
        .set("name", "Gala Night")
        .set("category", "concert")
        .set("description", "An evening of ragas.")
        .set("timezone", "Asia/Kolkata")
        .set("venue_name", "Town Hall")
        .set("starts_at", starts)
        .set("seats_from", "builder")
        .set("s0_name", "Stalls")
        .set("s0_prefix", "S")
        .set("s0_r0_row", "A")
        .set("s0_r0_seats", "10")
        .set("s0_r0_category", "standard")
        .set(
            "s0_r0_singles",
            "1:accessible:wheelchair_space 2:accessible:companion",
        )
        .set("s0_r1_row", "B")
        .set("s0_r1_seats", "12")
        .set("s0_r1_category", "standard")
        .set("s1_name", "Circle")
        .set("s1_prefix", "C")
        .set("s1_r0_row", "A")
        .set("s1_r0_seats", "8")
        .set("s1_r0_category", "premium")
        .set("s2_name", "Boxes")
        .set("s2_prefix", "X")
        .set("s2_r0_row", "1")
        .set("s2_r0_seats", "4")
        .set("s2_r0_category", "box")
        .set("currency", "inr")
        .set("p0_category", "standard")
        .set("p0_amount", "1299.00")
        .set("p1_category", "premium")
        .set("p1_amount", "2,500.5")
        .set("p2_category", "accessible")
        .set("p2_amount", "0.29")
        .set("p3_category", "box")
        .set("p3_amount", "10000")
        .set("action", "create")
}

async fn seats(app: &TestApp, id: &str, query: &str) -> Value {
    let reply = app
        .get(&format!("/api/v1/events/{id}/seats{query}"), None)
        .await;
    reply.assert_status(200);
    reply.body.clone()
}

fn seat<'a>(seats: &'a Value, label: &str) -> &'a Value {
    seats["seats"]
        .as_array()
        .and_then(|list| list.iter().find(|s| s["label"] == label))
        .unwrap_or_else(|| panic!("no seat {label} in {seats}"))
}

#[tokio::test]
async fn a_seated_event_built_in_the_form_is_the_event_the_api_shows() {
    let app = TestApp::spawn().await;
    let (mut console, _) = admin(&app).await;
    let csrf = console.csrf().await;
    let starts = local(30, "19:30");
    let page = console
        .post_form("/admin/events/new", &hall(&csrf, &starts).pairs())
        .await;
    let id = created(&page);

    let event = api_event(&app, &id).await;
    assert_eq!(event["name"], "Gala Night");
    assert_eq!(event["category"], "concert");
    assert_eq!(event["description"], "An evening of ragas.");
    assert_eq!(event["venue"]["name"], "Town Hall");
    assert_eq!(event["timezone"], "Asia/Kolkata");
    // 19:30 in Kolkata is 14:00 UTC: the input was read in the event's zone.
    assert_eq!(event["starts_at"], utc_of(&starts, KOLKATA));
    assert_eq!(event["currency"], "INR");
    // Typed decimals became exact minor units.
    assert_eq!(event["prices"]["standard"]["amount_minor"], 129_900);
    assert_eq!(event["prices"]["premium"]["amount_minor"], 250_050);
    assert_eq!(event["prices"]["accessible"]["amount_minor"], 29);
    assert_eq!(event["prices"]["box"]["amount_minor"], 1_000_000);
    assert_eq!(event["availability"]["total"], 34);

    let all = seats(&app, &id, "").await;
    assert_eq!(all["seats"].as_array().map(Vec::len), Some(34));
    let wheelchair = seat(&all, "SA-1");
    assert_eq!(wheelchair["category"], "accessible");
    assert_eq!(wheelchair["flags"], json!(["wheelchair_space"]));
    assert_eq!(wheelchair["section"], "Stalls");
    assert_eq!(seat(&all, "SA-2")["flags"], json!(["companion"]));
    assert_eq!(seat(&all, "SA-3")["category"], "standard");
    assert_eq!(seat(&all, "SB-12")["category"], "standard");
    assert_eq!(seat(&all, "CA-8")["category"], "premium");
    assert_eq!(seat(&all, "X1-4")["section"], "Boxes");

    // The redirect shows the new event, in its own time zone.
    let shown = console.get(page.location()).await;
    shown.assert_html(200);
    assert!(shown.text.contains("The event was created."));
    assert!(shown.text.contains("Gala Night"));
    assert!(shown.text.contains("19:30 IST"), "{}", shown.text);
    assert!(shown.text.contains("INR 1,299.00"), "current price shown");
    assert!(shown.text.contains("data-category=\"box\""));
    assert!(shown.text.contains(&format!("/admin/events/{id}/seats")));
    assert!(shown.text.contains(&format!("/admin/events/{id}/prices")));
}

#[tokio::test]
async fn adding_rows_and_sections_keeps_everything_typed_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let (mut console, _) = admin(&app).await;
    let csrf = console.csrf().await;
    let form = hall(&csrf, &local(30, "19:30"))
        .set("s1_r0_category", "balcony")
        .set("s1_add", "3")
        .set("action", "add_rows:1");
    let page = console.post_form("/admin/events/new", &form.pairs()).await;
    page.assert_html(200);
    assert_eq!(event_count(&app).await, 0, "nothing is created");
    // What was typed is still there.
    assert_eq!(input_value(&page, "name").as_deref(), Some("Gala Night"));
    assert_eq!(
        input_value(&page, "venue_name").as_deref(),
        Some("Town Hall")
    );
    assert_eq!(
        input_value(&page, "timezone").as_deref(),
        Some("Asia/Kolkata")
    );
    assert_eq!(input_value(&page, "s0_r0_seats").as_deref(), Some("10"));
    assert!(
        input_value(&page, "s0_r0_singles")
            .is_some_and(|v| v.contains("1:accessible:wheelchair_space"))
    );
    assert_eq!(input_value(&page, "p0_amount").as_deref(), Some("1299.00"));
    assert!(page.text.contains("An evening of ragas."));
    // Three rows continue the circle's row A: B, C, D of 8 balcony seats each.
    for (i, name) in [(1, "B"), (2, "C"), (3, "D")] {
        assert_eq!(
            input_value(&page, &format!("s1_r{i}_row")).as_deref(),
            Some(name)
        );
        assert_eq!(
            input_value(&page, &format!("s1_r{i}_seats")).as_deref(),
            Some("8")
        );
        assert_eq!(
            input_value(&page, &format!("s1_r{i}_category")).as_deref(),
            Some("balcony")
        );
    }
    assert!(input_value(&page, "s1_r4_row").is_none());
    // The new category asks for its price; no error is shown yet.
    assert!(page.text.contains("value=\"balcony\""));
    assert!(!page.text.contains("form-problems"));
    // The first added row gets the focus; the form returns to its section.
    assert!(page.text.contains(
        "id=\"s1_r1_row\" name=\"s1_r1_row\" type=\"text\" value=\"B\" maxlength=\"16\" autofocus"
    ));
    assert!(page.text.contains("formaction=\"/admin/events/new#s1\""));

    // From here on the browser sends what the page shows.
    let form = Form::from_page(&page, "/admin/events/new");
    assert_eq!(form.get("s1_r3_row"), Some("D"));
    assert_eq!(form.get("category"), Some("concert"));
    assert_eq!(form.get("seats_from"), Some("builder"));
    // Add a section, then remove a row: each round trip keeps the rest.
    let page = console
        .post_form(
            "/admin/events/new",
            &form.set("action", "add_section").pairs(),
        )
        .await;
    page.assert_html(200);
    assert_eq!(input_value(&page, "s3_r0_row").as_deref(), Some("A"));
    assert_eq!(input_value(&page, "s2_name").as_deref(), Some("Boxes"));
    let form = Form::from_page(&page, "/admin/events/new");
    let page = console
        .post_form(
            "/admin/events/new",
            &form.set("action", "remove_row:0:1").pairs(),
        )
        .await;
    assert!(input_value(&page, "s0_r1_row").is_none(), "row B removed");
    assert_eq!(input_value(&page, "s0_r0_row").as_deref(), Some("A"));
    assert_eq!(event_count(&app).await, 0);

    // And the form as it stands creates the event: the balcony price line it offered gets a
    // price, the premium one (no longer used) is cleared, the empty section is ignored.
    let form = Form::from_page(&page, "/admin/events/new");
    let balcony = form.price_line("balcony").expect("a balcony price line");
    let premium = form.price_line("premium").expect("the premium price line");
    let form = form
        .set(&format!("{balcony}_amount"), "900")
        .set(&format!("{premium}_category"), "")
        .set(&format!("{premium}_amount"), "")
        .set("action", "create");
    let id = created(&console.post_form("/admin/events/new", &form.pairs()).await);
    let event = api_event(&app, &id).await;
    assert_eq!(event["availability"]["total"], 10 + 4 * 8 + 4);
    assert_eq!(event["prices"]["balcony"]["amount_minor"], 90_000);
}

#[tokio::test]
async fn a_journey_with_stops_is_created_through_its_form() {
    let app = TestApp::spawn().await;
    let (mut console, _) = admin(&app).await;
    let csrf = console.csrf().await;
    let page = console.get("/admin/events/new?kind=travel").await;
    page.assert_html(200);
    assert!(page.text.contains("<option value=\"bus\""));

    // "Add a stop" twice, typed values kept.
    let mut form = Form::new_event(&csrf, "travel")
        .set("name", "Pink City Express")
        .set("category", "bus")
        .set("timezone", "Asia/Kolkata")
        .set("origin", "Delhi")
        .set("destination", "Jaipur")
        .set("departs_at", local(20, "06:00"))
        .set("arrives_at", local(20, "12:00"))
        .set("s0_name", "Coach")
        .set("s0_r0_row", "1")
        .set("s0_r0_seats", "4")
        .set("s0_r0_singles", "1:window 4:window")
        .set("s0_r1_row", "2")
        .set("s0_r1_seats", "4")
        .set("currency", "INR")
        .set("p0_category", "standard")
        .set("p0_amount", "450");
    for _ in 0..2 {
        form = form.clone().set("action", "add_stop");
        let page = console.post_form("/admin/events/new", &form.pairs()).await;
        page.assert_html(200);
        assert_eq!(input_value(&page, "origin").as_deref(), Some("Delhi"));
    }
    let form = form
        .set("stop0_name", "Gurgaon")
        .set("stop0_arrives", local(20, "06:45"))
        .set("stop0_departs", local(20, "06:50"))
        .set("stop1_name", "Behror")
        .set("stop1_arrives", local(20, "09:00"))
        .set("action", "create");
    let id = created(&console.post_form("/admin/events/new", &form.pairs()).await);

    let event = api_event(&app, &id).await;
    assert_eq!(event["category"], "bus");
    assert_eq!(event["origin"], "Delhi");
    assert_eq!(event["destination"], "Jaipur");
    assert_eq!(event["departs_at"], utc_of(&local(20, "06:00"), KOLKATA));
    assert_eq!(event["arrives_at"], utc_of(&local(20, "12:00"), KOLKATA));
    let stops = event["stops"].as_array().expect("stops");
    let names: Vec<_> = stops
        .iter()
        .map(|s| s["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(names, ["Delhi", "Gurgaon", "Behror", "Jaipur"]);
    assert_eq!(stops[1]["arrives_at"], utc_of(&local(20, "06:45"), KOLKATA));
    assert_eq!(stops[1]["departs_at"], utc_of(&local(20, "06:50"), KOLKATA));
    // A stop with no departure leaves when it arrives.
    assert_eq!(stops[2]["departs_at"], stops[2]["arrives_at"]);
    assert_eq!(event["prices"]["standard"]["amount_minor"], 45_000);

    let all = seats(&app, &id, "?from=Gurgaon&to=Behror").await;
    assert_eq!(all["from"], "Gurgaon");
    assert_eq!(all["seats"].as_array().map(Vec::len), Some(8));
    assert_eq!(seat(&all, "1-1")["flags"], json!(["window"]));
    assert_eq!(seat(&all, "1-2")["flags"], json!([]));

    let shown = console.get(&format!("/admin/events/{id}")).await;
    assert!(shown.text.contains("Delhi → Jaipur (via 2)"));
    assert!(shown.text.contains("Behror"));
}

#[tokio::test]
async fn general_admission_and_a_saved_venue_are_created_through_their_forms() {
    let app = TestApp::spawn().await;
    let (mut console, token) = admin(&app).await;
    let csrf = console.csrf().await;
    let form = Form::new_event(&csrf, "ga")
        .set("name", "Open Air")
        .set("category", "concert")
        .set("venue_name", "Riverside Park")
        .set("starts_at", local(10, "18:00"))
        .set("currency", "EUR")
        .set("p0_category", "standard")
        .set("p0_amount", "25")
        .set("p0_capacity", "500")
        .set("p1_category", "vip")
        .set("p1_amount", "80.00")
        .set("p1_capacity", "50")
        .set("action", "create");
    let id = created(&console.post_form("/admin/events/new", &form.pairs()).await);
    let event = api_event(&app, &id).await;
    assert_eq!(event["general_admission"], true);
    assert_eq!(event["timezone"], "UTC", "blank zone: UTC");
    assert_eq!(event["starts_at"], utc_of(&local(10, "18:00"), 0));
    let totals: Vec<_> = event["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .map(|c| (c["category"].clone(), c["total"].clone()))
        .collect();
    assert!(
        totals.contains(&(json!("standard"), json!(500))),
        "{totals:?}"
    );
    assert!(totals.contains(&(json!("vip"), json!(50))), "{totals:?}");
    assert_eq!(event["prices"]["vip"]["amount_minor"], 8_000);

    // A saved venue's seat map: its categories are offered for prices.
    let venue = app
        .post(
            "/api/v1/venues",
            Some(&token),
            json!({"name": "Lotus Hall", "timezone": "Asia/Kolkata", "seat_map": {"sections": [
                {"name": "Main", "rows": [{"row": "A", "seats": 6, "category": "standard"},
                                          {"row": "B", "seats": 6, "category": "premium"}]}]}}),
        )
        .await;
    venue.assert_status(201);
    let venue_id = venue.body["id"].as_str().expect("id").to_string();
    let page = console.get("/admin/events/new").await;
    assert!(page.text.contains(&venue_id));
    assert!(
        page.text
            .contains("Lotus Hall · 12 seats (standard, premium) · Asia/Kolkata")
    );
    let form = Form::new_event(&csrf, "seated")
        .set("name", "Matinee")
        .set("category", "movie")
        .set("venue_id", &venue_id)
        .set("seats_from", "venue")
        .set("starts_at", local(5, "14:00"))
        .set("currency", "INR")
        .set("action", "create");
    let page = console.post_form("/admin/events/new", &form.pairs()).await;
    page.assert_html(422);
    assert_eq!(event_count(&app).await, 1);
    assert_eq!(
        input_value(&page, "p0_category").as_deref(),
        Some("standard")
    );
    assert_eq!(
        input_value(&page, "p1_category").as_deref(),
        Some("premium")
    );
    assert!(field_error(&page, "p1_amount").is_some_and(|m| m.contains("Price is required")));
    let form = form
        .set("p0_category", "standard")
        .set("p0_amount", "200")
        .set("p1_category", "premium")
        .set("p1_amount", "350");
    let id = created(&console.post_form("/admin/events/new", &form.pairs()).await);
    let event = api_event(&app, &id).await;
    assert_eq!(event["venue"]["id"], venue_id.as_str());
    assert_eq!(event["venue"]["name"], "Lotus Hall");
    assert_eq!(event["timezone"], "Asia/Kolkata", "the venue's zone");
    assert_eq!(event["starts_at"], utc_of(&local(5, "14:00"), KOLKATA));
    assert_eq!(event["availability"]["total"], 12);
}
