//! `PATCH /events/{id}` and `DELETE /events/{id}`: what an admin may change, and that a
//! refused change leaves the event exactly as it was.

use super::{
    all_event_ids, at, bus, category, concert, create, event, flight, general_admission, id_of,
    inr, seat,
};
use crate::helpers::TestApp;
use serde_json::{Value, json};

/// A concert with premium row A and standard row B, four seats each.
fn two_tier_concert() -> Value {
    let mut body = concert("Evening Raga", "Town Hall", 30);
    body["seat_map"] = json!({"sections": [{"name": "Stalls", "rows": [
        {"row": "A", "seats": 4, "category": "premium"},
        {"row": "B", "seats": 4}
    ]}]});
    body["prices"] = json!({"premium": inr(150_000), "standard": inr(90_000)});
    body
}

/// PATCHes `body`, asserting 422 with `field`, and that the event did not change at all.
async fn refused(app: &TestApp, admin: &str, id: &str, body: Value, field: &str) {
    let before = event(app, id).await;
    let reply = app
        .patch(&format!("/api/v1/events/{id}"), Some(admin), body.clone())
        .await;
    reply.assert_problem(422, "validation_failed");
    assert!(
        reply.error_fields().iter().any(|f| f == field),
        "{body}: expected {field}: {}",
        reply.text
    );
    assert_eq!(event(app, id).await, before, "{body} changed the event");
}

#[tokio::test]
async fn an_admin_edits_names_times_and_prices() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = id_of(&create(&app, &admin, two_tier_concert()).await);
    let path = format!("/api/v1/events/{id}");
    app.clock.advance(time::Duration::minutes(5));

    let (starts, ends) = (at(31, 0), at(31, 3));
    let reply = app
        .patch(
            &path,
            Some(&admin),
            json!({"name": "  Raga at Dusk ", "description": "Moved a day", "starts_at": starts, "ends_at": ends,
                   "prices": {"premium": inr(175_000)}}),
        )
        .await;
    reply.assert_status(200);
    let shown = event(&app, &id).await;
    assert_eq!(reply.body, shown, "the answer is the event as stored");
    assert_eq!(shown["name"], "Raga at Dusk");
    assert_eq!(shown["description"], "Moved a day");
    assert_eq!(shown["starts_at"], starts);
    assert_eq!(shown["ends_at"], ends);
    assert_eq!(shown["prices"]["premium"], inr(175_000));
    assert_eq!(
        shown["prices"]["standard"],
        inr(90_000),
        "unnamed categories keep their price"
    );
    assert_eq!(category(&shown, "premium")["base_price"], inr(175_000));
    assert_ne!(shown["updated_at"], shown["created_at"]);
    assert_eq!(
        seat(&app, &id, "A-1").await["price"],
        inr(175_000),
        "seats show the new price"
    );
    assert_eq!(seat(&app, &id, "B-1").await["price"], inr(90_000));

    // An empty patch changes nothing but is fine.
    app.patch(&path, Some(&admin), json!({}))
        .await
        .assert_status(200);
    assert_eq!(event(&app, &id).await["name"], "Raga at Dusk");
    // A free event is allowed.
    app.patch(&path, Some(&admin), json!({"prices": {"standard": inr(0)}}))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn a_refused_patch_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = id_of(&create(&app, &admin, two_tier_concert()).await);
    let eur = json!({"amount_minor": 1500, "currency": "EUR"});

    refused(
        &app,
        &admin,
        &id,
        json!({"prices": {"standard": eur}}),
        "prices.standard.currency",
    )
    .await;
    // Premium sorts first and is valid: it must not be half-applied.
    refused(
        &app,
        &admin,
        &id,
        json!({"name": "New", "prices": {"premium": inr(1), "standard": eur}}),
        "prices.standard.currency",
    )
    .await;
    refused(
        &app,
        &admin,
        &id,
        json!({"prices": {"vip": inr(500)}}),
        "prices.vip",
    )
    .await;
    refused(
        &app,
        &admin,
        &id,
        json!({"prices": {"premium": inr(-1)}}),
        "prices.premium.amount_minor",
    )
    .await;
    refused(
        &app,
        &admin,
        &id,
        json!({"prices": {"premium": inr(1_000_000_000_000)}}),
        "prices.premium.amount_minor",
    )
    .await;
    refused(
        &app,
        &admin,
        &id,
        json!({"capacity": {"standard": 100}}),
        "capacity",
    )
    .await;
    refused(&app, &admin, &id, json!({"name": ""}), "name").await;
    refused(
        &app,
        &admin,
        &id,
        json!({"name": "Renamed", "starts_at": at(-1, 0)}),
        "starts_at",
    )
    .await;
    refused(&app, &admin, &id, json!({"ends_at": at(29, 0)}), "ends_at").await;
    refused(
        &app,
        &admin,
        &id,
        json!({"starts_at": at(40, 0), "ends_at": at(35, 0)}),
        "ends_at",
    )
    .await;
    refused(
        &app,
        &admin,
        &id,
        json!({"departs_at": at(30, 0)}),
        "departs_at",
    )
    .await;
    refused(
        &app,
        &admin,
        &id,
        json!({"arrives_at": at(30, 1)}),
        "arrives_at",
    )
    .await;
    refused(
        &app,
        &admin,
        &id,
        json!({"timezone": "not a zone!"}),
        "timezone",
    )
    .await;
    refused(
        &app,
        &admin,
        &id,
        json!({"description": "x".repeat(5_001)}),
        "description",
    )
    .await;
    refused(
        &app,
        &admin,
        &id,
        json!({"starts_at": "next friday"}),
        "starts_at",
    )
    .await;
    refused(&app, &admin, &id, json!({"category": "movie"}), "category").await;
    refused(
        &app,
        &admin,
        &id,
        json!({"seat_map": super::simple_map(1, 1)}),
        "seat_map",
    )
    .await;
}

