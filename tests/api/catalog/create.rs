//! Creating events of every category, and what the response says about them.

use super::{
    at, bus, category, create, event, flags, flight, general_admission, id_of, inr, seat, seats,
};
use crate::helpers::TestApp;
use serde_json::{Value, json};
use std::collections::HashSet;

#[tokio::test]
async fn a_concert_with_listed_seats_counts_every_category_and_flag() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let starts = at(30, 0);
    let body = json!({
        "name": "Evening Raga", "category": "concert", "starts_at": starts,
        "description": "Ragas at dusk",
        "venue": {"name": "Town Hall"},
        "seat_map": {"sections": [
            {"name": "Stalls", "prefix": "S", "rows": [
                {"row": "A", "seats": 10, "category": "premium"},
                {"row": "B", "flags": ["aisle"], "seats": [
                    {"number": 1, "category": "accessible", "flags": ["wheelchair_space"]},
                    {"number": 2, "category": "accessible", "flags": ["companion"]},
                    {"number": 3, "flags": ["restricted_view"]},
                    {"number": 4}
                ]}
            ]},
            {"name": "Circle", "prefix": "C", "rows": [
                {"row": "A", "seats": 5, "category": "standard", "flags": ["window"]}
            ]}
        ]},
        "prices": {"premium": inr(150_000), "standard": inr(90_000), "accessible": inr(45_000)}
    });
    let created = create(&app, &admin, body).await;

    assert_eq!(created["name"], "Evening Raga");
    assert_eq!(created["description"], "Ragas at dusk");
    assert_eq!(created["category"], "concert");
    assert_eq!(created["status"], "scheduled");
    assert_eq!(created["starts_at"], starts);
    assert_eq!(created["venue"]["name"], "Town Hall");
    assert_eq!(created["venue"]["id"], Value::Null);
    assert_eq!(created["general_admission"], false);
    assert_eq!(created["currency"], "INR");
    assert_eq!(created["stops"], json!([]));
    assert_eq!(created["origin"], Value::Null);
    assert_eq!(created["departs_at"], Value::Null);
    assert_eq!(
        created["availability"],
        json!({"total": 19, "available": 19, "held": 0, "sold": 0, "blocked": 0})
    );
    for (name, count, price) in [
        ("premium", 10, 150_000),
        ("standard", 7, 90_000),
        ("accessible", 2, 45_000),
    ] {
        let c = category(&created, name);
        assert_eq!(c["total"], count, "{name}");
        assert_eq!(c["available"], count, "{name}");
        assert_eq!(c["price"], inr(price), "{name}");
        assert_eq!(c["base_price"], inr(price), "{name}");
        assert_eq!(created["prices"][name], inr(price), "{name}");
    }
    assert_eq!(
        created["categories"].as_array().expect("categories").len(),
        3
    );

    // The detail and the list show the same event.
    let id = id_of(&created);
    assert_eq!(
        event(&app, &id).await["availability"],
        created["availability"]
    );

    let all = seats(&app, &id).await;
    assert_eq!(all.len(), 19);
    let labels: HashSet<_> = all
        .iter()
        .map(|s| s["label"].as_str().expect("label"))
        .collect();
    assert_eq!(labels.len(), 19, "labels are unique");
    for s in &all {
        assert_eq!(s["status"], "available", "{s}");
        for key in [
            "label", "section", "row", "number", "category", "flags", "price",
        ] {
            assert!(!s[key].is_null(), "seat lacks {key}: {s}");
        }
    }
    let wheelchair = seat(&app, &id, "SB-1").await;
    assert_eq!(wheelchair["section"], "Stalls");
    assert_eq!(wheelchair["row"], "B");
    assert_eq!(wheelchair["number"], 1);
    assert_eq!(wheelchair["category"], "accessible");
    assert_eq!(wheelchair["price"], inr(45_000));
    assert_eq!(
        flags(&wheelchair),
        ["aisle", "wheelchair_space"],
        "row flags join seat flags"
    );
    let restricted = seat(&app, &id, "SB-3").await;
    assert_eq!(
        restricted["category"], "standard",
        "a listed seat without category is standard"
    );
    assert_eq!(flags(&restricted), ["aisle", "restricted_view"]);
    let circle = seat(&app, &id, "CA-5").await;
    assert_eq!(circle["section"], "Circle");
    assert_eq!(circle["price"], inr(90_000));
    assert_eq!(flags(&circle), ["window"]);
    assert_eq!(seat(&app, &id, "SA-10").await["category"], "premium");
}

#[tokio::test]
async fn a_movie_keeps_its_start_and_end() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (starts, ends) = (at(3, 0), at(3, 3));
    let created = create(
        &app,
        &admin,
        json!({
            "name": "Late Show", "category": "movie", "starts_at": starts, "ends_at": ends,
            "venue": {"name": "Cinema Paradiso"}, "timezone": "Asia/Kolkata",
            "seat_map": super::simple_map(12, 10), "prices": {"standard": inr(25_000)}
        }),
    )
    .await;
    assert_eq!(created["category"], "movie");
    assert_eq!(created["starts_at"], starts);
    assert_eq!(created["ends_at"], ends);
    assert_eq!(created["timezone"], "Asia/Kolkata");
    assert_eq!(created["availability"]["total"], 120);
    assert_eq!(created["arrives_at"], Value::Null);
}

