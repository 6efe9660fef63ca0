//! Rules are data: admins read and replace them, bad ones are refused naming the field and
//! change nothing, a new rule reprices the events of its category (and only those), an
//! event's own rule stays on that event, and the preview draws a rule's curve.

use super::*;
use crate::helpers::TestApp;

/// `GET /pricing/rules` as admin, asserting 200.
async fn rules(app: &TestApp, admin: &str) -> Value {
    let reply = app.get("/api/v1/pricing/rules", Some(admin)).await;
    reply.assert_status(200);
    reply.body.clone()
}

#[tokio::test]
async fn the_default_rules_are_the_original_curves() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let all = rules(&app, &admin).await;
    for (name, curve) in [
        ("concert", "concert"),
        ("flight", "flight"),
        ("bus", "bus"),
        ("train", "train"),
        ("movie", "flat"),
    ] {
        assert_eq!(all[name]["curve"], curve, "{all:#}");
        assert_eq!(all[name]["floor"], 1.0);
        assert_eq!(all[name]["rounding_minor"], 100);
    }
}

#[tokio::test]
async fn bad_rules_are_refused_naming_the_field_and_change_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let before = rules(&app, &admin).await;
    let cases = [
        (
            "cap below floor",
            json!({"concert": {"curve": "concert", "floor": 2.0, "cap": 1.5}}),
            "concert.cap",
        ),
        (
            "negative bucket multiplier",
            json!({"bus": {"curve": {"buckets": [{"share": 1.0, "multiplier": -1.0}]}, "cap": 2.0}}),
            "bus.curve.buckets[0].multiplier",
        ),
        (
            "negative time factor",
            json!({"concert": {"curve": "concert", "cap": 2.5,
                               "time_factor": {"hours_before": 24.0, "multiplier": -0.5}}}),
            "concert.time_factor.multiplier",
        ),
        (
            "negative demand factor",
            json!({"train": {"curve": "train", "cap": 2.0,
                             "demand_factor": {"window_minutes": 30, "holds_per_100_seats": 5.0, "multiplier": -2.0}}}),
            "train.demand_factor.multiplier",
        ),
        (
            "negative floor",
            json!({"movie": {"curve": "flat", "floor": -1.0, "cap": 1.0}}),
            "movie.floor",
        ),
        (
            "unknown category",
            json!({"opera": {"curve": "concert", "cap": 2.5}}),
            "opera",
        ),
        (
            "buckets not adding up to 1",
            json!({"flight": {"curve": {"buckets": [
                {"share": 0.3, "multiplier": 1.0}, {"share": 0.3, "multiplier": 1.5}]}, "cap": 2.0}}),
            "flight.curve.buckets",
        ),
        (
            "EMSR-b classes not dearest first",
            json!({"flight": {"curve": {"emsr_b": [
                {"multiplier": 1.0, "mean": 40.0, "sd": 10.0},
                {"multiplier": 1.8, "mean": 15.0, "sd": 5.0}]}, "cap": 2.0}}),
            "flight.curve.emsr_b",
        ),
        (
            "zero rounding",
            json!({"concert": {"curve": "concert", "cap": 2.5, "rounding_minor": 0}}),
            "concert.rounding_minor",
        ),
        ("no category at all", json!({}), "body"),
    ];
    for (what, body, field) in cases {
        let reply = app.put("/api/v1/pricing/rules", Some(&admin), body).await;
        reply.assert_problem(422, "validation_failed");
        assert!(
            reply.error_fields().iter().any(|f| f == field),
            "{what}: expected {field} in {}",
            reply.text
        );
        assert_eq!(
            rules(&app, &admin).await,
            before,
            "{what} changed the rules"
        );
    }

    // A valid rule next to a bad one: all or nothing.
    let mixed = app
        .put(
            "/api/v1/pricing/rules",
            Some(&admin),
            json!({"bus": {"curve": "flat", "cap": 1.0},
                   "concert": {"curve": "concert", "floor": 3.0, "cap": 2.0}}),
        )
        .await;
    mixed.assert_problem(422, "validation_failed");
    assert_eq!(rules(&app, &admin).await, before);

    // An unknown field is a shape error that names it.
    let unknown = app
        .put(
            "/api/v1/pricing/rules",
            Some(&admin),
            json!({"concert": {"curve": "concert", "cap": 2.5, "surge": 3.0}}),
        )
        .await;
    unknown.assert_problem(422, "validation_failed");
    assert!(
        unknown.text.contains("surge"),
        "the unknown field is not named: {}",
        unknown.text
    );
    assert_eq!(rules(&app, &admin).await, before);

    // An event's own rule is validated the same way.
    let event = app.create_concert(&admin, 1, 4).await;
    let bad = app
        .put(
            &format!("/api/v1/events/{event}/pricing"),
            Some(&admin),
            json!({"curve": "concert", "floor": 2.0, "cap": 1.0}),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    assert!(
        bad.error_fields().iter().any(|f| f == "rule.cap"),
        "{}",
        bad.text
    );
    assert_eq!(prices(&app, &event).await["event_rule"], false);
}

