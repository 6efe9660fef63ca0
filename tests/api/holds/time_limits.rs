//! A hold's time limit on a moved clock: extension up to the maximum lifetime, expiry by the
//! sweeper, and expired holds that never block a new one.

use super::{
    EVENTUALLY, assert_check_ok, eventually, held, history, hold_seats, statuses, time_of,
};
use crate::helpers::TestApp;
use serde_json::json;
use std::time::Duration;

/// Seconds from `created_at` to `expires_at` of a hold body.
fn lifetime(body: &serde_json::Value) -> i64 {
    (time_of(&body["expires_at"]) - time_of(&body["created_at"])).whole_seconds()
}

#[tokio::test]
async fn extending_moves_expiry_up_to_the_maximum_lifetime() {
    let app = TestApp::spawn_with(|config| {
        config.holds.ttl_seconds = 60;
        config.holds.max_lifetime_seconds = 100;
    })
    .await;
    let admin = app.admin().await;
    let staff = app.account("boxoffice", "staff").await;
    let (alice, bob) = (app.customer("alice").await, app.customer("bob").await);
    let event = app.create_concert(&admin, 1, 4).await;
    let reply = hold_seats(&app, &alice, &event, &["A-1"]).await;
    reply.assert_status(201);
    assert_eq!(lifetime(&reply.body), 60);
    let id = reply.body["id"].as_str().expect("id").to_string();
    let extend = format!("/api/v1/holds/{id}/extend");

    let reply = app
        .post(&extend, Some(&alice), json!({"seconds": 30}))
        .await;
    reply.assert_status(200);
    assert_eq!(lifetime(&reply.body), 90);
    assert_eq!(
        app.get(&format!("/api/v1/holds/{id}"), Some(&alice))
            .await
            .body["expires_at"],
        reply.body["expires_at"],
        "the new expiry is what GET shows"
    );
    // Capped at created_at + max lifetime; staff may extend a customer's hold.
    let reply = app
        .post(&extend, Some(&staff), json!({"seconds": 30}))
        .await;
    reply.assert_status(200);
    assert_eq!(lifetime(&reply.body), 100);
    let at_cap = reply.body["expires_at"].clone();
    let reply = app.post(&extend, Some(&alice), json!({"seconds": 1})).await;
    reply.assert_problem(409, "hold_lifetime_exceeded");
    app.post(&extend, Some(&bob), json!({"seconds": 10}))
        .await
        .assert_problem(404, "not_found");
    for seconds in [json!(0), json!(-5), json!("ten")] {
        let reply = app
            .post(&extend, Some(&alice), json!({ "seconds": seconds }))
            .await;
        reply.assert_problem(422, "validation_failed");
    }
    app.post(
        "/api/v1/holds/hld_nope/extend",
        Some(&alice),
        json!({"seconds": 10}),
    )
    .await
    .assert_problem(404, "not_found");
    assert_eq!(
        app.get(&format!("/api/v1/holds/{id}"), Some(&alice))
            .await
            .body["expires_at"],
        at_cap,
        "refused extensions change nothing"
    );

    // The extended hold outlives its first expiry: still held 90 s in.
    app.clock.advance(time::Duration::seconds(90));
    assert_eq!(statuses(&app, &event, "").await["A-1"], "held");
    app.get(&format!("/api/v1/holds/{id}"), Some(&alice))
        .await
        .assert_status(200);
    // Past the cap it has expired: extending it says so, before and after the sweep.
    app.clock.advance(time::Duration::seconds(11));
    app.post(&extend, Some(&alice), json!({"seconds": 10}))
        .await
        .assert_problem(409, "hold_expired");
    let cause = format!("hold:{id}");
    eventually("the sweeper to release the hold", EVENTUALLY, || async {
        let reply = history(&app, &staff, &event, "A-1").await;
        let released = reply.body["items"].as_array().is_some_and(|items| {
            items
                .iter()
                .any(|e| e["cause"] == cause && e["to"] == "available")
        });
        released.then_some(())
    })
    .await;
    app.post(&extend, Some(&alice), json!({"seconds": 10}))
        .await
        .assert_problem(409, "hold_expired");
    app.post(&extend, Some(&bob), json!({"seconds": 10}))
        .await
        .assert_problem(404, "not_found");
    app.delete(&format!("/api/v1/holds/{id}"), Some(&alice))
        .await
        .assert_problem(404, "not_found");
    assert_check_ok(&app, &admin).await;
}

