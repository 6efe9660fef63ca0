//! Races: many clients released at once over overlapping seats, and over overlapping segments
//! of a route, round after round. Whatever the interleaving, no seat (on any leg) ends up in
//! two holds, the seat map says exactly what the holds say, and the live check passes.

use super::{assert_all_available, assert_check_ok, bus_abcd, create_event, labels_in, statuses};
use crate::helpers::{Reply, TestApp};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tokio::sync::Barrier;

/// Concurrent clients per round.
pub(super) const CLIENTS: usize = 64;
/// Rounds per race.
const ROUNDS: usize = 8;
/// The stops of [`bus_abcd`], in order.
const STOPS: [&str; 4] = ["A", "B", "C", "D"];

/// Registers `n` distinct customers at once and returns their tokens.
pub(super) async fn customers(app: &Arc<TestApp>, n: usize) -> Vec<String> {
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let app = Arc::clone(app);
            tokio::spawn(async move { app.customer(&format!("racer{i}")).await })
        })
        .collect();
    let mut tokens = Vec::with_capacity(n);
    for task in tasks {
        tokens.push(task.await.expect("registration task"));
    }
    tokens
}

/// A seed printed with every failure, so a failing interleaving's requests can be replayed.
pub(super) fn seed() -> u64 {
    let seed = time::OffsetDateTime::now_utc().unix_timestamp_nanos() as u64;
    eprintln!("race seed: {seed}");
    seed
}

/// Sends every body at once (each client waits at a barrier) and returns the replies in
/// client order.
pub(super) async fn stampede(
    app: &Arc<TestApp>,
    event: &str,
    tokens: &[String],
    bodies: &[Value],
) -> Vec<Reply> {
    let barrier = Arc::new(Barrier::new(bodies.len()));
    let tasks: Vec<_> = bodies
        .iter()
        .zip(tokens)
        .map(|(body, token)| {
            let (app, barrier) = (Arc::clone(app), Arc::clone(&barrier));
            let (body, token, event) = (body.clone(), token.clone(), event.to_string());
            tokio::spawn(async move {
                barrier.wait().await;
                super::hold(&app, &token, &event, body).await
            })
        })
        .collect();
    let mut replies = Vec::with_capacity(tasks.len());
    for task in tasks {
        replies.push(task.await.expect("client task"));
    }
    replies
}