#[tokio::test]
async fn only_admins_read_or_change_rules() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let customer = app.customer("mallory").await;
    let event = app.create_concert(&admin, 1, 4).await;
    let before = rules(&app, &admin).await;
    let flat = json!({"curve": "flat", "cap": 1.0});

    app.put(
        "/api/v1/pricing/rules",
        Some(&customer),
        json!({ "concert": flat }),
    )
    .await
    .assert_problem(403, "forbidden");
    app.get("/api/v1/pricing/rules", Some(&customer))
        .await
        .assert_problem(403, "forbidden");
    app.put(
        &format!("/api/v1/events/{event}/pricing"),
        Some(&customer),
        flat.clone(),
    )
    .await
    .assert_problem(403, "forbidden");
    app.delete(&format!("/api/v1/events/{event}/pricing"), Some(&customer))
        .await
        .assert_problem(403, "forbidden");
    app.put("/api/v1/pricing/rules", None, json!({ "concert": flat }))
        .await
        .assert_problem(401, "unauthorized");
    assert_eq!(rules(&app, &admin).await, before);
    assert_eq!(prices(&app, &event).await["event_rule"], false);
}

#[tokio::test]
async fn a_new_category_rule_reprices_that_categorys_events_only() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let concert = app.create_concert(&admin, 1, 10).await;
    let flight = flight(&app, &admin, 10).await;
    sell(&app, &alice, &concert, &["A-1"]).await;
    sell(&app, &alice, &flight, &["10-1"]).await;
    wait_for_price(&app, &concert, "standard", 94_500).await;
    // 1 + ln 2 / 5 = 1.138629…, floored to a whole rupee.
    wait_for_price(&app, &flight, "standard", 102_400).await;

    let reply = app
        .put(
            "/api/v1/pricing/rules",
            Some(&admin),
            json!({"concert": {"curve": "concert", "cap": 2.5, "rounding_minor": 5000}}),
        )
        .await;
    reply.assert_status(200);
    assert_eq!(reply.body["concert"]["rounding_minor"], 5000);
    assert_eq!(reply.body["flight"]["curve"], "flight", "{}", reply.text);
    assert_eq!(rules(&app, &admin).await, reply.body);

    // Repriced before the PUT answered: 94,500 rounds down to 90,000.
    let view = prices(&app, &concert).await;
    assert_eq!(minor(&category(&view, "standard")["current_price"]), 90_000);
    assert_eq!(view["rule"]["rounding_minor"], 5000);
    assert_eq!(view["history"]["items"][0]["cause"], "rules", "{view:#}");
    assert_eq!(view["history"]["items"][0]["old_minor"], 94_500);
    assert_eq!(view["history"]["items"][0]["new_minor"], 90_000);
    // The next step is the curve's next multiple of 5,000: 1.1 × base (99,000) at 2 sold.
    assert_eq!(
        minor(&category(&view, "standard")["next_step"]["price"]),
        95_000
    );
    assert_eq!(category(&view, "standard")["next_step"]["at_sold"], 2);
    assert_eq!(current(&app, &flight, "standard").await, 102_400);

    // Later sales follow the new rule.
    sell(&app, &alice, &concert, &["A-2", "A-3"]).await;
    wait_for_price(&app, &concert, "standard", 100_000).await;
    let detail = app.get(&format!("/api/v1/events/{concert}"), None).await;
    assert_eq!(minor(&detail.body["prices"]["standard"]), 100_000);
}

