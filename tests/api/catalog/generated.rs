//! Generated seat maps (proptest values, run over HTTP): whatever the map, the event has
//! exactly the seats it describes, counted per category; the same map with a section
//! repeated is always refused and writes nothing.
//!
//! An HTTP round trip per case is slow, so the cases are drawn up front from a deterministic
//! runner and played against one app, without shrinking.

use super::{all_event_ids, at, create, flags, id_of, inr, seats};
use crate::helpers::TestApp;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

const CASES: usize = 20;
const CATEGORIES: [&str; 3] = ["standard", "premium", "accessible"];
const FLAGS: [&str; 5] = [
    "wheelchair_space",
    "companion",
    "restricted_view",
    "aisle",
    "window",
];

#[derive(Debug, Clone)]
enum Seats {
    Count(u32),
    Listed(Vec<(u32, &'static str, Vec<&'static str>)>),
}

#[derive(Debug, Clone)]
struct Row {
    category: &'static str,
    flags: Vec<&'static str>,
    seats: Seats,
}

/// What one seat should look like once created.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Expected {
    label: String,
    category: String,
    flags: Vec<String>,
}

fn flag_set() -> impl Strategy<Value = Vec<&'static str>> {
    prop::sample::subsequence(FLAGS.to_vec(), 0..=2)
}

fn row() -> impl Strategy<Value = Row> {
    let listed = prop::collection::btree_set(1u32..60, 1..10).prop_flat_map(|numbers| {
        let n = numbers.len();
        prop::collection::vec((prop::sample::select(CATEGORIES.to_vec()), flag_set()), n).prop_map(
            move |specs| {
                Seats::Listed(
                    numbers
                        .iter()
                        .zip(specs)
                        .map(|(number, (category, flags))| (*number, category, flags))
                        .collect(),
                )
            },
        )
    });
    let seats = prop_oneof![(1u32..30).prop_map(Seats::Count), listed];
    (prop::sample::select(CATEGORIES.to_vec()), flag_set(), seats).prop_map(
        |(category, flags, seats)| Row {
            category,
            flags,
            seats,
        },
    )
}

fn seat_map() -> impl Strategy<Value = Vec<Vec<Row>>> {
    prop::collection::vec(prop::collection::vec(row(), 1..4), 1..4)
}

/// The request's seat map and the seats it must produce.
fn render(sections: &[Vec<Row>]) -> (Value, Vec<Expected>) {
    let mut expected = Vec::new();
    let mut json_sections = Vec::new();
    for (si, rows) in sections.iter().enumerate() {
        let prefix = format!("S{si}");
        let mut json_rows = Vec::new();
        for (ri, row) in rows.iter().enumerate() {
            let name = ((b'A' + ri as u8) as char).to_string();
            let mut seat = |number: u32, category: &str, extra: &[&str]| {
                let mut all: BTreeSet<String> = row.flags.iter().map(|f| f.to_string()).collect();
                all.extend(extra.iter().map(|f| f.to_string()));
                expected.push(Expected {
                    label: format!("{prefix}{name}-{number}"),
                    category: category.to_string(),
                    flags: all.into_iter().collect(),
                });
            };
            let seats_json = match &row.seats {
                Seats::Count(n) => {
                    (1..=*n).for_each(|number| seat(number, row.category, &[]));
                    json!(n)
                }
                Seats::Listed(list) => {
                    list.iter()
                        .for_each(|(number, category, flags)| seat(*number, category, flags));
                    json!(list
                        .iter()
                        .map(|(number, category, flags)| json!({"number": number, "category": category, "flags": flags}))
                        .collect::<Vec<_>>())
                }
            };
            json_rows.push(json!({"row": name, "category": row.category, "flags": row.flags, "seats": seats_json}));
        }
        json_sections
            .push(json!({"name": format!("Section {si}"), "prefix": prefix, "rows": json_rows}));
    }
    (json!({"sections": json_sections}), expected)
}

/// A concert over `map` priced for exactly the categories in `expected`.
fn body(case: usize, map: Value, expected: &[Expected]) -> Value {
    let prices: BTreeMap<&str, Value> = expected
        .iter()
        .map(|s| (s.category.as_str(), inr(10_000)))
        .collect();
    json!({"name": format!("Generated {case}"), "category": "concert", "starts_at": at(10 + case as i64, 0),
           "venue": {"name": "Hall"}, "seat_map": map, "prices": prices})
}

#[tokio::test]
async fn generated_seat_maps_produce_exactly_their_seats() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut runner = TestRunner::deterministic();
    let strategy = seat_map();
    for case in 0..CASES {
        let sections = strategy.new_tree(&mut runner).expect("a value").current();
        let (map, mut expected) = render(&sections);
        let created = create(&app, &admin, body(case, map.clone(), &expected)).await;
        assert_eq!(
            created["availability"]["total"],
            expected.len(),
            "case {case}: {map}"
        );
        let mut per_category: BTreeMap<&str, usize> = BTreeMap::new();
        for s in &expected {
            *per_category.entry(s.category.as_str()).or_default() += 1;
        }
        for (name, count) in &per_category {
            assert_eq!(
                super::category(&created, name)["total"],
                *count,
                "case {case} {name}"
            );
        }
        assert_eq!(
            created["categories"].as_array().expect("categories").len(),
            per_category.len()
        );

        let mut actual: Vec<Expected> = seats(&app, &id_of(&created))
            .await
            .iter()
            .map(|s| Expected {
                label: s["label"].as_str().expect("label").to_string(),
                category: s["category"].as_str().expect("category").to_string(),
                flags: flags(s),
            })
            .collect();
        actual.sort();
        expected.sort();
        assert_eq!(actual, expected, "case {case}: {map}");

        // The same map with its first section repeated repeats every label of that section.
        let before = all_event_ids(&app).await;
        let mut doubled = map.clone();
        let first = doubled["sections"][0].clone();
        doubled["sections"]
            .as_array_mut()
            .expect("sections")
            .push(first);
        let reply = app
            .post(
                "/api/v1/events",
                Some(&admin),
                body(case, doubled, &expected),
            )
            .await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(
            reply.error_fields(),
            ["seat_map"],
            "case {case}: {}",
            reply.text
        );
        assert_eq!(
            all_event_ids(&app).await,
            before,
            "case {case}: nothing written"
        );
    }
}
