//! A hold from creation to release: what it shows, who may see it, all or nothing, blocked
//! seats, and the seat history it leaves.

use super::{
    EVENTUALLY, assert_all_available, assert_check_ok, availability, eventually, held, history,
    hold_seats, labels_in, release, statuses,
};
use crate::helpers::TestApp;
use rezerve::clock::Clock;
use serde_json::{Value, json};

#[tokio::test]
async fn a_hold_by_labels_shows_its_seats_prices_and_ends_on_release() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let staff = app.account("boxoffice", "staff").await;
    let (alice, bob) = (app.customer("alice").await, app.customer("bob").await);
    let event = app.create_concert(&admin, 2, 10).await;

    let reply = hold_seats(&app, &alice, &event, &["A-1", "A-2"]).await;
    reply.assert_status(201);
    let body = reply.body.clone();
    let id = body["id"].as_str().expect("id").to_string();
    assert_eq!(body["event_id"], event.as_str());
    assert_eq!(super::seats_of(&reply), ["A-1", "A-2"]);
    let prices = body["prices"].as_array().expect("prices");
    assert_eq!(prices.len(), 2, "one line per seat: {}", reply.text);
    let mut priced: Vec<&str> = prices
        .iter()
        .map(|p| p["seat"].as_str().expect("seat"))
        .collect();
    priced.sort();
    assert_eq!(priced, ["A-1", "A-2"]);
    for line in prices {
        assert_eq!(line["unit_price"], super::inr(90_000), "{line}");
        assert_eq!(line["amount"], super::inr(90_000), "{line}");
        assert_eq!(line["category"], "standard");
    }
    assert_eq!(body["total"], super::inr(180_000));
    let expires = super::time_of(&body["expires_at"]);
    let now = app.clock.now();
    let ttl = time::Duration::seconds(app.config.holds.ttl_seconds as i64);
    assert!(
        (expires - (now + ttl)).abs() < time::Duration::seconds(1),
        "expires_at {expires} is not now + ttl"
    );

    let seats = statuses(&app, &event, "").await;
    assert_eq!(seats["A-1"], "held");
    assert_eq!(seats["A-2"], "held");
    assert_eq!(seats.values().filter(|s| *s == "held").count(), 2);
    let counts = availability(&app, &event).await;
    assert_eq!(
        counts,
        json!({"total": 20, "available": 18, "held": 2, "sold": 0, "blocked": 0})
    );

    let path = format!("/api/v1/holds/{id}");
    let mine = app.get(&path, Some(&alice)).await;
    mine.assert_status(200);
    assert_eq!(mine.body["id"], id.as_str());
    assert_eq!(mine.body["seats"], body["seats"]);
    assert_eq!(mine.body["total"], body["total"]);
    assert_eq!(mine.body["expires_at"], body["expires_at"]);
    app.get(&path, Some(&staff)).await.assert_status(200);
    app.get(&path, Some(&admin)).await.assert_status(200);
    app.get(&path, Some(&bob))
        .await
        .assert_problem(404, "not_found");
    app.get(&path, None)
        .await
        .assert_problem(401, "unauthorized");
    // Someone else cannot release it either, and it stays.
    app.delete(&path, Some(&bob))
        .await
        .assert_problem(404, "not_found");
    assert_eq!(statuses(&app, &event, "").await["A-1"], "held");

    release(&app, &alice, &id).await;
    assert_all_available(&statuses(&app, &event, "").await);
    assert_eq!(availability(&app, &event).await["available"], 20);
    app.get(&path, Some(&alice))
        .await
        .assert_problem(404, "not_found");
    app.delete(&path, Some(&alice))
        .await
        .assert_problem(404, "not_found");
    // The seats are free for the next customer at once.
    held(&app, &bob, &event, &["A-1", "A-2"]).await;
    assert_check_ok(&app, &admin).await;
}

#[tokio::test]
async fn staff_may_release_a_customers_hold() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let staff = app.account("boxoffice", "staff").await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 5).await;
    let id = held(&app, &alice, &event, &["A-3"]).await;
    release(&app, &staff, &id).await;
    assert_all_available(&statuses(&app, &event, "").await);
}