#[tokio::test]
async fn an_expired_hold_frees_its_seats_within_moments() {
    let app = TestApp::spawn_with(|config| config.holds.ttl_seconds = 1).await;
    let admin = app.admin().await;
    let staff = app.account("boxoffice", "staff").await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 4).await;
    let id = held(&app, &alice, &event, &["A-1", "A-2"]).await;
    assert_eq!(super::availability(&app, &event).await["held"], 2);

    app.clock.advance(time::Duration::seconds(2));
    app.get(&format!("/api/v1/holds/{id}"), Some(&alice))
        .await
        .assert_problem(404, "not_found");
    eventually(
        "the seats to be available",
        Duration::from_secs(5),
        || async {
            let seats = statuses(&app, &event, "").await;
            (seats["A-1"] == "available" && seats["A-2"] == "available").then_some(())
        },
    )
    .await;
    assert_eq!(super::availability(&app, &event).await["held"], 0);
    // The sweeper really ended it (not only hid it): the release is in the seat history.
    let cause = format!("hold:{id}");
    eventually(
        "the expiry in the seat history",
        Duration::from_secs(5),
        || async {
            let reply = history(&app, &staff, &event, "A-2").await;
            reply.assert_status(200);
            let items = reply.body["items"].as_array().cloned().unwrap_or_default();
            let ours: Vec<_> = items.iter().filter(|e| e["cause"] == cause).collect();
            (ours.len() == 2 && ours[1]["from"] == "held" && ours[1]["to"] == "available")
                .then_some(())
        },
    )
    .await;
    app.get(&format!("/api/v1/holds/{id}"), Some(&alice))
        .await
        .assert_problem(404, "not_found");
    assert_check_ok(&app, &admin).await;
}