#[tokio::test]
async fn an_event_rule_applies_to_that_event_only_until_removed() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bob = app.customer("bob").await;
    let own = app.create_concert(&admin, 1, 10).await;
    let other = app.create_concert(&admin, 1, 10).await;
    sell(&app, &bob, &own, &["A-1"]).await;
    sell(&app, &bob, &other, &["A-1"]).await;
    wait_for_price(&app, &own, "standard", 94_500).await;
    wait_for_price(&app, &other, "standard", 94_500).await;

    // The first 10 % at base, the rest at 2×: one seat sold closes the cheap bucket.
    let buckets = json!({"curve": {"buckets": [
        {"share": 0.1, "multiplier": 1.0}, {"share": 0.9, "multiplier": 2.0}]}, "cap": 2.0});
    let reply = app
        .put(
            &format!("/api/v1/events/{own}/pricing"),
            Some(&admin),
            buckets.clone(),
        )
        .await;
    reply.assert_status(200);
    assert_eq!(reply.body["event_rule"], true, "{}", reply.text);
    assert_eq!(reply.body["rule"]["curve"], buckets["curve"]);
    let standard = category(&reply.body, "standard");
    assert_eq!(minor(&standard["current_price"]), 180_000);
    assert_eq!(minor(&standard["cap_price"]), 180_000);
    assert!(standard["next_step"].is_null(), "{standard:#}");
    assert_eq!(current(&app, &other, "standard").await, 94_500);
    assert_eq!(prices(&app, &other).await["event_rule"], false);
    let quote = hold(&app, &bob, &own, &["A-2"]).await;
    assert_eq!(minor(&quote["total"]), 180_000);

    // A last-minute factor in force right now (the show is 30 days away).
    let soon = json!({"curve": "flat", "cap": 3.0,
                      "time_factor": {"hours_before": 1000.0, "multiplier": 1.5}});
    let reply = app
        .put(&format!("/api/v1/events/{own}/pricing"), Some(&admin), soon)
        .await;
    reply.assert_status(200);
    assert_eq!(
        minor(&category(&reply.body, "standard")["current_price"]),
        135_000
    );

    // Removing it restores the category's rule.
    let reply = app
        .delete(&format!("/api/v1/events/{own}/pricing"), Some(&admin))
        .await;
    reply.assert_status(200);
    assert_eq!(reply.body["event_rule"], false);
    assert_eq!(reply.body["rule"]["curve"], "concert");
    assert_eq!(
        minor(&category(&reply.body, "standard")["current_price"]),
        94_500
    );
    assert_eq!(current(&app, &own, "standard").await, 94_500);
    assert_eq!(current(&app, &other, "standard").await, 94_500);

    // Unknown events are 404.
    app.put(
        "/api/v1/events/evt_nope/pricing",
        Some(&admin),
        buckets.clone(),
    )
    .await
    .assert_problem(404, "not_found");
    app.get("/api/v1/events/evt_nope/prices", None)
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn the_preview_draws_a_rising_curve_from_the_base() {
    let app = TestApp::spawn().await;
    for name in ["concert", "flight", "bus", "train", "movie"] {
        let reply = app
            .get(
                &format!("/api/v1/pricing/preview?category={name}&base_minor={BASE}&capacity=10&points=11"),
                None,
            )
            .await;
        reply.assert_status(200);
        assert_eq!(reply.body["category"], name);
        let points = reply.body["points"].as_array().expect("points");
        assert_eq!(points.len(), 11, "{}", reply.text);
        assert_eq!(points[0]["occupancy"], 0.0);
        assert_eq!(points[0]["price_minor"], BASE);
        assert_eq!(points[10]["occupancy"], 1.0);
        for pair in points.windows(2) {
            assert!(
                pair[0]["price_minor"].as_i64() <= pair[1]["price_minor"].as_i64()
                    && pair[0]["occupancy"].as_f64() < pair[1]["occupancy"].as_f64(),
                "{name} falls: {pair:?}"
            );
        }
        if name == "concert" {
            assert_eq!(points[1]["price_minor"], 94_500);
            assert_eq!(points[10]["price_minor"], 195_700); // 2.175 × base
        }
    }

    // The stored rule is what is drawn.
    let admin = app.admin().await;
    app.put(
        "/api/v1/pricing/rules",
        Some(&admin),
        json!({"bus": {"curve": {"buckets": [
            {"share": 0.5, "multiplier": 1.0}, {"share": 0.5, "multiplier": 1.5}]}, "cap": 1.5}}),
    )
    .await
    .assert_status(200);
    let reply = app
        .get(
            "/api/v1/pricing/preview?category=bus&base_minor=1000&capacity=4&points=5",
            None,
        )
        .await;
    reply.assert_status(200);
    let drawn: Vec<i64> = reply.body["points"]
        .as_array()
        .expect("points")
        .iter()
        .filter_map(|p| p["price_minor"].as_i64())
        .collect();
    assert_eq!(drawn, [1000, 1000, 1500, 1500, 1500]);

    for (query, field) in [
        ("category=opera&base_minor=1000", "category"),
        ("category=bus&base_minor=-1", "base_minor"),
        ("category=bus&base_minor=1000&points=1", "points"),
        ("category=bus&base_minor=1000&capacity=0", "capacity"),
    ] {
        let reply = app
            .get(&format!("/api/v1/pricing/preview?{query}"), None)
            .await;
        reply.assert_problem(422, "validation_failed");
        assert!(
            reply.error_fields().iter().any(|f| f == field),
            "{query}: {}",
            reply.text
        );
    }
}