#[tokio::test]
async fn a_flight_without_stops_is_one_leg_from_origin_to_destination() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let body = flight("AI 101", "Mumbai", "Delhi", 9);
    let (departs, arrives) = (body["departs_at"].clone(), body["arrives_at"].clone());
    let created = create(&app, &admin, body).await;

    assert_eq!(created["category"], "flight");
    assert_eq!(created["origin"], "Mumbai");
    assert_eq!(created["destination"], "Delhi");
    assert_eq!(created["departs_at"], departs);
    assert_eq!(created["arrives_at"], arrives);
    assert_eq!(
        created["starts_at"], departs,
        "travel events start when they depart"
    );
    assert_eq!(created["venue"], Value::Null);
    assert_eq!(
        created["stops"],
        json!([
            {"index": 0, "name": "Mumbai", "arrives_at": null, "departs_at": departs},
            {"index": 1, "name": "Delhi", "arrives_at": arrives, "departs_at": null}
        ])
    );
    assert_eq!(category(&created, "business")["total"], 4);
    assert_eq!(category(&created, "economy")["total"], 12);
    assert_eq!(created["availability"]["total"], 16);
    assert_eq!(
        seat(&app, &id_of(&created), "10-6").await["category"],
        "economy"
    );
}

#[tokio::test]
async fn a_bus_with_stops_lists_its_route_in_order() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut body = bus("Volvo 2+2", 4);
    body["stops"] = json!([
        {"name": "Gurugram", "arrives_at": at(4, 1), "departs_at": at(4, 1)},
        {"name": "Neemrana", "arrives_at": at(4, 3), "departs_at": at(4, 4)}
    ]);
    let created = create(&app, &admin, body.clone()).await;

    let stops = created["stops"].as_array().expect("stops");
    let names: Vec<_> = stops
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Delhi", "Gurugram", "Neemrana", "Jaipur"]);
    for (i, stop) in stops.iter().enumerate() {
        assert_eq!(stop["index"], i, "{stop}");
    }
    assert_eq!(stops[0]["arrives_at"], Value::Null);
    assert_eq!(stops[0]["departs_at"], body["departs_at"]);
    assert_eq!(stops[2]["arrives_at"], at(4, 3));
    assert_eq!(stops[2]["departs_at"], at(4, 4));
    assert_eq!(stops[3]["arrives_at"], body["arrives_at"]);
    assert_eq!(stops[3]["departs_at"], Value::Null);
    assert_eq!(created["origin"], "Delhi");
    assert_eq!(created["destination"], "Jaipur");
    assert_eq!(created["availability"]["total"], 40);
    let id = id_of(&created);
    assert_eq!(flags(&seat(&app, &id, "7-1").await), ["window"]);
    assert_eq!(flags(&seat(&app, &id, "7-3").await), ["aisle"]);
}

#[tokio::test]
async fn a_train_keeps_coaches_apart_by_prefix() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let coach = |prefix: &str, category: &str| {
        json!({"name": format!("Coach {prefix}"), "prefix": format!("{prefix}-"), "rows": [
            {"row": "1", "seats": 8, "category": category},
            {"row": "2", "seats": 8, "category": category}
        ]})
    };
    let created = create(
        &app,
        &admin,
        json!({
            "name": "Shatabdi", "category": "train", "origin": "Chennai", "destination": "Mysuru",
            "departs_at": at(12, 0), "arrives_at": at(12, 7),
            "stops": [{"name": "Bengaluru", "arrives_at": at(12, 5), "departs_at": at(12, 5)}],
            "seat_map": {"sections": [coach("C1", "chair"), coach("C2", "chair"), coach("E1", "executive")]},
            "prices": {"chair": inr(110_000), "executive": inr(240_000)}
        }),
    )
    .await;
    assert_eq!(category(&created, "chair")["total"], 32);
    assert_eq!(category(&created, "executive")["total"], 16);
    let id = id_of(&created);
    let labels: HashSet<String> = seats(&app, &id)
        .await
        .iter()
        .map(|s| s["label"].as_str().expect("label").to_string())
        .collect();
    for label in ["C1-1-1", "C2-1-1", "E1-2-8"] {
        assert!(labels.contains(label), "{label} in {labels:?}");
    }
    assert_eq!(seat(&app, &id, "E1-2-8").await["section"], "Coach E1");
}

#[tokio::test]
async fn general_admission_counts_places_per_category_and_has_no_seats() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let created = create(
        &app,
        &admin,
        general_admission("Open Air", json!({"standard": 500, "vip": 50}), 20),
    )
    .await;
    assert_eq!(created["general_admission"], true);
    assert_eq!(category(&created, "standard")["total"], 500);
    assert_eq!(category(&created, "standard")["available"], 500);
    assert_eq!(category(&created, "vip")["total"], 50);
    assert_eq!(
        created["availability"],
        json!({"total": 550, "available": 550, "held": 0, "sold": 0, "blocked": 0})
    );
    assert_eq!(created["prices"]["vip"], inr(120_000));
    assert!(
        seats(&app, &id_of(&created)).await.is_empty(),
        "no labelled seats"
    );
}

#[tokio::test]
async fn only_admins_create_events() {
    let app = TestApp::spawn().await;
    let customer = app.customer("alice").await;
    let staff = app.account("sam", "staff").await;
    let body = super::concert("Evening Raga", "Town Hall", 30);
    app.post("/api/v1/events", None, body.clone())
        .await
        .assert_problem(401, "unauthorized");
    app.post("/api/v1/events", Some(&customer), body.clone())
        .await
        .assert_problem(403, "forbidden");
    app.post("/api/v1/events", Some(&staff), body)
        .await
        .assert_problem(403, "forbidden");
    assert!(super::all_event_ids(&app).await.is_empty());
}
