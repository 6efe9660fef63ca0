//! `GET /events` and `GET /events/{id}`: filters, text search, routes, cursors and bounds.

use super::{all_event_ids, at, bus, concert, create, flight, id_of, list_ids, query};
use crate::helpers::TestApp;
use serde_json::json;
use std::collections::HashSet;

/// One event of each category, each on its own day. Returns (app, ids by name).
async fn catalog() -> (TestApp, std::collections::HashMap<&'static str, String>) {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut ids = std::collections::HashMap::new();
    ids.insert(
        "flight",
        id_of(&create(&app, &admin, flight("AI 101", "Mumbai", "Delhi", 5)).await),
    );
    ids.insert(
        "concert",
        id_of(&create(&app, &admin, concert("Evening Raga", "Town Hall", 10)).await),
    );
    ids.insert(
        "bus",
        id_of(&create(&app, &admin, bus("Volvo Sleeper", 15)).await),
    );
    let mut movie = concert("Late Show", "Cinema Paradiso", 20);
    movie["category"] = json!("movie");
    ids.insert("movie", id_of(&create(&app, &admin, movie).await));
    let mut train = flight("Shatabdi", "Chennai", "Mysuru", 25);
    train["category"] = json!("train");
    train["stops"] =
        json!([{"name": "Bengaluru", "arrives_at": at(25, 1), "departs_at": at(25, 1)}]);
    ids.insert("train", id_of(&create(&app, &admin, train).await));
    (app, ids)
}

#[tokio::test]
async fn the_list_is_ordered_by_start_and_filtered_by_category_and_dates() {
    let (app, ids) = catalog().await;
    let order: Vec<String> = ["flight", "concert", "bus", "movie", "train"]
        .iter()
        .map(|k| ids[k].clone())
        .collect();
    assert_eq!(list_ids(&app, &[]).await, order);

    for category in ["flight", "concert", "bus", "movie", "train"] {
        assert_eq!(
            list_ids(&app, &[("category", category)]).await,
            [ids[category].clone()],
            "{category}"
        );
    }
    let (from, to) = (at(10, 0), at(20, 0));
    assert_eq!(
        list_ids(&app, &[("from", &from), ("to", &to)]).await,
        [ids["concert"].clone(), ids["bus"].clone()],
        "from is inclusive, to exclusive"
    );
    assert_eq!(
        list_ids(&app, &[("from", &at(21, 0))]).await,
        [ids["train"].clone()]
    );
    assert_eq!(
        list_ids(&app, &[("to", &at(6, 0))]).await,
        [ids["flight"].clone()]
    );
    assert!(list_ids(&app, &[("from", &at(30, 0))]).await.is_empty());
    // An offset time means the same instant.
    let shifted =
        (time::OffsetDateTime::parse(&at(10, 0), &time::format_description::well_known::Rfc3339)
            .expect("parses")
            .to_offset(time::macros::offset!(+5:30)))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("formats");
    assert!(shifted.contains("+05:30"), "{shifted}");
    assert_eq!(
        list_ids(&app, &[("from", &shifted), ("category", "concert")]).await,
        [ids["concert"].clone()]
    );
    assert_eq!(
        list_ids(&app, &[("category", "movie"), ("to", &at(10, 0))]).await,
        Vec::<String>::new()
    );

    let items = app.get("/api/v1/events", None).await.body["items"].clone();
    for item in items.as_array().expect("items") {
        assert!(
            item["availability"]["available"].as_u64().expect("count") > 0,
            "{item}"
        );
        assert!(
            item["prices"].as_object().is_some_and(|p| !p.is_empty()),
            "{item}"
        );
    }
}

#[tokio::test]
async fn bad_filters_are_422_naming_the_parameter() {
    let (app, _) = catalog().await;
    for (pairs, field) in [
        (vec![("category", "opera")], "category"),
        (vec![("from", "yesterday")], "from"),
        (vec![("to", "2027-13-45")], "to"),
        (vec![("limit", "0")], "limit"),
        (vec![("limit", "201")], "limit"),
        (vec![("limit", "-1")], "limit"),
        (vec![("limit", "ten")], "limit"),
        (vec![("cursor", "junk")], "cursor"),
        (vec![("cursor", "bm90IGEgY3Vyc29y")], "cursor"),
        // Two well-formed parts, but the first is not a time.
        (vec![("cursor", "eB9ldnRfeA")], "cursor"),
    ] {
        let reply = app
            .get(&format!("/api/v1/events{}", query(&pairs)), None)
            .await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.error_fields(), [field], "{pairs:?}: {}", reply.text);
    }
    let reply = app.get("/api/v1/events?limit=200", None).await;
    reply.assert_status(200);
    assert_eq!(reply.body["items"].as_array().expect("items").len(), 5);
    assert!(reply.body["next_cursor"].is_null());
}

