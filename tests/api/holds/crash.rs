//! Crash safety with the real binary: `kill -9` (SIGKILL, no shutdown code runs) keeps live
//! holds, and holds that expire while the server is down are released at start-up, before
//! anything is served. `rezerve check` then passes on the stopped data dir.
//!
//! Uses the CLI tests' process harness: servers listen on `127.0.0.1:0` and announce the
//! address they got; a server guard kills its process (SIGKILL) when dropped.

use crate::cli::{Server, Workdir};
use crate::helpers::TestApp;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const PASSWORD: &str = "correct horse battery";

/// `rezerve serve` on the workdir's data dir with this hold TTL, cheap password hashing.
async fn serve(work: &Workdir, ttl_seconds: u64) -> Server {
    work.cmd(&["serve"])
        .env("REZERVE_HOLDS__TTL_SECONDS", &ttl_seconds.to_string())
        .env("REZERVE_AUTH__ARGON2_MEMORY_KIB", "64")
        .env("REZERVE_AUTH__ARGON2_ITERATIONS", "1")
        .env("REZERVE_MAIL__TRANSPORT", "log")
        .serve()
        .await
}

/// `kill -9`: the guard's drop sends SIGKILL and reaps the process.
fn kill_9(server: Server) {
    drop(server);
}

/// Registers a customer and returns the token.
async fn customer(server: &Server, name: &str) -> String {
    let reply = server
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": format!("{name}@example.test"), "password": PASSWORD, "name": name}),
        )
        .await;
    reply.assert_status(201);
    reply.body["token"].as_str().expect("token").to_string()
}

/// Holds seats, asserting 201; returns the hold body.
async fn hold(server: &Server, token: &str, event: &str, seats: &[&str]) -> Value {
    let reply = server
        .post(
            &format!("/api/v1/events/{event}/holds"),
            Some(token),
            json!({ "seats": seats }),
        )
        .await;
    reply.assert_status(201);
    reply.body.clone()
}

/// Each seat's status by label.
async fn statuses(server: &Server, event: &str) -> BTreeMap<String, String> {
    let reply = server
        .get(&format!("/api/v1/events/{event}/seats"), None)
        .await;
    reply.assert_status(200);
    reply.body["seats"]
        .as_array()
        .expect("seats")
        .iter()
        .map(|s| {
            (
                s["label"].as_str().expect("label").to_string(),
                s["status"].as_str().expect("status").to_string(),
            )
        })
        .collect()
}

