//! The catalog beside live holds: counts and statuses show what is held (per segment on a
//! route), and no admin edit takes away what a customer holds.

use super::{bus, category, concert, create, event, general_admission, id_of, query, seat};
use crate::helpers::{Reply, TestApp};
use serde_json::{Value, json};

async fn hold(app: &TestApp, token: &str, event: &str, body: Value) -> Reply {
    app.post(&format!("/api/v1/events/{event}/holds"), Some(token), body)
        .await
}

#[tokio::test]
async fn held_seats_count_as_held_and_cannot_be_blocked_or_deleted() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let id = id_of(&create(&app, &admin, concert("Evening Raga", "Town Hall", 30)).await);
    let held = hold(&app, &alice, &id, json!({"seats": ["A-1", "A-2"]})).await;
    held.assert_status(201);

    let shown = event(&app, &id).await;
    assert_eq!(
        shown["availability"],
        json!({"total": 10, "available": 8, "held": 2, "sold": 0, "blocked": 0})
    );
    assert_eq!(category(&shown, "standard")["held"], 2);
    assert_eq!(seat(&app, &id, "A-1").await["status"], "held");

    // Blocking a held seat is refused whole: the free seat in the same request stays free.
    let reply = app
        .post(
            &format!("/api/v1/events/{id}/seats/block"),
            Some(&admin),
            json!({"seats": ["A-3", "A-2"], "reason": "camera"}),
        )
        .await;
    reply.assert_problem(409, "seat_unavailable");
    assert!(
        reply.text.contains("A-2"),
        "names the held seat: {}",
        reply.text
    );
    assert_eq!(seat(&app, &id, "A-3").await["status"], "available");
    assert_eq!(seat(&app, &id, "A-2").await["status"], "held");

    let path = format!("/api/v1/events/{id}");
    app.delete(&path, Some(&admin))
        .await
        .assert_problem(409, "event_has_sales");
    assert_eq!(
        event(&app, &id).await["availability"]["held"],
        2,
        "still there, still held"
    );

    let hold_id = held.body["id"].as_str().expect("hold id");
    app.delete(&format!("/api/v1/holds/{hold_id}"), Some(&alice))
        .await
        .assert_status(204);
    app.delete(&path, Some(&admin)).await.assert_status(204);
    app.get(&path, None).await.assert_problem(404, "not_found");
    hold(&app, &alice, &id, json!({"seats": ["A-3"]}))
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn a_blocked_seat_cannot_be_held_until_unblocked() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let id = id_of(&create(&app, &admin, concert("Evening Raga", "Town Hall", 30)).await);
    app.post(
        &format!("/api/v1/events/{id}/seats/block"),
        Some(&admin),
        json!({"seats": ["B-5"], "reason": "broken"}),
    )
    .await
    .assert_status(200);
    hold(&app, &alice, &id, json!({"seats": ["B-4", "B-5"]}))
        .await
        .assert_problem(409, "seat_unavailable");
    assert_eq!(
        seat(&app, &id, "B-4").await["status"],
        "available",
        "all or nothing"
    );
    app.post(
        &format!("/api/v1/events/{id}/seats/unblock"),
        Some(&admin),
        json!({"seats": ["B-5"]}),
    )
    .await
    .assert_status(200);
    hold(&app, &alice, &id, json!({"seats": ["B-4", "B-5"]}))
        .await
        .assert_status(201);
    assert_eq!(seat(&app, &id, "B-5").await["status"], "held");
}

