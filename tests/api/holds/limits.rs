//! No account can hold a venue: a customer's hold takes at most
//! `holds.max_seats_per_customer_hold` seats and a customer has at most
//! `holds.max_live_holds_per_customer` live holds, even when asking many times at once;
//! staff and admins are not limited. Run with the shipped defaults (10 and 3).

use super::race::stampede;
use super::*;
use std::sync::Arc;

/// An app with the shipped limits (the test configuration lifts them).
async fn spawn_with_shipped_limits() -> TestApp {
    TestApp::spawn_with(|config| {
        let shipped = rezerve::config::HoldsConfig::default();
        config.holds.max_seats_per_customer_hold = shipped.max_seats_per_customer_hold;
        config.holds.max_live_holds_per_customer = shipped.max_live_holds_per_customer;
    })
    .await
}

fn labels(row: &str, from: u32, to: u32) -> Vec<String> {
    (from..=to).map(|n| format!("{row}-{n}")).collect()
}

#[tokio::test]
async fn a_customer_hold_takes_at_most_ten_seats_and_staff_are_not_limited() {
    let app = spawn_with_shipped_limits().await;
    let admin = app.admin().await;
    let staff = app.account("clerk", "staff").await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 2, 20).await;

    let too_many = hold(&app, &alice, &event, json!({"seats": labels("A", 1, 11)})).await;
    too_many.assert_problem(422, "too_many_seats");
    assert!(too_many.text.contains("10"), "{}", too_many.text);
    hold(&app, &alice, &event, json!({"quantity": 11}))
        .await
        .assert_problem(422, "too_many_seats");
    assert_all_available(&statuses(&app, &event, "").await);

    let ten = hold(&app, &alice, &event, json!({"seats": labels("A", 1, 10)})).await;
    ten.assert_status(201);
    // The box office sells a school party in one go.
    let party = hold(&app, &staff, &event, json!({"seats": labels("B", 1, 20)})).await;
    party.assert_status(201);
    hold(&app, &admin, &event, json!({"seats": labels("A", 11, 20)}))
        .await
        .assert_status(201);
}

#[tokio::test]
async fn a_customer_has_at_most_three_live_holds_even_when_asking_at_once() {
    let app = Arc::new(spawn_with_shipped_limits().await);
    let admin = app.admin().await;
    let staff = app.account("clerk", "staff").await;
    let alice = app.customer("alice").await;
    let bob = app.customer("bob").await;
    let event = app.create_concert(&admin, 1, 40).await;

    // Twelve requests at once, each for a different seat: three win.
    let bodies: Vec<Value> = (1..=12)
        .map(|n| json!({"seats": [format!("A-{n}")]}))
        .collect();
    let replies = stampede(&app, &event, &vec![alice.clone(); 12], &bodies).await;
    let won: Vec<String> = replies
        .iter()
        .filter(|r| r.status.as_u16() == 201)
        .map(|r| r.body["id"].as_str().expect("hold id").to_string())
        .collect();
    assert_eq!(won.len(), 3, "{replies:#?}");
    for refused in replies.iter().filter(|r| r.status.as_u16() != 201) {
        refused.assert_problem(409, "too_many_holds");
    }
    assert_eq!(labels_in(&app, &event, "", "held").await.len(), 3);

    // Another customer is not affected; staff are not limited.
    for n in 20..23 {
        held(&app, &bob, &event, &[&format!("A-{n}")]).await;
    }
    for n in 30..35 {
        held(&app, &staff, &event, &[&format!("A-{n}")]).await;
    }

    // Releasing one frees a place; so does a hold running out.
    release(&app, &alice, &won[0]).await;
    held(&app, &alice, &event, &["A-13"]).await;
    hold_seats(&app, &alice, &event, &["A-14"])
        .await
        .assert_problem(409, "too_many_holds");
    app.clock.advance(time::Duration::seconds(
        rezerve::config::HoldsConfig::default().ttl_seconds as i64 + 1,
    ));
    held(&app, &alice, &event, &["A-14"]).await;
}