#[tokio::test]
async fn an_expired_hold_never_blocks_a_new_one() {
    // A long TTL: the sweeper has no reason to wake before the new hold arrives.
    let app = TestApp::spawn_with(|config| config.holds.ttl_seconds = 600).await;
    let admin = app.admin().await;
    let staff = app.account("boxoffice", "staff").await;
    let (alice, bob) = (app.customer("alice").await, app.customer("bob").await);
    let event = app.create_concert(&admin, 1, 4).await;
    let first = held(&app, &alice, &event, &["A-1", "A-2"]).await;

    app.clock.advance(time::Duration::seconds(601));
    let second = held(&app, &bob, &event, &["A-2", "A-3"]).await;
    let seats = statuses(&app, &event, "").await;
    assert_eq!(seats["A-1"], "available");
    assert_eq!(seats["A-2"], "held");
    assert_eq!(seats["A-3"], "held");
    app.get(&format!("/api/v1/holds/{first}"), Some(&alice))
        .await
        .assert_problem(404, "not_found");
    app.post(
        &format!("/api/v1/holds/{first}/extend"),
        Some(&alice),
        json!({"seconds": 10}),
    )
    .await
    .assert_problem(409, "hold_expired");
    app.get(&format!("/api/v1/holds/{second}"), Some(&bob))
        .await
        .assert_status(200);
    // A-2's history: held by the first, freed by its expiry, held by the second.
    let (first_cause, second_cause) = (format!("hold:{first}"), format!("hold:{second}"));
    let changes = eventually("A-2's history", super::EVENTUALLY, || async {
        let reply = history(&app, &staff, &event, "A-2").await;
        reply.assert_status(200);
        let items = reply.body["items"].as_array().cloned().unwrap_or_default();
        (items.len() >= 3).then_some(items)
    })
    .await;
    let summary: Vec<(String, String, String)> = changes
        .iter()
        .map(|e| {
            (
                e["from"].as_str().unwrap_or("").to_string(),
                e["to"].as_str().unwrap_or("").to_string(),
                e["cause"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("available".into(), "held".into(), first_cause.clone()),
            ("held".into(), "available".into(), first_cause),
            ("available".into(), "held".into(), second_cause),
        ]
    );
    assert_check_ok(&app, &admin).await;
}

#[tokio::test]
async fn expired_general_admission_places_count_as_available_at_once() {
    let app = TestApp::spawn_with(|config| config.holds.ttl_seconds = 600).await;
    let admin = app.admin().await;
    let (alice, bob) = (app.customer("alice").await, app.customer("bob").await);
    let body = json!({
        "name": "Open Air", "category": "concert", "starts_at": super::at(20, 0),
        "venue": {"name": "Open Grounds"}, "capacity": {"standard": 3},
        "prices": {"standard": super::inr(120_000)}
    });
    let event = super::create_event(&app, &admin, body).await;
    let first = super::hold(&app, &alice, &event, json!({"quantity": 3})).await;
    first.assert_status(201);
    assert_eq!(super::availability(&app, &event).await["held"], 3);

    // Expired holds are not counted, swept or not: like seats, places are free at once.
    app.clock.advance(time::Duration::seconds(601));
    assert_eq!(
        super::availability(&app, &event).await,
        json!({"total": 3, "available": 3, "held": 0, "sold": 0, "blocked": 0})
    );
    let second = super::hold(&app, &bob, &event, json!({"quantity": 3})).await;
    second.assert_status(201);
    assert_eq!(super::availability(&app, &event).await["held"], 3);
    let id = first.body["id"].as_str().expect("id");
    app.get(&format!("/api/v1/holds/{id}"), Some(&alice))
        .await
        .assert_problem(404, "not_found");
    assert_check_ok(&app, &admin).await;
}

#[tokio::test]
async fn a_refused_general_admission_hold_still_records_the_expiries_it_found() {
    let app = TestApp::spawn_with(|config| config.holds.ttl_seconds = 600).await;
    let admin = app.admin().await;
    let (alice, bob, carol) = (
        app.customer("alice").await,
        app.customer("bob").await,
        app.customer("carol").await,
    );
    let body = json!({
        "name": "Open Air", "category": "concert", "starts_at": super::at(20, 0),
        "venue": {"name": "Open Grounds"}, "capacity": {"standard": 3},
        "prices": {"standard": super::inr(120_000)}
    });
    let event = super::create_event(&app, &admin, body).await;
    let early = super::hold(&app, &alice, &event, json!({"quantity": 1})).await;
    early.assert_status(201);
    app.clock.advance(time::Duration::seconds(300));
    super::hold(&app, &carol, &event, json!({"quantity": 2}))
        .await
        .assert_status(201);
    // Alice's hold has expired, Carol's has not: one place is free, two are asked for.
    app.clock.advance(time::Duration::seconds(301));
    super::hold(&app, &bob, &event, json!({"quantity": 2}))
        .await
        .assert_problem(409, "seat_unavailable");
    let last = super::hold(&app, &bob, &event, json!({"quantity": 1})).await;
    last.assert_status(201);
    assert_eq!(super::availability(&app, &event).await["held"], 3);
    let id = early.body["id"].as_str().expect("id");
    app.post(
        &format!("/api/v1/holds/{id}/extend"),
        Some(&alice),
        json!({"seconds": 5}),
    )
    .await
    .assert_problem(409, "hold_expired");
    // The stores agree with memory: the expired hold is over there too, so the live holds
    // stay within capacity.
    assert_check_ok(&app, &admin).await;
}
