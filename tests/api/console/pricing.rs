//! `/admin/pricing` and `/admin/events/{id}/prices`: the rules form saves through the same
//! domain function as `PUT /api/v1/pricing/rules` (so it refuses what the API refuses, with
//! the same messages, beside the inputs, writing nothing), only admins may use it, and an
//! event's prices page shows each price, why, and its history as a chart and a table.

use super::{Console, Page};
use crate::helpers::TestApp;
use crate::pricing::{concert_price, sell, two_category_concert, wait_for_price};
use rezerve::http::admin::dashboard::money;
use serde_json::{Value, json};

/// The fields of the concert form as the page first shows them, with `changes`.
fn concert_form(csrf: &str, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = [
        ("csrf", csrf),
        ("category", "concert"),
        ("curve", "concert"),
        ("floor", "1"),
        ("cap", "2.5"),
        ("rounding_minor", "100"),
        ("time_hours_before", ""),
        ("time_multiplier", ""),
        ("demand_window_minutes", ""),
        ("demand_holds_per_100_seats", ""),
        ("demand_multiplier", ""),
        ("bucket_0_share", ""),
        ("bucket_0_multiplier", ""),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (name, value) in changes {
        match fields.iter_mut().find(|(k, _)| k == name) {
            Some(field) => field.1 = value.to_string(),
            None => fields.push((name.to_string(), value.to_string())),
        }
    }
    fields
}

async fn post(console: &mut Console<'_>, fields: &[(String, String)]) -> Page {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    console.post_form("/admin/pricing", &pairs).await
}

async fn rules(app: &TestApp, admin: &str) -> Value {
    let reply = app.get("/api/v1/pricing/rules", Some(admin)).await;
    reply.assert_status(200);
    reply.body.clone()
}

#[tokio::test]
async fn a_rule_saved_through_the_form_is_the_apis_rule() {
    let app = TestApp::spawn().await;
    let token = app.admin().await;
    let event = app.create_concert(&token, 2, 5).await;
    let mut console = Console::signed_in(&app, "ada", "admin").await;
    let page = console.get("/admin/pricing").await;
    page.assert_html(200);
    for category in ["movie", "concert", "flight", "bus", "train"] {
        assert!(
            page.text.contains(&format!("id=\"rule-{category}\"")),
            "{category}"
        );
    }
    assert!(page.text.contains(
        "id=\"concert-cap\" name=\"cap\" type=\"text\" inputmode=\"decimal\" value=\"2.5\""
    ));
    assert!(page.text.contains("aria-current=\"page\">Pricing"));
    let before = rules(&app, &token).await;

    let csrf = page.csrf().expect("csrf");
    let saved = post(
        &mut console,
        &concert_form(
            &csrf,
            &[
                ("cap", "1.8"),
                ("rounding_minor", "500"),
                ("time_hours_before", "48"),
                ("time_multiplier", "1.2"),
            ],
        ),
    )
    .await;
    assert_eq!(saved.status.as_u16(), 303, "{}", saved.text);
    assert_eq!(
        saved.location(),
        "/admin/pricing?saved=concert#rule-concert"
    );

    let after = rules(&app, &token).await;
    assert_eq!(
        after["concert"],
        json!({"curve": "concert", "floor": 1.0, "cap": 1.8, "rounding_minor": 500,
               "time_factor": {"hours_before": 48.0, "multiplier": 1.2}, "demand_factor": null})
    );
    for other in ["movie", "flight", "bus", "train"] {
        assert_eq!(after[other], before[other], "{other} untouched");
    }
    // The concert's event is priced by the new rule.
    let view = app
        .get(&format!("/api/v1/events/{event}/prices"), None)
        .await;
    assert_eq!(view.body["rule"]["cap"], 1.8);

    let shown = console.get("/admin/pricing?saved=concert").await;
    shown.assert_html(200);
    assert!(shown.text.contains("id=\"saved\""));
    assert!(shown.text.contains("The Concert rule is stored"));
    assert!(shown.text.contains("value=\"1.8\""));
    assert!(shown.text.contains("id=\"concert-time_hours_before\" name=\"time_hours_before\" type=\"text\" inputmode=\"decimal\" value=\"48\""));
}

#[tokio::test]
async fn bad_rule_input_is_shown_again_beside_its_input_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let token = app.admin().await;
    let mut console = Console::signed_in(&app, "ada", "admin").await;
    let csrf = console.csrf().await;
    let before = rules(&app, &token).await;

    // The API's own words for a cap below the floor.
    let api = app
        .put(
            "/api/v1/pricing/rules",
            Some(&token),
            json!({"concert": {"curve": "concert", "floor": 2.0, "cap": 1.5}}),
        )
        .await;
    api.assert_problem(422, "validation_failed");
    let api_message = api.body["errors"][0]["message"]
        .as_str()
        .expect("a message")
        .to_string();

    // (the fields changed, the input the message belongs to, the message)
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, String);
    let cases: Vec<Case> = vec![
        (vec![("floor", "2"), ("cap", "1.5")], "cap", api_message),
        (vec![("cap", "lots")], "cap", "must be a number".into()),
        (vec![("cap", "1e400")], "cap", "must be a number".into()),
        (vec![("floor", "-1")], "floor", "must be 0 or more".into()),
        (
            vec![("rounding_minor", "0")],
            "rounding_minor",
            "must be between 1 and 1000000".into(),
        ),
        (
            vec![("rounding_minor", "2.5")],
            "rounding_minor",
            "must be a whole number".into(),
        ),
        (
            vec![("time_multiplier", "1.2")],
            "time_hours_before",
            "must be a number".into(),
        ),
        (
            vec![
                ("demand_window_minutes", "5000"),
                ("demand_holds_per_100_seats", "5"),
                ("demand_multiplier", "1.1"),
            ],
            "demand_window_minutes",
            "must be between 1 and 1440".into(),
        ),
        (
            vec![("curve", "zigzag")],
            "curve",
            "choose one of the curves listed".into(),
        ),
        (
            vec![
                ("curve", "buckets"),
                ("bucket_0_share", "0.5"),
                ("bucket_0_multiplier", "1"),
                ("bucket_1_share", "0.4"),
                ("bucket_1_multiplier", "1.5"),
            ],
            "buckets",
            "shares must add up to 1".into(),
        ),
        (
            vec![
                ("curve", "buckets"),
                ("bucket_0_share", "1"),
                ("bucket_0_multiplier", "-1"),
            ],
            "bucket_0_multiplier",
            "must be 0 or more".into(),
        ),
        (
            vec![
                ("curve", "emsr_b"),
                ("class_0_multiplier", "2"),
                ("class_0_mean", "10"),
                ("class_0_sd", "3"),
            ],
            "classes",
            "needs 2 to 26 fare classes".into(),
        ),
    ];
    for (changes, input, message) in cases {
        let page = post(&mut console, &concert_form(&csrf, &changes)).await;
        page.assert_html(422);
        let error_id = match input {
            "buckets" | "classes" => format!("id=\"concert-{input}\""),
            _ => format!("id=\"concert-{input}-error\""),
        };
        let at = page
            .text
            .find(&error_id)
            .unwrap_or_else(|| panic!("{changes:?}: no {error_id}:\n{}", page.text));
        assert!(
            page.text[at..].starts_with(&format!("{error_id}>{message}")),
            "{changes:?}: {}",
            &page.text[at..at + 200]
        );
        // The summary above the form links to the input.
        assert!(
            page.text.contains("id=\"rule-concert-errors\""),
            "{changes:?}"
        );
        assert!(
            page.text.contains(&format!("href=\"#concert-{input}\"")),
            "{changes:?}"
        );
        // What was typed is shown again.
        let (name, typed) = changes[changes.len() - 1];
        if name != "curve" {
            assert!(
                page.text.contains(&format!(
                    "name=\"{name}\" type=\"text\" inputmode=\"decimal\" value=\"{typed}\""
                )),
                "{changes:?}"
            );
        }
        assert_eq!(rules(&app, &token).await, before, "{changes:?} wrote");
    }

    // A category no form offers: an error page, nothing written.
    let mut fields = concert_form(&csrf, &[]);
    fields[1].1 = "opera".into();
    let page = post(&mut console, &fields).await;
    page.assert_html(422);
    assert_eq!(page.error_code().as_deref(), Some("validation_failed"));
    assert!(page.text.contains("is not an event category"));
    assert_eq!(rules(&app, &token).await, before);
}

