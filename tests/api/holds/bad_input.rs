//! Hostile and careless hold requests: each is a 4xx problem with a stable code, and none of
//! them holds anything.

use super::{assert_all_available, assert_check_ok, availability, hold, statuses};
use crate::helpers::TestApp;
use serde_json::{Value, json};

/// Asserts nothing of the event is held.
async fn assert_untouched(app: &TestApp, event: &str) {
    assert_all_available(&statuses(app, event, "").await);
    assert_eq!(availability(app, event).await["held"], 0);
}

#[tokio::test]
async fn bad_hold_requests_are_refused_and_hold_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 2, 5).await;
    // Another event whose rows are C and D: its labels are not this event's.
    let other = app
        .post(
            "/api/v1/events",
            Some(&admin),
            crate::helpers::concert_body(json!({"sections": [{"name": "Stalls", "rows": [
                {"row": "C", "seats": 3}, {"row": "D", "seats": 3}
            ]}]})),
        )
        .await;
    other.assert_status(201);

    let fifty_one: Vec<String> = (1..=51).map(|n| format!("A-{n}")).collect();
    let cases: Vec<(Value, &str, Option<&str>)> = vec![
        (json!({"seats": ["A-1", "C-1"]}), "seats", Some("C-1")),
        (
            json!({"seats": ["A-1", "Z-9", "A-77"]}),
            "seats",
            Some("Z-9"),
        ),
        (
            json!({"seats": ["A-1", "A-2", "A-1"]}),
            "seats",
            Some("A-1"),
        ),
        (json!({"seats": []}), "seats", None),
        (json!({ "seats": fifty_one }), "seats", None),
        (json!({"quantity": 0}), "quantity", None),
        (json!({"quantity": 51}), "quantity", None),
        (json!({"seats": ["A-1"], "quantity": 1}), "quantity", None),
        (json!({"seats": ["A-1"], "colour": "red"}), "colour", None),
        (json!({}), "seats", None),
        (json!({"seats": "A-1"}), "seats", None),
        (json!({"quantity": -1}), "quantity", None),
        (json!({"quantity": 2, "accessible": 3}), "accessible", None),
        (
            json!({"seats": ["A-1"], "category": "standard"}),
            "category",
            None,
        ),
    ];
    for (body, field, named) in cases {
        let reply = hold(&app, &alice, &event, body.clone()).await;
        reply.assert_problem(422, "validation_failed");
        assert!(
            reply.error_fields().iter().any(|f| f == field),
            "{body}: expected field {field}: {}",
            reply.text
        );
        if let Some(label) = named {
            assert!(
                reply.text.contains(label),
                "{body}: {label} not named: {}",
                reply.text
            );
        }
        assert_untouched(&app, &event).await;
    }
    // The unknown-label refusal names every unknown one.
    let reply = hold(
        &app,
        &alice,
        &event,
        json!({"seats": ["A-1", "Z-9", "A-77"]}),
    )
    .await;
    assert!(reply.text.contains("A-77"), "{}", reply.text);

    let path = format!("/api/v1/events/{event}/holds");
    app.post(&path, None, json!({"seats": ["A-1"]}))
        .await
        .assert_problem(401, "unauthorized");
    app.post(&path, Some("not-a-token"), json!({"seats": ["A-1"]}))
        .await
        .assert_problem(401, "unauthorized");
    hold(
        &app,
        &alice,
        "evt_00000000000000000000000000000000",
        json!({"seats": ["A-1"]}),
    )
    .await
    .assert_problem(404, "not_found");
    hold(&app, &alice, "no-such-event", json!({"seats": ["A-1"]}))
        .await
        .assert_problem(404, "not_found");
    // Not JSON at all.
    let reply = app
        .http
        .post(format!("{}{path}", app.base_url))
        .bearer_auth(&alice)
        .header("content-type", "application/json")
        .body("{\"seats\": [")
        .send()
        .await
        .expect("sent");
    assert_eq!(reply.status().as_u16(), 400);
    assert_untouched(&app, &event).await;

    // Holds by id: unknown ids and garbage are plain 404s.
    for id in ["hld_nope", "hld_00000000000000000000000000000000", "%00"] {
        app.get(&format!("/api/v1/holds/{id}"), Some(&alice))
            .await
            .assert_problem(404, "not_found");
        app.delete(&format!("/api/v1/holds/{id}"), Some(&alice))
            .await
            .assert_problem(404, "not_found");
    }
    assert_check_ok(&app, &admin).await;
}