#[tokio::test]
async fn a_hold_over_one_taken_seat_takes_nothing_and_names_the_taken_ones() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (alice, bob) = (app.customer("alice").await, app.customer("bob").await);
    let event = app.create_concert(&admin, 2, 10).await;
    held(&app, &alice, &event, &["A-3", "A-5"]).await;

    let reply = hold_seats(&app, &bob, &event, &["A-2", "A-3", "A-4", "A-5", "A-6"]).await;
    reply.assert_problem(409, "seat_unavailable");
    let mut named: Vec<&str> = reply.body["seats"]
        .as_array()
        .expect("the problem names the seats")
        .iter()
        .map(|s| s.as_str().expect("label"))
        .collect();
    named.sort();
    assert_eq!(named, ["A-3", "A-5"], "{}", reply.text);

    let seats = statuses(&app, &event, "").await;
    for free in ["A-2", "A-4", "A-6"] {
        assert_eq!(
            seats[free], "available",
            "{free} was taken by a failed hold"
        );
    }
    assert_eq!(availability(&app, &event).await["held"], 2);
    // Bob really can have the free ones.
    held(&app, &bob, &event, &["A-2", "A-4", "A-6"]).await;
    assert_check_ok(&app, &admin).await;
}

#[tokio::test]
async fn blocked_seats_are_never_held_and_held_seats_cannot_be_blocked() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 4).await;
    let block = format!("/api/v1/events/{event}/seats/block");

    app.post(
        &block,
        Some(&admin),
        json!({"seats": ["A-1"], "reason": "broken"}),
    )
    .await
    .assert_status(200);
    let reply = hold_seats(&app, &alice, &event, &["A-1", "A-2"]).await;
    reply.assert_problem(409, "seat_unavailable");
    assert_eq!(reply.body["seats"], json!(["A-1"]));
    assert_eq!(statuses(&app, &event, "").await["A-2"], "available");
    // Best available never picks it: three seats left, three asked for.
    let reply = super::hold(&app, &alice, &event, json!({"quantity": 3})).await;
    reply.assert_status(201);
    assert_eq!(super::seats_of(&reply), ["A-2", "A-3", "A-4"]);
    let id = reply.body["id"].as_str().expect("id").to_string();

    let reply = app
        .post(
            &block,
            Some(&admin),
            json!({"seats": ["A-3"], "reason": "camera"}),
        )
        .await;
    reply.assert_problem(409, "seat_unavailable");
    assert_eq!(reply.body["seats"], json!(["A-3"]));
    let seats = statuses(&app, &event, "").await;
    assert_eq!(seats["A-3"], "held");
    assert_eq!(seats["A-1"], "blocked");

    release(&app, &alice, &id).await;
    app.post(
        &block,
        Some(&admin),
        json!({"seats": ["A-3"], "reason": "camera"}),
    )
    .await
    .assert_status(200);
    assert_eq!(
        labels_in(&app, &event, "", "blocked").await,
        ["A-1".to_string(), "A-3".to_string()].into()
    );
    assert_check_ok(&app, &admin).await;
}

/// The history entries of a seat whose cause is this hold.
fn entries_of(reply: &crate::helpers::Reply, cause: &str) -> Vec<Value> {
    reply.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["cause"] == cause)
        .cloned()
        .collect()
}

#[tokio::test]
async fn the_seat_history_records_the_hold_and_its_release() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let staff = app.account("boxoffice", "staff").await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 4).await;
    let id = held(&app, &alice, &event, &["A-1", "A-2"]).await;
    release(&app, &alice, &id).await;
    let cause = format!("hold:{id}");

    // The relay moves seat changes into SQLite asynchronously.
    let entries = eventually("the seat history of A-1", EVENTUALLY, || async {
        let reply = history(&app, &staff, &event, "A-1").await;
        reply.assert_status(200);
        let entries = entries_of(&reply, &cause);
        (entries.len() >= 2).then_some(entries)
    })
    .await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(
        (entries[0]["from"].as_str(), entries[0]["to"].as_str()),
        (Some("available"), Some("held"))
    );
    assert_eq!(
        (entries[1]["from"].as_str(), entries[1]["to"].as_str()),
        (Some("held"), Some("available"))
    );
    for entry in &entries {
        assert!(entry["at"].is_string(), "{entry}");
    }
    // Every seat of the hold has it, and the admin sees it too.
    let a2 = history(&app, &admin, &event, "A-2").await;
    a2.assert_status(200);
    assert_eq!(entries_of(&a2, &cause).len(), 2, "{}", a2.text);
    // A seat never held has none of it.
    let a3 = history(&app, &staff, &event, "A-3").await;
    a3.assert_status(200);
    assert!(entries_of(&a3, &cause).is_empty(), "{}", a3.text);

    history(&app, &alice, &event, "A-1")
        .await
        .assert_problem(403, "forbidden");
    history(&app, &staff, &event, "Z-99")
        .await
        .assert_problem(404, "not_found");
    app.get(&format!("/api/v1/events/{event}/seats/A-1/history"), None)
        .await
        .assert_problem(401, "unauthorized");
}