#[tokio::test]
async fn only_admins_may_change_rules() {
    let app = TestApp::spawn().await;
    let token = app.admin().await;
    let before = rules(&app, &token).await;
    let mut staff = Console::signed_in(&app, "sam", "staff").await;
    let csrf = staff.csrf().await;
    let page = post(&mut staff, &concert_form(&csrf, &[("cap", "1.1")])).await;
    page.assert_html(403);
    assert_eq!(page.error_code().as_deref(), Some("forbidden"));

    let mut admin = Console::signed_in(&app, "ada", "admin").await;
    let page = post(&mut admin, &concert_form("", &[("cap", "1.1")])).await;
    page.assert_html(403);
    assert_eq!(page.error_code().as_deref(), Some("csrf_failed"));
    let csrf = admin.csrf().await;
    let pairs = concert_form(&csrf, &[("cap", "1.1")]);
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let page = admin
        .post_form_from("/admin/pricing", &pairs, Some("https://evil.example"))
        .await;
    assert_eq!(page.error_code().as_deref(), Some("csrf_failed"));

    let mut anonymous = Console::anonymous(&app);
    post(&mut anonymous, &concert_form("", &[("cap", "1.1")]))
        .await
        .assert_redirect_to_login();
    assert_eq!(rules(&app, &token).await, before);
}