#[tokio::test]
async fn text_search_matches_name_venue_or_stop_without_case() {
    let (app, ids) = catalog().await;
    let find = async |q: &'static str| list_ids(&app, &[("q", q)]).await;
    assert_eq!(
        find("evening").await,
        [ids["concert"].clone()],
        "name, lower case"
    );
    assert_eq!(
        find("PARADISO").await,
        [ids["movie"].clone()],
        "venue, upper case"
    );
    assert_eq!(
        find("gurugram").await,
        [ids["bus"].clone()],
        "intermediate stop"
    );
    assert_eq!(find("Mysuru").await, [ids["train"].clone()], "destination");
    assert_eq!(find("  Mumbai ").await, [ids["flight"].clone()], "trimmed");
    assert!(find("Kolkata").await.is_empty());
    assert_eq!(find("").await.len(), 5, "an empty q filters nothing");
}

#[tokio::test]
async fn percent_and_underscore_in_q_are_literal() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut id = std::collections::HashMap::new();
    for (i, name) in [
        "100% Rock",
        "1000 Rock",
        "Jazz_Night",
        "JazzyNight",
        r"Back\Slash",
    ]
    .into_iter()
    .enumerate()
    {
        id.insert(
            name,
            id_of(&create(&app, &admin, concert(name, "Hall", 10 + i as i64)).await),
        );
    }
    assert_eq!(
        list_ids(&app, &[("q", "%")]).await,
        [id["100% Rock"].clone()]
    );
    assert_eq!(
        list_ids(&app, &[("q", "0%")]).await,
        [id["100% Rock"].clone()]
    );
    assert_eq!(
        list_ids(&app, &[("q", "z_n")]).await,
        [id["Jazz_Night"].clone()]
    );
    assert_eq!(
        list_ids(&app, &[("q", "_")]).await,
        [id["Jazz_Night"].clone()]
    );
    assert_eq!(
        list_ids(&app, &[("q", r"\")]).await,
        [id[r"Back\Slash"].clone()]
    );
    assert_eq!(list_ids(&app, &[("q", "jazz")]).await.len(), 2);
}

#[tokio::test]
async fn origin_and_destination_match_stops_along_the_route_in_order() {
    let (app, ids) = catalog().await;
    let route = |origin: &'static str, destination: &'static str| {
        let mut pairs = Vec::new();
        if !origin.is_empty() {
            pairs.push(("origin", origin));
        }
        if !destination.is_empty() {
            pairs.push(("destination", destination));
        }
        let app = &app;
        async move { list_ids(app, &pairs).await }
    };
    let bus = [ids["bus"].clone()];
    assert_eq!(route("Delhi", "Jaipur").await, bus);
    assert_eq!(
        route("Gurugram", "Jaipur").await,
        bus,
        "boarding at an intermediate stop"
    );
    assert_eq!(
        route("Delhi", "Gurugram").await,
        bus,
        "leaving at an intermediate stop"
    );
    assert_eq!(route("delhi", "JAIPUR").await, bus, "case does not matter");
    assert!(
        route("Jaipur", "Delhi").await.is_empty(),
        "the bus never runs backwards"
    );
    assert!(route("Gurugram", "Delhi").await.is_empty());
    assert!(
        route("Jaipur", "").await.is_empty(),
        "nothing leaves from the last stop"
    );
    assert!(
        route("", "Mumbai").await.is_empty(),
        "nothing arrives at the first stop"
    );
    assert!(route("", "Chennai").await.is_empty());
    assert_eq!(
        route("", "Delhi").await,
        [ids["flight"].clone()],
        "the bus only leaves Delhi"
    );
    assert_eq!(route("Gurugram", "").await, bus);
    assert_eq!(route("", "Gurugram").await, bus);
    // The flight Mumbai → Delhi ends in Delhi: only the bus leaves from there.
    assert_eq!(route("Delhi", "").await, bus);
    assert_eq!(route("Mumbai", "Delhi").await, [ids["flight"].clone()]);
    assert_eq!(route("Bengaluru", "Mysuru").await, [ids["train"].clone()]);
    assert!(
        route("Town Hall", "").await.is_empty(),
        "venue events have no route"
    );
}

#[tokio::test]
async fn cursor_pagination_visits_every_event_once_in_order() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut created = Vec::new();
    // Three events share a start time, so the cursor must break ties by id.
    for (i, days) in [7, 3, 5, 5, 5, 9, 1, 2].into_iter().enumerate() {
        let name = if i % 2 == 0 {
            format!("Show {i}")
        } else {
            format!("Gig {i}")
        };
        let id = id_of(&create(&app, &admin, concert(&name, "Hall", days)).await);
        created.push((days, id, name));
    }
    created.sort();
    let expected: Vec<String> = created.iter().map(|(_, id, _)| id.clone()).collect();
    let shows: Vec<String> = created
        .iter()
        .filter(|(_, _, name)| name.starts_with("Show"))
        .map(|(_, id, _)| id.clone())
        .collect();

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut pairs = vec![("limit", "3")];
        if let Some(c) = cursor.as_deref() {
            pairs.push(("cursor", c));
        }
        let reply = app
            .get(&format!("/api/v1/events{}", query(&pairs)), None)
            .await;
        reply.assert_status(200);
        let page = super::ids(&reply.body["items"]);
        assert!(page.len() <= 3);
        seen.extend(page);
        pages += 1;
        match reply.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(
        seen.len(),
        seen.iter().collect::<HashSet<_>>().len(),
        "no duplicates"
    );
    let mut by_start = seen.clone();
    by_start.sort_by_key(|id| expected.iter().position(|e| e == id));
    assert_eq!(seen, by_start, "pages keep start order");
    let mut expected_set = expected.clone();
    expected_set.sort();
    let mut seen_set = seen.clone();
    seen_set.sort();
    assert_eq!(seen_set, expected_set, "no gaps");

    // An exact multiple of the limit ends without an empty extra page.
    let reply = app.get("/api/v1/events?limit=8", None).await;
    assert_eq!(reply.body["items"].as_array().expect("items").len(), 8);
    assert!(reply.body["next_cursor"].is_null(), "{}", reply.text);

    // A cursor keeps working with the same filter, and only yields matches.
    let first = app
        .get(
            &format!("/api/v1/events{}", query(&[("limit", "2"), ("q", "show")])),
            None,
        )
        .await;
    assert_eq!(super::ids(&first.body["items"]), shows[..2]);
    let next = first.body["next_cursor"]
        .as_str()
        .expect("more pages")
        .to_string();
    let second = app
        .get(
            &format!(
                "/api/v1/events{}",
                query(&[("limit", "2"), ("q", "show"), ("cursor", &next)])
            ),
            None,
        )
        .await;
    assert_eq!(super::ids(&second.body["items"]), shows[2..]);
    assert!(second.body["next_cursor"].is_null(), "{}", second.text);
    assert_eq!(all_event_ids(&app).await.len(), 8);
}

#[tokio::test]
async fn one_event_by_id_and_unknown_ids_are_404() {
    let (app, ids) = catalog().await;
    let reply = app
        .get(&format!("/api/v1/events/{}", ids["bus"]), None)
        .await;
    reply.assert_status(200);
    assert_eq!(reply.body["id"], ids["bus"].as_str());
    assert_eq!(reply.body["origin"], "Delhi");
    let listed = app
        .get(
            &format!("/api/v1/events{}", query(&[("category", "bus")])),
            None,
        )
        .await;
    assert_eq!(
        listed.body["items"][0], reply.body,
        "list items and detail agree"
    );

    let unknown = format!("evt_{}", "0".repeat(32));
    for id in [
        unknown.as_str(),
        "junk",
        "evt_",
        "evt_zz",
        "1%20OR%201=1",
        "ven_00000000000000000000000000000000",
    ] {
        app.get(&format!("/api/v1/events/{id}"), None)
            .await
            .assert_problem(404, "not_found");
        app.get(&format!("/api/v1/events/{id}/seats"), None)
            .await
            .assert_problem(404, "not_found");
    }
}