/// Releases every hold at once, asserting each 204.
pub(super) async fn release_all(app: &Arc<TestApp>, holds: Vec<(String, String)>) {
    let tasks: Vec<_> = holds
        .into_iter()
        .map(|(token, id)| {
            let app = Arc::clone(app);
            tokio::spawn(async move { super::release(&app, &token, &id).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("release task");
    }
}

/// The labels a 409 names; asserts it is a `seat_unavailable` problem.
pub(super) fn named_seats(reply: &Reply) -> Vec<String> {
    reply.assert_problem(409, "seat_unavailable");
    reply.body["seats"]
        .as_array()
        .map(|seats| {
            seats
                .iter()
                .map(|s| s.as_str().expect("label").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// 2–3 adjacent seats of a random row of a 2×10 map.
pub(super) fn adjacent_seats(rng: &mut StdRng) -> Vec<String> {
    let row = if rng.random_bool(0.5) { 'A' } else { 'B' };
    let len = rng.random_range(2..=3);
    let start = rng.random_range(1..=10 - len + 1);
    (start..start + len).map(|n| format!("{row}-{n}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_clients_never_share_a_seat() {
    let app = Arc::new(TestApp::spawn().await);
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 2, 10).await;
    let tokens = customers(&app, CLIENTS).await;
    let mut rng = StdRng::seed_from_u64(seed());

    for round in 0..ROUNDS {
        let wanted: Vec<Vec<String>> = (0..CLIENTS).map(|_| adjacent_seats(&mut rng)).collect();
        let bodies: Vec<Value> = wanted.iter().map(|s| json!({ "seats": s })).collect();
        let replies = stampede(&app, &event, &tokens, &bodies).await;

        let mut taken: BTreeSet<String> = BTreeSet::new();
        let mut holds = Vec::new();
        let mut refused = Vec::new();
        for (i, reply) in replies.iter().enumerate() {
            if reply.status.as_u16() == 201 {
                let seats = super::seats_of(reply);
                let mut asked = wanted[i].clone();
                asked.sort();
                assert_eq!(seats, asked, "round {round}: a hold got other seats");
                for seat in seats {
                    assert!(
                        taken.insert(seat.clone()),
                        "round {round}: {seat} is in two holds"
                    );
                }
                let id = reply.body["id"].as_str().expect("id").to_string();
                holds.push((tokens[i].clone(), id));
            } else {
                refused.push((i, named_seats(reply)));
            }
        }
        assert!(!holds.is_empty(), "round {round}: nobody got a hold");
        // Nothing is released during a round, so every seat a refusal names is in a hold,
        // and was asked for.
        for (i, named) in &refused {
            assert!(!named.is_empty(), "round {round}: a refusal names no seat");
            for seat in named {
                assert!(
                    wanted[*i].contains(seat),
                    "round {round}: {seat} was not asked for"
                );
                assert!(
                    taken.contains(seat),
                    "round {round}: {seat} refused but in no hold"
                );
            }
        }
        assert_eq!(
            labels_in(&app, &event, "", "held").await,
            taken,
            "round {round}: /seats disagrees with the holds"
        );
        assert_eq!(
            super::availability(&app, &event).await["held"],
            taken.len(),
            "round {round}"
        );
        assert_check_ok(&app, &admin).await;

        release_all(&app, holds).await;
        assert_all_available(&statuses(&app, &event, "").await);
    }
    assert_check_ok(&app, &admin).await;
}

/// A random segment `from` < `to` of the bus, as stop indexes.
fn segment(rng: &mut StdRng) -> (usize, usize) {
    let from = rng.random_range(0..STOPS.len() - 1);
    let to = rng.random_range(from + 1..STOPS.len());
    (from, to)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_clients_never_share_a_seat_on_any_leg() {
    let app = Arc::new(TestApp::spawn().await);
    let admin = app.admin().await;
    let event = create_event(&app, &admin, bus_abcd(4)).await;
    let tokens = customers(&app, CLIENTS).await;
    let mut rng = StdRng::seed_from_u64(seed());

    for round in 0..ROUNDS {
        // (seats, from, to) per client: one or two adjacent seats of four.
        let wanted: Vec<(Vec<String>, usize, usize)> = (0..CLIENTS)
            .map(|_| {
                let len = rng.random_range(1..=2);
                let start = rng.random_range(1..=4 - len + 1);
                let seats = (start..start + len).map(|n| format!("1-{n}")).collect();
                let (from, to) = segment(&mut rng);
                (seats, from, to)
            })
            .collect();
        let bodies: Vec<Value> = wanted
            .iter()
            .map(
                |(seats, from, to)| json!({"seats": seats, "from": STOPS[*from], "to": STOPS[*to]}),
            )
            .collect();
        let replies = stampede(&app, &event, &tokens, &bodies).await;

        // (seat, leg) → the client whose hold has it.
        let mut legs: BTreeMap<(String, usize), usize> = BTreeMap::new();
        let mut holds = Vec::new();
        let mut refused = Vec::new();
        for (i, reply) in replies.iter().enumerate() {
            let (seats, from, to) = &wanted[i];
            if reply.status.as_u16() != 201 {
                refused.push((i, named_seats(reply)));
                continue;
            }
            assert_eq!(
                reply.body["from"], STOPS[*from],
                "round {round}: {}",
                reply.text
            );
            assert_eq!(
                reply.body["to"], STOPS[*to],
                "round {round}: {}",
                reply.text
            );
            for seat in seats {
                for leg in *from..*to {
                    if let Some(other) = legs.insert((seat.clone(), leg), i) {
                        panic!(
                            "round {round}: seat {seat} leg {leg} is in the holds of clients {other} and {i}"
                        );
                    }
                }
            }
            let id = reply.body["id"].as_str().expect("id").to_string();
            holds.push((tokens[i].clone(), id));
        }
        assert!(!holds.is_empty(), "round {round}: nobody got a hold");
        for (i, named) in &refused {
            let (seats, from, to) = &wanted[*i];
            assert!(!named.is_empty(), "round {round}: a refusal names no seat");
            for seat in named {
                assert!(
                    seats.contains(seat),
                    "round {round}: {seat} was not asked for"
                );
                let taken = (*from..*to).any(|leg| legs.contains_key(&(seat.clone(), leg)));
                assert!(
                    taken,
                    "round {round}: {seat} refused but free on that segment"
                );
            }
        }
        // Each leg's seat map says exactly what the holds say.
        for leg in 0..STOPS.len() - 1 {
            let query = format!("?from={}&to={}", STOPS[leg], STOPS[leg + 1]);
            let expected: BTreeSet<String> = legs
                .keys()
                .filter(|(_, l)| *l == leg)
                .map(|(seat, _)| seat.clone())
                .collect();
            assert_eq!(
                labels_in(&app, &event, &query, "held").await,
                expected,
                "round {round}: leg {leg}"
            );
        }
        assert_check_ok(&app, &admin).await;

        release_all(&app, holds).await;
        assert_all_available(&statuses(&app, &event, "").await);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_best_available_holds_never_share_a_seat() {
    let app = Arc::new(TestApp::spawn().await);
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 2, 10).await;
    let tokens = customers(&app, CLIENTS).await;
    let mut rng = StdRng::seed_from_u64(seed());

    for round in 0..4 {
        let wanted: Vec<usize> = (0..CLIENTS).map(|_| rng.random_range(1..=3)).collect();
        let bodies: Vec<Value> = wanted
            .iter()
            .map(|q| json!({"quantity": q, "category": "standard"}))
            .collect();
        let replies = stampede(&app, &event, &tokens, &bodies).await;
        let mut taken = BTreeSet::new();
        let mut holds = Vec::new();
        let mut refused = Vec::new();
        for (i, reply) in replies.iter().enumerate() {
            if reply.status.as_u16() != 201 {
                named_seats(reply);
                refused.push(wanted[i]);
                continue;
            }
            let seats = super::seats_of(reply);
            assert_eq!(seats.len(), wanted[i], "round {round}: {}", reply.text);
            for seat in seats {
                assert!(
                    taken.insert(seat.clone()),
                    "round {round}: {seat} is in two holds"
                );
            }
            holds.push((
                tokens[i].clone(),
                reply.body["id"].as_str().expect("id").to_string(),
            ));
        }
        // Free seats only shrink during a round: whoever was refused asked for more than
        // were left at the end.
        let left = 20 - taken.len();
        for quantity in refused {
            assert!(
                quantity > left,
                "round {round}: {quantity} refused with {left} free"
            );
        }
        assert_eq!(
            labels_in(&app, &event, "", "held").await,
            taken,
            "round {round}"
        );
        assert_check_ok(&app, &admin).await;
        release_all(&app, holds).await;
        assert_all_available(&statuses(&app, &event, "").await);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_general_admission_holds_never_exceed_capacity() {
    let app = Arc::new(TestApp::spawn().await);
    let admin = app.admin().await;
    let body = json!({
        "name": "Open Air", "category": "concert", "starts_at": super::at(20, 0),
        "venue": {"name": "Open Grounds"}, "capacity": {"standard": 50, "vip": 5},
        "prices": {"standard": super::inr(120_000), "vip": super::inr(500_000)}
    });
    let event = create_event(&app, &admin, body).await;
    let tokens = customers(&app, CLIENTS).await;
    let mut rng = StdRng::seed_from_u64(seed());

    for round in 0..4 {
        let wanted: Vec<(u64, &str)> = (0..CLIENTS)
            .map(|_| {
                let category = if rng.random_bool(0.2) {
                    "vip"
                } else {
                    "standard"
                };
                (rng.random_range(1..=3), category)
            })
            .collect();
        let bodies: Vec<Value> = wanted
            .iter()
            .map(|(q, c)| json!({"quantity": q, "category": c}))
            .collect();
        let replies = stampede(&app, &event, &tokens, &bodies).await;
        let mut held: BTreeMap<&str, u64> = BTreeMap::new();
        let mut holds = Vec::new();
        let mut refused = Vec::new();
        for (i, reply) in replies.iter().enumerate() {
            let (quantity, category) = wanted[i];
            if reply.status.as_u16() != 201 {
                reply.assert_problem(409, "seat_unavailable");
                refused.push((quantity, category));
                continue;
            }
            assert_eq!(reply.body["quantity"], quantity, "round {round}");
            *held.entry(category).or_default() += quantity;
            holds.push((
                tokens[i].clone(),
                reply.body["id"].as_str().expect("id").to_string(),
            ));
        }
        let capacity = |c: &str| if c == "vip" { 5 } else { 50 };
        for (category, places) in &held {
            assert!(
                *places <= capacity(category),
                "round {round}: {places} {category} held"
            );
        }
        for (quantity, category) in refused {
            let left = capacity(category) - held.get(category).copied().unwrap_or(0);
            assert!(
                quantity > left,
                "round {round}: {quantity} {category} refused, {left} left"
            );
        }
        let shown = app.get(&format!("/api/v1/events/{event}"), None).await;
        let total_held: u64 = held.values().sum();
        assert_eq!(
            shown.body["availability"]["held"], total_held,
            "round {round}"
        );
        assert_check_ok(&app, &admin).await;
        release_all(&app, holds).await;
        assert_eq!(super::availability(&app, &event).await["available"], 55);
    }
}