#[tokio::test]
async fn an_events_prices_page_explains_each_price_and_draws_its_history() {
    let app = TestApp::spawn().await;
    let token = app.admin().await;
    let buyer = app.customer("bea").await;
    let event = two_category_concert(&app, &token, 4).await;
    let console = Console::signed_in(&app, "ada", "admin").await;
    let path = format!("/admin/events/{event}/prices");

    let page = console.get(&path).await;
    page.assert_html(200);
    assert!(page.text.contains("No price has changed yet"));
    assert!(
        !page
            .text
            .contains("<svg class=\"plot\" viewBox=\"0 0 720.0 300.0\"")
    );

    sell(&app, &buyer, &event, &["A-1", "A-2"]).await;
    let premium = concert_price(150_000, 2, 4);
    wait_for_price(&app, &event, "premium", premium).await;
    sell(&app, &buyer, &event, &["B-1"]).await;
    let standard = concert_price(90_000, 1, 4);
    let view = wait_for_price(&app, &event, "standard", standard).await;
    let changes = view["history"]["items"].as_array().expect("history").len();
    assert!(changes >= 2, "{view:#}");

    let page = console.get(&path).await;
    page.assert_html(200);
    let inr = |minor: i64| money(minor, "INR");
    for (category, price, sold) in [
        ("premium", premium, "2 of 4 (50%)"),
        ("standard", standard, "1 of 4 (25%)"),
    ] {
        let row = format!(
            "<tr data-category=\"{category}\"><th scope=\"row\">{category}</th><td class=\"num current\">{}</td>",
            inr(price)
        );
        assert!(page.text.contains(&row), "{row}\n{}", page.text);
        assert!(page.text.contains(&format!("<td>{sold}</td>")), "{sold}");
        assert!(page.text.contains(&format!("id=\"why-{category}\"")));
    }
    // Why: the curve's multiple at the category's occupancy, and the rounding.
    assert!(
        page.text
            .contains("2 sold of 4 (50%): the curve gives 1.25 × the base price of INR 1,500.00.")
    );
    assert!(page.text.contains(&format!(
        "Rounded down to a multiple of INR 1.00: {}.",
        inr(premium)
    )));
    // Range and next step.
    assert!(page.text.contains(&inr(150_000 * 5 / 2)), "the premium cap");
    assert!(page.text.contains(&format!(
        "{} at 3 sold (75%)",
        inr(concert_price(150_000, 3, 4))
    )));
    // The chart: labelled axes, a line per category that moved, and the same changes as a table.
    for needle in [
        "<svg class=\"plot\" viewBox=\"0 0 720.0 300.0\" role=\"img\"",
        ">Price (INR)</text>",
        ">Time (UTC), ",
        "class=\"line s0\"",
        "class=\"line s1\"",
        ">premium</text>",
        ">standard</text>",
        "id=\"history-table\"",
    ] {
        assert!(page.text.contains(needle), "{needle}");
    }
    let table = &page.text[page.text.find("id=\"history-table\"").expect("table")..];
    let rows = table[..table.find("</tbody>").expect("body")]
        .matches("<tr>")
        .count();
    assert_eq!(rows, changes + 1, "a header row and one row per change");
    assert!(page.text.contains("This event follows its category"));

    // An event's own rule is named as such.
    app.put(
        &format!("/api/v1/events/{event}/pricing"),
        Some(&token),
        json!({"curve": "flat", "cap": 1.0}),
    )
    .await
    .assert_status(200);
    let page = console.get(&path).await;
    assert!(page.text.contains("This event has its own rule"));
    assert!(page.text.contains("Flat: always the base price"));

    // Unknown events and cursors are pages, not failures.
    let missing = console
        .get("/admin/events/evt_00000000000000000000000000000000/prices")
        .await;
    missing.assert_html(404);
    assert_eq!(missing.error_code().as_deref(), Some("not_found"));
    console
        .get("/admin/events/nonsense/prices")
        .await
        .assert_html(404);
    let bad = console.get(&format!("{path}?cursor=%%%")).await;
    assert!(bad.status.is_client_error(), "{}", bad.status);
}