/// The history stores one row per change listing its seats: a seat's history is exactly
/// the changes that list it, not those of seats whose labels merely contain its own.
#[tokio::test]
async fn a_seat_history_holds_only_the_changes_of_that_seat() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 12).await;
    let id = held(&app, &alice, &event, &["A-11", "A-12"]).await;
    let cause = format!("hold:{id}");
    for seat in ["A-11", "A-12"] {
        eventually("the hold in the seat's history", EVENTUALLY, || async {
            let reply = history(&app, &admin, &event, seat).await;
            reply.assert_status(200);
            (entries_of(&reply, &cause).len() == 1).then_some(())
        })
        .await;
    }
    // are parts of the held seats' labels, but were never held.
    for seat in ["A-1", "A-2"] {
        let reply = history(&app, &admin, &event, seat).await;
        reply.assert_status(200);
        assert_eq!(reply.body["items"], json!([]), "{seat}: {}", reply.text);
    }
}

#[tokio::test]
async fn the_seat_history_keeps_recording_after_a_restart() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 4).await;
    let first = held(&app, &alice, &event, &["A-1"]).await;
    release(&app, &alice, &first).await;
    eventually("the first hold's history", EVENTUALLY, || async {
        (history_items(&app, &admin, &event).await.len() == 2).then_some(())
    })
    .await;

    // After a clean restart the same seat changes again: held by a new hold, released.
    let app = TestApp::spawn_in(app.stop().await).await;
    let second = held(&app, &alice, &event, &["A-1"]).await;
    release(&app, &alice, &second).await;
    let cause = format!("hold:{second}");
    let recorded = eventually("the second hold's history", EVENTUALLY, || async {
        let items = history_items(&app, &admin, &event).await;
        (items
            .iter()
            .filter(|e| e["cause"] == cause.as_str())
            .count()
            == 2)
            .then_some(items)
    })
    .await;
    assert_eq!(recorded.len(), 4, "{recorded:?}");
}

/// Every entry of A-1's history.
async fn history_items(app: &TestApp, token: &str, event: &str) -> Vec<Value> {
    let reply = history(app, token, event, "A-1").await;
    reply.assert_status(200);
    reply.body["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn an_idempotency_key_replays_a_hold_instead_of_taking_seats_twice() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 1, 4).await;
    let alice = app.customer("alice").await;
    let path = format!("/api/v1/events/{event}/holds");
    let key = [("Idempotency-Key", "hold-once")];

    let first = app
        .post_with(&path, Some(&alice), &key, json!({"seats": ["A-1"]}))
        .await;
    first.assert_status(201);
    // A retry of the same request (a kiosk whose answer was lost) gets the same hold back,
    // not a 409 for its own seat.
    let again = app
        .post_with(&path, Some(&alice), &key, json!({"seats": ["A-1"]}))
        .await;
    again.assert_status(201);
    assert_eq!(again.body["id"], first.body["id"]);
    // The same key for another request is refused, and takes nothing.
    app.post_with(&path, Some(&alice), &key, json!({"seats": ["A-2"]}))
        .await
        .assert_problem(409, "idempotency_conflict");
    let seats = app
        .get(&format!("/api/v1/events/{event}/seats"), None)
        .await;
    let held: Vec<&str> = seats.body["seats"]
        .as_array()
        .expect("seats")
        .iter()
        .filter(|s| s["status"] == "held")
        .filter_map(|s| s["label"].as_str())
        .collect();
    assert_eq!(held, ["A-1"]);
}
