//! Holds by quantity: best available on seated events (side by side, no stranded single
//! seat, wheelchair spaces on request) and general admission counted per category.

use super::{assert_check_ok, availability, concert_with, create_event, held, hold, inr};
use crate::helpers::TestApp;
use serde_json::{Value, json};

/// The row and seat number of a label like `B-7`.
fn place(label: &str) -> (String, u32) {
    let (row, number) = label.split_once('-').expect("ROW-N");
    (row.to_string(), number.parse().expect("a number"))
}

/// Asserts the seats are side by side in one row.
#[track_caller]
fn assert_side_by_side(seats: &[String]) {
    let places: Vec<(String, u32)> = seats.iter().map(|s| place(s)).collect();
    assert!(
        places.iter().all(|(row, _)| *row == places[0].0),
        "not one row: {seats:?}"
    );
    let mut numbers: Vec<u32> = places.iter().map(|(_, n)| *n).collect();
    numbers.sort_unstable();
    assert!(
        numbers.windows(2).all(|w| w[1] == w[0] + 1),
        "not adjacent: {seats:?}"
    );
}

#[tokio::test]
async fn best_available_seats_sit_side_by_side_in_one_row() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 2, 10).await;

    let mut taken = Vec::new();
    for _ in 0..6 {
        let reply = hold(
            &app,
            &alice,
            &event,
            json!({"quantity": 2, "category": "standard"}),
        )
        .await;
        reply.assert_status(201);
        let seats = super::seats_of(&reply);
        assert_eq!(seats.len(), 2, "{}", reply.text);
        assert_side_by_side(&seats);
        assert_eq!(reply.body["prices"].as_array().expect("prices").len(), 2);
        assert_eq!(reply.body["total"], inr(180_000));
        for seat in seats {
            assert!(!taken.contains(&seat), "{seat} handed out twice");
            taken.push(seat);
        }
    }
    let held_now = super::labels_in(&app, &event, "", "held").await;
    assert_eq!(held_now.len(), 12);
    assert!(taken.iter().all(|s| held_now.contains(s)));
    assert_check_ok(&app, &admin).await;
}

#[tokio::test]
async fn best_available_leaves_no_single_seat_stranded() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (alice, bob) = (app.customer("alice").await, app.customer("bob").await);
    let event = app.create_concert(&admin, 2, 5).await;
    held(&app, &alice, &event, &["A-1", "A-5"]).await;

    // Row A has 2, 3, 4 free: any pair there strands one seat; row B is free.
    let reply = hold(
        &app,
        &bob,
        &event,
        json!({"quantity": 2, "category": "standard"}),
    )
    .await;
    reply.assert_status(201);
    let seats = super::seats_of(&reply);
    assert!(seats.iter().all(|s| s.starts_with("B-")), "{seats:?}");
    assert_side_by_side(&seats);
    // Three fill row A's gap exactly, and are preferred to row B.
    let reply = hold(&app, &bob, &event, json!({"quantity": 3})).await;
    reply.assert_status(201);
    assert_eq!(super::seats_of(&reply), ["A-2", "A-3", "A-4"]);
}

#[tokio::test]
async fn accessible_holds_get_wheelchair_spaces() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (alice, bob) = (app.customer("alice").await, app.customer("bob").await);
    let seat_map = json!({"sections": [{"name": "Stalls", "rows": [
        {"row": "A", "seats": 6},
        {"row": "B", "seats": [
            {"number": 1},
            {"number": 2, "category": "accessible", "flags": ["wheelchair_space"]},
            {"number": 3, "flags": ["companion"]},
            {"number": 4}
        ]}
    ]}]});
    let prices = json!({"standard": inr(90_000), "accessible": inr(45_000)});
    let event = create_event(&app, &admin, concert_with(seat_map, prices)).await;
    let flags: std::collections::BTreeMap<String, Value> = app
        .get(&format!("/api/v1/events/{event}/seats"), None)
        .await
        .body["seats"]
        .as_array()
        .expect("seats")
        .iter()
        .map(|s| {
            (
                s["label"].as_str().expect("label").to_string(),
                s["flags"].clone(),
            )
        })
        .collect();
    assert_eq!(flags["B-2"], json!(["wheelchair_space"]));
    assert_eq!(flags["B-3"], json!(["companion"]));

    let reply = hold(
        &app,
        &alice,
        &event,
        json!({"quantity": 1, "accessible": 1}),
    )
    .await;
    reply.assert_status(201);
    assert_eq!(super::seats_of(&reply), ["B-2"]);
    assert_eq!(reply.body["total"], inr(45_000), "{}", reply.text);
    // The only wheelchair space is taken now.
    let refused = hold(&app, &bob, &event, json!({"quantity": 1, "accessible": 1})).await;
    refused.assert_problem(409, "seat_unavailable");
    super::release(&app, &alice, reply.body["id"].as_str().expect("id")).await;

    // With a companion: the wheelchair space and the companion seat beside it.
    let reply = hold(
        &app,
        &bob,
        &event,
        json!({"quantity": 2, "accessible": 1, "category": "standard"}),
    )
    .await;
    reply.assert_status(201);
    assert_eq!(super::seats_of(&reply), ["B-2", "B-3"]);
    assert_eq!(reply.body["total"], inr(135_000));
    super::release(&app, &bob, reply.body["id"].as_str().expect("id")).await;

    // A plain quantity hold never takes the wheelchair space, even when it must split.
    let reply = hold(&app, &alice, &event, json!({"quantity": 9})).await;
    reply.assert_status(201);
    assert!(
        !super::seats_of(&reply).contains(&"B-2".to_string()),
        "{}",
        reply.text
    );
    assert_eq!(super::statuses(&app, &event, "").await["B-2"], "available");
    let reply = hold(&app, &bob, &event, json!({"quantity": 1})).await;
    reply.assert_problem(409, "seat_unavailable");
    assert_check_ok(&app, &admin).await;
}