#[tokio::test]
async fn general_admission_capacity_can_change_but_not_below_one() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = id_of(
        &create(
            &app,
            &admin,
            general_admission("Open Air", json!({"standard": 500, "vip": 50}), 20),
        )
        .await,
    );
    let path = format!("/api/v1/events/{id}");

    let reply = app
        .patch(&path, Some(&admin), json!({"capacity": {"standard": 650}}))
        .await;
    reply.assert_status(200);
    assert_eq!(category(&reply.body, "standard")["total"], 650);
    assert_eq!(category(&reply.body, "standard")["available"], 650);
    assert_eq!(category(&reply.body, "vip")["total"], 50);
    assert_eq!(event(&app, &id).await["availability"]["total"], 700);
    app.patch(&path, Some(&admin), json!({"capacity": {"vip": 10}}))
        .await
        .assert_status(200);
    assert_eq!(event(&app, &id).await["availability"]["total"], 660);

    refused(
        &app,
        &admin,
        &id,
        json!({"capacity": {"standard": 0}}),
        "capacity.standard",
    )
    .await;
    refused(
        &app,
        &admin,
        &id,
        json!({"capacity": {"standard": 700, "vip": 0}}),
        "capacity.vip",
    )
    .await;
    refused(
        &app,
        &admin,
        &id,
        json!({"capacity": {"balcony": 10}}),
        "capacity.balcony",
    )
    .await;
    refused(
        &app,
        &admin,
        &id,
        json!({"capacity": {"standard": -5}}),
        "capacity.standard",
    )
    .await;
    // The same bound as on create.
    refused(
        &app,
        &admin,
        &id,
        json!({"capacity": {"standard": 1_000_001}}),
        "capacity.standard",
    )
    .await;
}

