//! Races with everything moving at once: holds against the expiry sweeper on a moved clock,
//! and clients that hold, release, extend and release twice while others hold the same
//! seats. At the end the surviving holds never share a seat and the seat map agrees.

use super::race::{CLIENTS, adjacent_seats, customers, named_seats, release_all, seed, stampede};
use super::{assert_all_available, assert_check_ok, labels_in, statuses};
use crate::helpers::TestApp;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;
use tokio::sync::Barrier;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn holds_racing_the_sweeper_never_share_a_seat() {
    let app = Arc::new(TestApp::spawn_with(|config| config.holds.ttl_seconds = 10).await);
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 2, 10).await;
    let tokens = customers(&app, CLIENTS).await;
    let mut rng = StdRng::seed_from_u64(seed());
    let mut previous: Vec<(String, String)> = Vec::new();

    for round in 0..6 {
        // The previous round's holds have expired (clock moved below) but may not be swept:
        // this round's holds race the sweeper for the same seats.
        let wanted: Vec<Vec<String>> = (0..CLIENTS).map(|_| adjacent_seats(&mut rng)).collect();
        let bodies: Vec<Value> = wanted.iter().map(|s| json!({ "seats": s })).collect();
        let replies = stampede(&app, &event, &tokens, &bodies).await;
        let mut taken = BTreeSet::new();
        let mut holds = Vec::new();
        for (i, reply) in replies.iter().enumerate() {
            if reply.status.as_u16() != 201 {
                for seat in named_seats(reply) {
                    assert!(wanted[i].contains(&seat), "round {round}");
                }
                continue;
            }
            for seat in super::seats_of(reply) {
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
        assert!(!holds.is_empty(), "round {round}: nobody got a hold");
        assert_eq!(
            labels_in(&app, &event, "", "held").await,
            taken,
            "round {round}"
        );
        assert_check_ok(&app, &admin).await;
        for (token, id) in &previous {
            app.get(&format!("/api/v1/holds/{id}"), Some(token))
                .await
                .assert_problem(404, "not_found");
        }
        previous = holds;
        app.clock.advance(time::Duration::seconds(11));
    }
    assert_all_available(&statuses(&app, &event, "").await);
    assert_check_ok(&app, &admin).await;
}

/// What one churning client did: the holds it kept.
async fn churn(
    app: Arc<TestApp>,
    event: String,
    token: String,
    seed: u64,
    start: Arc<Barrier>,
) -> Vec<(String, Vec<String>)> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut kept: Vec<(String, Vec<String>)> = Vec::new();
    start.wait().await;
    for _ in 0..12 {
        let wanted = adjacent_seats(&mut rng);
        let reply = super::hold(&app, &token, &event, json!({ "seats": wanted })).await;
        if reply.status.as_u16() != 201 {
            let named = named_seats(&reply);
            assert!(named.iter().all(|s| wanted.contains(s)), "{}", reply.text);
            continue;
        }
        let id = reply.body["id"].as_str().expect("id").to_string();
        let path = format!("/api/v1/holds/{id}");
        match rng.random_range(0..10) {
            // Release it at once.
            0..=3 => {
                app.delete(&path, Some(&token)).await.assert_status(204);
            }
            // Release it twice at once: exactly one wins.
            4..=5 => {
                let (a, b) = tokio::join!(
                    app.delete(&path, Some(&token)),
                    app.delete(&path, Some(&token))
                );
                let mut codes = [a.status.as_u16(), b.status.as_u16()];
                codes.sort_unstable();
                assert_eq!(codes, [204, 404], "{} / {}", a.text, b.text);
            }
            // Extend it and keep it.
            6..=7 => {
                let extend = format!("{path}/extend");
                let reply = app
                    .post(&extend, Some(&token), json!({"seconds": 30}))
                    .await;
                reply.assert_status(200);
                kept.push((id, super::seats_of(&reply)));
            }
            _ => kept.push((id, super::seats_of(&reply))),
        }
    }
    kept
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn holding_releasing_and_extending_at_once_never_shares_a_seat() {
    let app = Arc::new(TestApp::spawn().await);
    let admin = app.admin().await;
    let event = app.create_concert(&admin, 2, 10).await;
    let tokens = customers(&app, CLIENTS).await;
    let base = seed();
    let start = Arc::new(Barrier::new(CLIENTS));
    let tasks: Vec<_> = tokens
        .iter()
        .enumerate()
        .map(|(i, token)| {
            tokio::spawn(churn(
                Arc::clone(&app),
                event.clone(),
                token.clone(),
                base.wrapping_add(i as u64),
                Arc::clone(&start),
            ))
        })
        .collect();
    let mut survivors = Vec::new();
    for (task, token) in tasks.into_iter().zip(&tokens) {
        for (id, seats) in task.await.expect("churning client") {
            survivors.push((token.clone(), id, seats));
        }
    }
    let mut taken = BTreeSet::new();
    for (_, id, seats) in &survivors {
        for seat in seats {
            assert!(
                taken.insert(seat.clone()),
                "{seat} is in two surviving holds (one is {id})"
            );
        }
    }
    assert_eq!(labels_in(&app, &event, "", "held").await, taken);
    for (token, id, seats) in &survivors {
        let reply = app.get(&format!("/api/v1/holds/{id}"), Some(token)).await;
        reply.assert_status(200);
        assert_eq!(&super::seats_of(&reply), seats);
    }
    assert_check_ok(&app, &admin).await;
    release_all(
        &app,
        survivors.into_iter().map(|(t, id, _)| (t, id)).collect(),
    )
    .await;
    assert_all_available(&statuses(&app, &event, "").await);
    assert_check_ok(&app, &admin).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_extensions_of_one_hold_all_count() {
    let app = Arc::new(
        TestApp::spawn_with(|config| {
            config.holds.ttl_seconds = 60;
            config.holds.max_lifetime_seconds = 3600;
        })
        .await,
    );
    let admin = app.admin().await;
    let staff = app.account("boxoffice", "staff").await;
    let alice = app.customer("alice").await;
    let event = app.create_concert(&admin, 1, 4).await;
    for round in 0..5 {
        let reply = super::hold_seats(&app, &alice, &event, &["A-1"]).await;
        reply.assert_status(201);
        let id = reply.body["id"].as_str().expect("id").to_string();
        let created = super::time_of(&reply.body["created_at"]);
        // 24 extensions of 1–3 s by the holder and staff at once: each adds to the expiry
        // the one before it left, so together they add their sum.
        let seconds: Vec<i64> = (0..24).map(|i| 1 + i % 3).collect();
        let start = Arc::new(Barrier::new(seconds.len()));
        let tasks: Vec<_> = seconds
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (app, start, id, s) = (Arc::clone(&app), Arc::clone(&start), id.clone(), *s);
                let token = if i % 2 == 0 {
                    alice.clone()
                } else {
                    staff.clone()
                };
                tokio::spawn(async move {
                    start.wait().await;
                    let path = format!("/api/v1/holds/{id}/extend");
                    let reply = app.post(&path, Some(&token), json!({ "seconds": s })).await;
                    reply.assert_status(200);
                    super::time_of(&reply.body["expires_at"])
                })
            })
            .collect();
        let mut answered = Vec::new();
        for task in tasks {
            answered.push(task.await.expect("extension"));
        }
        let total: i64 = seconds.iter().sum();
        let shown = app.get(&format!("/api/v1/holds/{id}"), Some(&alice)).await;
        shown.assert_status(200);
        let expires = super::time_of(&shown.body["expires_at"]);
        assert_eq!(
            (expires - created).whole_seconds(),
            60 + total,
            "round {round}: extensions were lost"
        );
        answered.sort();
        answered.dedup();
        assert_eq!(
            answered.len(),
            seconds.len(),
            "round {round}: two extensions saw the same expiry"
        );
        assert_eq!(answered.last(), Some(&expires), "round {round}");
        assert_check_ok(&app, &admin).await;
        super::release(&app, &alice, &id).await;
    }
}