#[tokio::test]
async fn a_quantity_is_bounded_by_the_category_and_by_what_is_free() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (alice, bob) = (app.customer("alice").await, app.customer("bob").await);
    let seat_map = json!({"sections": [{"name": "Stalls", "rows": [
        {"row": "A", "seats": 4, "category": "premium"},
        {"row": "B", "seats": 10},
        {"row": "C", "seats": 10}
    ]}]});
    let prices = json!({"standard": inr(90_000), "premium": inr(150_000)});
    let event = create_event(&app, &admin, concert_with(seat_map, prices)).await;

    let reply = hold(
        &app,
        &alice,
        &event,
        json!({"quantity": 5, "category": "premium"}),
    )
    .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), ["quantity"]);
    let reply = hold(
        &app,
        &alice,
        &event,
        json!({"quantity": 21, "category": "standard"}),
    )
    .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), ["quantity"]);
    let reply = hold(
        &app,
        &alice,
        &event,
        json!({"quantity": 1, "category": "balcony"}),
    )
    .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.error_fields(), ["category"]);

    let reply = hold(
        &app,
        &alice,
        &event,
        json!({"quantity": 4, "category": "premium"}),
    )
    .await;
    reply.assert_status(201);
    assert_eq!(super::seats_of(&reply), ["A-1", "A-2", "A-3", "A-4"]);
    assert_eq!(reply.body["total"], inr(600_000));
    let reply = hold(
        &app,
        &bob,
        &event,
        json!({"quantity": 1, "category": "premium"}),
    )
    .await;
    reply.assert_problem(409, "seat_unavailable");

    held(
        &app,
        &alice,
        &event,
        &["B-1", "B-2", "B-3", "B-4", "B-5", "B-6", "B-7", "B-8"],
    )
    .await;
    held(
        &app,
        &alice,
        &event,
        &["C-1", "C-2", "C-3", "C-4", "C-5", "C-6", "C-7"],
    )
    .await;
    // Five standard seats are left (B-9, B-10, C-8, C-9, C-10): six is too many, five fit
    // across the two rows.
    let reply = hold(
        &app,
        &bob,
        &event,
        json!({"quantity": 6, "category": "standard"}),
    )
    .await;
    reply.assert_problem(409, "seat_unavailable");
    assert_eq!(availability(&app, &event).await["held"], 19);
    let reply = hold(
        &app,
        &bob,
        &event,
        json!({"quantity": 5, "category": "standard"}),
    )
    .await;
    reply.assert_status(201);
    assert_eq!(
        super::seats_of(&reply),
        ["B-10", "B-9", "C-10", "C-8", "C-9"]
    );
    assert_check_ok(&app, &admin).await;
}

#[tokio::test]
async fn general_admission_counts_places_per_category() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (alice, bob) = (app.customer("alice").await, app.customer("bob").await);
    let body = json!({
        "name": "Open Air", "category": "concert", "starts_at": super::at(20, 0),
        "venue": {"name": "Open Grounds"}, "capacity": {"standard": 3},
        "prices": {"standard": inr(120_000)}
    });
    let event = create_event(&app, &admin, body).await;

    let first = hold(
        &app,
        &alice,
        &event,
        json!({"quantity": 2, "category": "standard"}),
    )
    .await;
    first.assert_status(201);
    assert_eq!(first.body["seats"], json!([]));
    assert_eq!(first.body["quantity"], 2);
    assert_eq!(first.body["total"], inr(240_000));
    assert_eq!(
        availability(&app, &event).await,
        json!({"total": 3, "available": 1, "held": 2, "sold": 0, "blocked": 0})
    );
    let reply = hold(
        &app,
        &bob,
        &event,
        json!({"quantity": 2, "category": "standard"}),
    )
    .await;
    reply.assert_problem(409, "seat_unavailable");
    assert_eq!(
        availability(&app, &event).await["held"],
        2,
        "a refusal takes nothing"
    );
    let second = hold(
        &app,
        &bob,
        &event,
        json!({"quantity": 1, "category": "standard"}),
    )
    .await;
    second.assert_status(201);
    assert_eq!(availability(&app, &event).await["available"], 0);
    assert_eq!(availability(&app, &event).await["held"], 3);

    // Above capacity is a bad request, not a conflict; seats by label make no sense here.
    let reply = hold(
        &app,
        &bob,
        &event,
        json!({"quantity": 4, "category": "standard"}),
    )
    .await;
    reply.assert_problem(422, "validation_failed");
    let reply = hold(&app, &bob, &event, json!({"seats": ["A-1"]})).await;
    reply.assert_problem(422, "validation_failed");

    super::release(&app, &alice, first.body["id"].as_str().expect("id")).await;
    assert_eq!(
        availability(&app, &event).await,
        json!({"total": 3, "available": 2, "held": 1, "sold": 0, "blocked": 0})
    );
    super::release(&app, &bob, second.body["id"].as_str().expect("id")).await;
    assert_eq!(availability(&app, &event).await["available"], 3);
    let reply = hold(&app, &bob, &event, json!({"quantity": 3})).await;
    reply.assert_status(201);
    assert_check_ok(&app, &admin).await;
}