#[tokio::test]
async fn travel_times_move_together_and_venue_times_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = id_of(&create(&app, &admin, flight("AI 101", "Mumbai", "Delhi", 9)).await);
    let path = format!("/api/v1/events/{id}");

    // Delayed by a whole day: both ends move in one edit.
    let (departs, arrives) = (at(10, 0), at(10, 2));
    let reply = app
        .patch(
            &path,
            Some(&admin),
            json!({"departs_at": departs, "arrives_at": arrives}),
        )
        .await;
    reply.assert_status(200);
    let shown = event(&app, &id).await;
    assert_eq!(shown["departs_at"], departs);
    assert_eq!(shown["arrives_at"], arrives);
    assert_eq!(shown["starts_at"], departs);
    assert_eq!(shown["stops"][0]["departs_at"], departs);
    assert_eq!(shown["stops"][1]["arrives_at"], arrives);

    // Brought forward again, a day earlier.
    let (departs, arrives) = (at(8, 0), at(8, 2));
    app.patch(
        &path,
        Some(&admin),
        json!({"departs_at": departs, "arrives_at": arrives}),
    )
    .await
    .assert_status(200);
    assert_eq!(event(&app, &id).await["stops"][1]["arrives_at"], arrives);

    refused(
        &app,
        &admin,
        &id,
        json!({"starts_at": at(9, 0)}),
        "starts_at",
    )
    .await;
    refused(&app, &admin, &id, json!({"ends_at": at(9, 5)}), "ends_at").await;
    refused(
        &app,
        &admin,
        &id,
        json!({"departs_at": at(-1, 0)}),
        "departs_at",
    )
    .await;
    refused(
        &app,
        &admin,
        &id,
        json!({"departs_at": at(8, 3)}),
        "departs_at",
    )
    .await;
    refused(
        &app,
        &admin,
        &id,
        json!({"arrives_at": at(7, 0)}),
        "arrives_at",
    )
    .await;
    refused(
        &app,
        &admin,
        &id,
        json!({"departs_at": at(8, 5), "arrives_at": at(8, 4)}),
        "arrives_at",
    )
    .await;
    refused(&app, &admin, &id, json!({"origin": "Pune"}), "origin").await;

    let bus_id = id_of(&create(&app, &admin, bus("Volvo", 4)).await);
    refused(
        &app,
        &admin,
        &bus_id,
        json!({"departs_at": at(4, 2)}),
        "departs_at",
    )
    .await;
    refused(
        &app,
        &admin,
        &bus_id,
        json!({"arrives_at": at(4, 1)}),
        "arrives_at",
    )
    .await;
    app.patch(
        &format!("/api/v1/events/{bus_id}"),
        Some(&admin),
        json!({"arrives_at": at(4, 8)}),
    )
    .await
    .assert_status(200);
    assert_eq!(
        event(&app, &bus_id).await["stops"][2]["arrives_at"],
        at(4, 8)
    );
}

#[tokio::test]
async fn deleting_an_event_removes_it_everywhere() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let keep = id_of(&create(&app, &admin, concert("Stays", "Town Hall", 10)).await);
    let id = id_of(&create(&app, &admin, two_tier_concert()).await);
    app.post(
        &format!("/api/v1/events/{id}/seats/block"),
        Some(&admin),
        json!({"seats": ["A-1"], "reason": "x"}),
    )
    .await
    .assert_status(200);
    let path = format!("/api/v1/events/{id}");

    let customer = app.customer("alice").await;
    app.delete(&path, Some(&customer))
        .await
        .assert_problem(403, "forbidden");
    app.delete(&path, None)
        .await
        .assert_problem(401, "unauthorized");
    app.patch(&path, Some(&customer), json!({"name": "Mine"}))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(event(&app, &id).await["name"], "Evening Raga");

    let reply = app.delete(&path, Some(&admin)).await;
    reply.assert_status(204);
    assert!(reply.text.is_empty());
    app.get(&path, None).await.assert_problem(404, "not_found");
    app.get(&format!("{path}/seats"), None)
        .await
        .assert_problem(404, "not_found");
    app.delete(&path, Some(&admin))
        .await
        .assert_problem(404, "not_found");
    app.patch(&path, Some(&admin), json!({"name": "Back"}))
        .await
        .assert_problem(404, "not_found");
    app.post(
        &format!("{path}/seats/block"),
        Some(&admin),
        json!({"seats": ["A-2"], "reason": "x"}),
    )
    .await
    .assert_problem(404, "not_found");
    assert_eq!(all_event_ids(&app).await, std::slice::from_ref(&keep));
    assert_eq!(event(&app, &keep).await["availability"]["total"], 10);

    app.delete("/api/v1/events/junk", Some(&admin))
        .await
        .assert_problem(404, "not_found");
    app.patch("/api/v1/events/junk", Some(&admin), json!({"name": "x"}))
        .await
        .assert_problem(404, "not_found");
}