#[tokio::test]
async fn seat_status_is_per_segment_on_a_route_with_stops() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let id = id_of(&create(&app, &admin, bus("Volvo", 4)).await);
    hold(
        &app,
        &alice,
        &id,
        json!({"seats": ["1-1"], "from": "Delhi", "to": "Gurugram"}),
    )
    .await
    .assert_status(201);
    let status = async |pairs: &[(&str, &str)]| {
        let reply = app
            .get(&format!("/api/v1/events/{id}/seats{}", query(pairs)), None)
            .await;
        reply.assert_status(200);
        let seats = reply.body["seats"].as_array().expect("seats").clone();
        seats
            .into_iter()
            .find(|s| s["label"] == "1-1")
            .expect("1-1")["status"]
            .clone()
    };
    assert_eq!(
        status(&[("from", "Delhi"), ("to", "Gurugram")]).await,
        "held"
    );
    assert_eq!(
        status(&[("from", "Gurugram"), ("to", "Jaipur")]).await,
        "available",
        "free after Gurugram"
    );
    assert_eq!(
        status(&[]).await,
        "held",
        "the whole route includes the held leg"
    );
    // Someone else boards the same seat where the first passenger leaves it.
    let bob = app.customer("bob").await;
    hold(
        &app,
        &bob,
        &id,
        json!({"seats": ["1-1"], "from": "Gurugram", "to": "Jaipur"}),
    )
    .await
    .assert_status(201);
    hold(&app, &bob, &id, json!({"seats": ["1-1"]}))
        .await
        .assert_problem(409, "seat_unavailable");
    assert_eq!(status(&[("from", "Gurugram")]).await, "held");
}

#[tokio::test]
async fn general_admission_capacity_never_drops_below_what_is_held() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let id = id_of(
        &create(
            &app,
            &admin,
            general_admission("Open Air", json!({"standard": 10}), 20),
        )
        .await,
    );
    hold(
        &app,
        &alice,
        &id,
        json!({"quantity": 5, "category": "standard"}),
    )
    .await
    .assert_status(201);
    let path = format!("/api/v1/events/{id}");

    let before = event(&app, &id).await;
    let reply = app
        .patch(&path, Some(&admin), json!({"capacity": {"standard": 4}}))
        .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), ["capacity.standard"]);
    assert_eq!(event(&app, &id).await, before);

    let reply = app
        .patch(&path, Some(&admin), json!({"capacity": {"standard": 5}}))
        .await;
    reply.assert_status(200);
    assert_eq!(
        reply.body["availability"],
        json!({"total": 5, "available": 0, "held": 5, "sold": 0, "blocked": 0})
    );
    hold(
        &app,
        &alice,
        &id,
        json!({"quantity": 1, "category": "standard"}),
    )
    .await
    .assert_problem(409, "seat_unavailable");
}

#[tokio::test]
async fn a_refused_capacity_edit_never_lets_holds_past_the_stored_capacity() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let id = id_of(
        &create(
            &app,
            &admin,
            general_admission("Open Air", json!({"standard": 2}), 20),
        )
        .await,
    );
    let path = format!("/api/v1/events/{id}");
    // A PATCH that raises capacity but is refused for its name must not open the doors, even
    // to the holds that arrive while it is being refused.
    for round in 0..10 {
        let mut holds = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let request = app
                .http
                .post(format!("{}/api/v1/events/{id}/holds", app.base_url))
                .bearer_auth(&alice)
                .json(&json!({"quantity": 1, "category": "standard"}));
            holds.spawn(async move { TestApp::reply(request.send().await.expect("sent")).await });
        }
        let patch = app.patch(
            &path,
            Some(&admin),
            json!({"capacity": {"standard": 100_000}, "name": ""}),
        );
        let (patch, holds) = tokio::join!(patch, holds.join_all());
        patch.assert_problem(422, "validation_failed");
        let granted: Vec<&Reply> = holds.iter().filter(|h| h.status.as_u16() == 201).collect();
        let shown = event(&app, &id).await;
        assert_eq!(
            shown["availability"]["total"], 2,
            "round {round}: {}",
            shown["availability"]
        );
        assert!(
            granted.len() <= 2,
            "round {round}: {} holds on 2 places",
            granted.len()
        );
        for h in granted {
            let hold_id = h.body["id"].as_str().expect("hold id");
            app.delete(&format!("/api/v1/holds/{hold_id}"), Some(&alice))
                .await
                .assert_status(204);
        }
    }
}
