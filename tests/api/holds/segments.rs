//! Travel events with stops sell each seat per segment: a seat held A → C is still free
//! C → D, and `from`/`to` must name stops of the event, in order.

use super::{assert_check_ok, bus_abcd, create_event, hold, statuses};
use crate::helpers::TestApp;
use serde_json::json;

#[tokio::test]
async fn a_seat_held_for_part_of_the_route_is_free_on_the_rest() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (alice, bob, carol) = (
        app.customer("alice").await,
        app.customer("bob").await,
        app.customer("carol").await,
    );
    let bus = create_event(&app, &admin, bus_abcd(4)).await;

    let reply = hold(
        &app,
        &alice,
        &bus,
        json!({"seats": ["1-1"], "from": "A", "to": "C"}),
    )
    .await;
    reply.assert_status(201);
    assert_eq!(reply.body["from"], "A");
    assert_eq!(reply.body["to"], "C");

    let seat = |query: &'static str| {
        let app = &app;
        let bus = bus.clone();
        async move { statuses(app, &bus, query).await["1-1"].clone() }
    };
    assert_eq!(seat("?from=C&to=D").await, "available");
    assert_eq!(seat("?from=A&to=B").await, "held");
    assert_eq!(seat("?from=B&to=C").await, "held");
    assert_eq!(seat("?from=B&to=D").await, "held");
    assert_eq!(seat("").await, "held", "over the whole route it is taken");
    assert_eq!(
        statuses(&app, &bus, "?from=A&to=B").await["1-2"],
        "available"
    );

    let reply = hold(
        &app,
        &bob,
        &bus,
        json!({"seats": ["1-1"], "from": "B", "to": "D"}),
    )
    .await;
    reply.assert_problem(409, "seat_unavailable");
    assert_eq!(reply.body["seats"], json!(["1-1"]));
    let reply = hold(&app, &bob, &bus, json!({"seats": ["1-1", "1-2"]})).await;
    reply.assert_problem(409, "seat_unavailable");
    assert_eq!(
        reply.body["seats"],
        json!(["1-1"]),
        "the whole route is A → D"
    );
    assert_eq!(
        statuses(&app, &bus, "?from=A&to=B").await["1-2"],
        "available",
        "nothing of a refused hold is kept"
    );

    let reply = hold(
        &app,
        &bob,
        &bus,
        json!({"seats": ["1-1"], "from": "C", "to": "D"}),
    )
    .await;
    reply.assert_status(201);
    assert_eq!(seat("?from=C&to=D").await, "held");
    // Stop names are matched like the seat map's query: case does not matter.
    let reply = hold(
        &app,
        &carol,
        &bus,
        json!({"seats": ["1-2"], "from": "b", "to": "c"}),
    )
    .await;
    reply.assert_status(201);
    assert_eq!(reply.body["from"], "B");
    assert_eq!(
        statuses(&app, &bus, "?from=A&to=B").await["1-2"],
        "available"
    );
    assert_eq!(
        statuses(&app, &bus, "?from=C&to=D").await["1-2"],
        "available"
    );
    // Best available on a segment picks among the seats free on every leg of it.
    let reply = hold(
        &app,
        &carol,
        &bus,
        json!({"quantity": 2, "from": "A", "to": "D"}),
    )
    .await;
    reply.assert_status(201);
    assert_eq!(super::seats_of(&reply), ["1-3", "1-4"]);
    let reply = hold(
        &app,
        &carol,
        &bus,
        json!({"quantity": 1, "from": "A", "to": "B"}),
    )
    .await;
    reply.assert_status(201);
    assert_eq!(super::seats_of(&reply), ["1-2"]);
    assert_check_ok(&app, &admin).await;
}

#[tokio::test]
async fn from_and_to_must_be_stops_of_the_event_in_order() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let alice = app.customer("alice").await;
    let bus = create_event(&app, &admin, bus_abcd(4)).await;
    let concert = app.create_concert(&admin, 1, 4).await;

    for (body, field) in [
        (json!({"seats": ["1-1"], "from": "Z", "to": "C"}), "from"),
        (json!({"seats": ["1-1"], "from": "A", "to": "Z"}), "to"),
        (json!({"seats": ["1-1"], "from": "C", "to": "A"}), "to"),
        (json!({"seats": ["1-1"], "from": "B", "to": "B"}), "to"),
        (json!({"seats": ["1-1"], "from": "D"}), "to"),
        (json!({"quantity": 1, "from": "Q", "to": "D"}), "from"),
    ] {
        let reply = hold(&app, &alice, &bus, body.clone()).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), [field], "{body}: {}", reply.text);
    }
    for (body, field) in [
        (
            json!({"seats": ["A-1"], "from": "Stalls", "to": "Circle"}),
            "from",
        ),
        (json!({"seats": ["A-1"], "to": "Circle"}), "from"),
    ] {
        let reply = hold(&app, &alice, &concert, body.clone()).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), [field], "{body}: {}", reply.text);
    }
    for status in statuses(&app, &bus, "").await.values() {
        assert_eq!(status, "available");
    }
    super::assert_all_available(&statuses(&app, &concert, "").await);
    assert_eq!(super::availability(&app, &bus).await["held"], 0);
}