/// The status of a `GET /holds/{id}` by `token`.
async fn hold_status(server: &Server, token: &str, body: &Value) -> u16 {
    let id = body["id"].as_str().expect("id");
    server
        .get(&format!("/api/v1/holds/{id}"), Some(token))
        .await
        .status
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_keeps_live_holds_and_start_up_releases_expired_ones() {
    let work = Workdir::new();
    work.cmd(&[
        "user",
        "add",
        "--email",
        "admin@example.test",
        "--role",
        "admin",
    ])
    .env("REZERVE_AUTH__ARGON2_MEMORY_KIB", "64")
    .env("REZERVE_AUTH__ARGON2_ITERATIONS", "1")
    .stdin(&format!("{PASSWORD}\n"))
    .run()
    .assert_success();

    // A long TTL first: these holds must survive however slow the restart is.
    let server = serve(&work, 600).await;
    let admin = server.login("admin@example.test", PASSWORD).await;
    admin.assert_status(200);
    let admin = admin.body["token"].as_str().expect("token").to_string();
    let created = server
        .post(
            "/api/v1/events",
            Some(&admin),
            crate::helpers::concert_body(json!({"sections": [{"name": "Stalls", "rows": [
                {"row": "A", "seats": 10}, {"row": "B", "seats": 10}
            ]}]})),
        )
        .await;
    created.assert_status(201);
    let event = created.body["id"].as_str().expect("id").to_string();
    let (alice, bob) = (
        customer(&server, "alice").await,
        customer(&server, "bob").await,
    );
    let kept = hold(&server, &alice, &event, &["A-1", "A-2"]).await;
    let kept_too = hold(&server, &bob, &event, &["B-1"]).await;
    kill_9(server);

    // Restarted with a short TTL, for the holds made next.
    let server = serve(&work, 3).await;
    let seats = statuses(&server, &event).await;
    for label in ["A-1", "A-2", "B-1"] {
        assert_eq!(seats[label], "held", "{label} lost its hold in the crash");
    }
    assert_eq!(seats.values().filter(|s| *s == "held").count(), 3);
    assert_eq!(hold_status(&server, &alice, &kept).await, 200);
    assert_eq!(hold_status(&server, &bob, &kept_too).await, 200);
    let reply = server
        .post(
            &format!("/api/v1/events/{event}/holds"),
            Some(&bob),
            json!({"seats": ["A-2", "A-3"]}),
        )
        .await;
    reply.assert_problem(409, "seat_unavailable");
    assert_eq!(reply.body["seats"], json!(["A-2"]));
    // A restored hold can be released like any other.
    let id = kept_too["id"].as_str().expect("id");
    let reply = server
        .request(
            Method::DELETE,
            &format!("/api/v1/holds/{id}"),
            Some(&bob),
            None,
        )
        .await;
    reply.assert_status(204);
    assert_eq!(statuses(&server, &event).await["B-1"], "available");

    // Holds with a 3 s TTL, then a crash, then a wait until they have expired.
    let doomed = hold(&server, &alice, &event, &["A-5", "A-6"]).await;
    let doomed_too = hold(&server, &bob, &event, &["B-5"]).await;
    kill_9(server);
    let expires =
        super::time_of(&doomed_too["expires_at"]).max(super::time_of(&doomed["expires_at"]));
    let left = expires - time::OffsetDateTime::now_utc() + time::Duration::milliseconds(500);
    if left.is_positive() {
        tokio::time::sleep(Duration::from_millis(left.whole_milliseconds() as u64)).await;
    }

    let server = serve(&work, 600).await;
    let seats = statuses(&server, &event).await;
    for label in ["A-5", "A-6", "B-5"] {
        assert_eq!(seats[label], "available", "{label} still held after expiry");
    }
    assert_eq!(seats["A-1"], "held");
    assert_eq!(hold_status(&server, &alice, &doomed).await, 404);
    assert_eq!(hold_status(&server, &bob, &doomed_too).await, 404);
    assert_eq!(hold_status(&server, &alice, &kept).await, 200);
    let counts = server.get(&format!("/api/v1/events/{event}"), None).await;
    assert_eq!(counts.body["availability"]["held"], 2, "{}", counts.text);
    // The expiry was recorded as a seat change, and the seats can be held again.
    let cause = format!("hold:{}", doomed["id"].as_str().expect("id"));
    let history = format!("/api/v1/events/{event}/seats/A-5/history");
    let mut recorded = false;
    for _ in 0..200 {
        let reply = server.get(&history, Some(&admin)).await;
        reply.assert_status(200);
        recorded = reply.body["items"].as_array().is_some_and(|items| {
            items
                .iter()
                .any(|e| e["cause"] == cause.as_str() && e["to"] == "available")
        });
        if recorded {
            break;
        }
        tokio::time::sleep(super::POLL).await;
    }
    assert!(
        recorded,
        "the start-up release never reached the seat history"
    );
    hold(&server, &bob, &event, &["A-5", "A-6", "B-5"]).await;
    kill_9(server);

    let check = work.run(&["check"]);
    check.assert_success();
    for line in [
        "ok    no seat-leg in two live holds",
        "ok    no hold on a blocked seat",
        "ok    every hold's event exists",
        "ok    every hold's seats exist",
        "ok    every job's cause exists",
        "all checks passed",
    ] {
        check.assert_stdout(line);
    }
}

/// What a client saw acknowledged before the crash.
#[derive(Debug, Default)]
struct Acknowledged {
    /// (token, hold id, seat) of holds answered 201 and not released.
    kept: Vec<(String, String, String)>,
    /// (token, hold id) of holds whose release was answered 204.
    released: Vec<(String, String)>,
}

/// Holds one random seat after another (releasing every other one) until the server dies.
async fn hammer(
    base_url: String,
    token: String,
    event: String,
    seed: u64,
    seen: Arc<Mutex<Acknowledged>>,
) {
    let http = reqwest::Client::new();
    let mut rng = StdRng::seed_from_u64(seed);
    for _ in 0..500 {
        let seat = format!(
            "{}-{}",
            ["A", "B", "C", "D"][rng.random_range(0..4)],
            rng.random_range(1..=10)
        );
        let Ok(response) = http
            .post(format!("{base_url}/api/v1/events/{event}/holds"))
            .bearer_auth(&token)
            .json(&json!({"seats": [seat]}))
            .send()
            .await
        else {
            return;
        };
        let reply = TestApp::reply(response).await;
        if reply.status.as_u16() != 201 {
            continue;
        }
        let id = reply.body["id"].as_str().expect("id").to_string();
        if rng.random_bool(0.5) {
            seen.lock()
                .expect("acks")
                .kept
                .push((token.clone(), id, seat));
            continue;
        }
        let Ok(response) = http
            .delete(format!("{base_url}/api/v1/holds/{id}"))
            .bearer_auth(&token)
            .send()
            .await
        else {
            return;
        };
        if response.status().as_u16() == 204 {
            seen.lock()
                .expect("acks")
                .released
                .push((token.clone(), id));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_burst_keeps_every_acknowledged_change() {
    let work = Workdir::new();
    work.cmd(&[
        "user",
        "add",
        "--email",
        "admin@example.test",
        "--role",
        "admin",
    ])
    .env("REZERVE_AUTH__ARGON2_MEMORY_KIB", "64")
    .env("REZERVE_AUTH__ARGON2_ITERATIONS", "1")
    .stdin(&format!("{PASSWORD}\n"))
    .run()
    .assert_success();
    let server = serve(&work, 600).await;
    let admin = server.login("admin@example.test", PASSWORD).await.body["token"]
        .as_str()
        .expect("token")
        .to_string();
    let rows: Vec<Value> = ["A", "B", "C", "D"]
        .iter()
        .map(|r| json!({"row": r, "seats": 10}))
        .collect();
    let created = server
        .post(
            "/api/v1/events",
            Some(&admin),
            crate::helpers::concert_body(json!({"sections": [{"name": "Stalls", "rows": rows}]})),
        )
        .await;
    created.assert_status(201);
    let event = created.body["id"].as_str().expect("id").to_string();
    let mut tokens = Vec::new();
    for i in 0..16 {
        tokens.push(customer(&server, &format!("hammer{i}")).await);
    }

    let seen = Arc::new(Mutex::new(Acknowledged::default()));
    let base_seed = time::OffsetDateTime::now_utc().unix_timestamp_nanos() as u64;
    eprintln!("seed: {base_seed}");
    let clients: Vec<_> = tokens
        .iter()
        .enumerate()
        .map(|(i, token)| {
            tokio::spawn(hammer(
                server.base_url.clone(),
                token.clone(),
                event.clone(),
                base_seed.wrapping_add(i as u64),
                Arc::clone(&seen),
            ))
        })
        .collect();
    // Pull the plug while the clients are still busy.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let acks = {
            let seen = seen.lock().expect("acks");
            seen.kept.len() + seen.released.len()
        };
        if acks >= 30 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the clients got nothing done"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    kill_9(server);
    for client in clients {
        client.await.expect("client task");
    }
    let seen = std::mem::take(&mut *seen.lock().expect("acks"));
    assert!(!seen.kept.is_empty(), "{seen:?}");

    let server = serve(&work, 600).await;
    let seats = statuses(&server, &event).await;
    for (token, id, seat) in &seen.kept {
        let reply = server
            .get(&format!("/api/v1/holds/{id}"), Some(token))
            .await;
        reply.assert_status(200);
        assert_eq!(reply.body["seats"], json!([seat]), "{id}");
        assert_eq!(seats[seat], "held", "{seat} of acknowledged hold {id}");
    }
    for (token, id) in &seen.released {
        let reply = server
            .get(&format!("/api/v1/holds/{id}"), Some(token))
            .await;
        reply.assert_problem(404, "not_found");
    }
    let check = server.get("/api/v1/admin/check", Some(&admin)).await;
    check.assert_status(200);
    assert_eq!(check.body["ok"], true, "{}", check.text);
    // The outbox survived too: every kept hold reaches its seat's history.
    for (_, id, seat) in &seen.kept {
        let cause = format!("hold:{id}");
        let path = format!("/api/v1/events/{event}/seats/{seat}/history?limit=200");
        let mut recorded = false;
        for _ in 0..200 {
            let reply = server.get(&path, Some(&admin)).await;
            recorded = reply.body["items"].as_array().is_some_and(|items| {
                items
                    .iter()
                    .any(|e| e["cause"] == cause.as_str() && e["to"] == "held")
            });
            if recorded {
                break;
            }
            tokio::time::sleep(super::POLL).await;
        }
        assert!(
            recorded,
            "hold {id} on {seat} never reached the seat history"
        );
    }
    kill_9(server);
    work.run(&["check"])
        .assert_success()
        .assert_stdout("ok    no seat-leg in two live holds");
}
