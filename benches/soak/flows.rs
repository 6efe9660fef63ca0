//! The load the server is killed under: each customer loops hold → book → pay on a random
//! event, abandoning a hold or an unpaid booking now and then, until a request fails because
//! the server died. What each was told is recorded in [`Seen`].

use super::{ADMIN_EMAIL, EVENTS, PASSWORD, ROWS, SEATS_PER_ROW, Seen, concert};
use anyhow::{Context, ensure};
use rand::Rng;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use tokio::task::JoinHandle;

/// The card the test provider accepts.
const CARD_OK: &str = "4242424242424242";

/// The admin's token, the events and one token per customer.
pub struct Setup {
    pub admin: String,
    pub events: Vec<String>,
    pub customers: Vec<String>,
}

async fn post(
    http: &reqwest::Client,
    url: String,
    token: Option<&str>,
    body: Value,
) -> anyhow::Result<(StatusCode, Value)> {
    let mut request = http.post(url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await?;
    let status = response.status();
    Ok((status, response.json().await.unwrap_or(Value::Null)))
}

fn text(value: &Value, key: &str) -> anyhow::Result<String> {
    value[key]
        .as_str()
        .map(str::to_string)
        .with_context(|| format!("no {key} in {value}"))
}

/// Signs the admin in, creates the events and registers the customers.
pub async fn set_up(base: &str, customers: usize) -> anyhow::Result<Setup> {
    let http = reqwest::Client::new();
    let (status, login) = post(
        &http,
        format!("{base}/api/v1/auth/login"),
        None,
        json!({"email": ADMIN_EMAIL, "password": PASSWORD}),
    )
    .await?;
    ensure!(status == StatusCode::OK, "admin login: {status} {login}");
    let admin = text(&login, "token")?;
    let mut events = Vec::new();
    for i in 0..EVENTS {
        let (status, event) = post(
            &http,
            format!("{base}/api/v1/events"),
            Some(&admin),
            concert(i),
        )
        .await?;
        ensure!(status == StatusCode::CREATED, "event: {status} {event}");
        events.push(text(&event, "id")?);
    }
    let mut tokens = Vec::new();
    for i in 0..customers {
        let (status, registered) = post(
            &http,
            format!("{base}/api/v1/auth/register"),
            None,
            json!({"email": format!("customer-{i}@soak.local"), "password": PASSWORD,
                   "name": format!("Soak customer {i}")}),
        )
        .await?;
        ensure!(
            status == StatusCode::CREATED,
            "register: {status} {registered}"
        );
        tokens.push(text(&registered, "token")?);
    }
    Ok(Setup {
        admin,
        events,
        customers: tokens,
    })
}

/// One task per customer, each running flows until the server stops answering.
pub fn spawn_clients(base: &str, setup: &Setup, seen: Arc<Mutex<Seen>>) -> Vec<JoinHandle<()>> {
    setup
        .customers
        .iter()
        .map(|token| {
            let (base, token, events, seen) = (
                base.to_string(),
                token.clone(),
                setup.events.clone(),
                Arc::clone(&seen),
            );
            tokio::spawn(async move { flows(base, token, events, seen).await })
        })
        .collect()
}

/// Sends one request, counting it; `None` once the server is gone.
async fn send(seen: &Mutex<Seen>, request: reqwest::RequestBuilder) -> Option<(StatusCode, Value)> {
    seen.lock().expect("seen").sent += 1;
    let response = request.send().await.ok()?;
    let status = response.status();
    let body = response.json().await.ok()?;
    seen.lock().expect("seen").answered += 1;
    Some((status, body))
}

async fn flows(base: String, token: String, events: Vec<String>, seen: Arc<Mutex<Seen>>) {
    let http = reqwest::Client::new();
    loop {
        let (event, seats, fate) = {
            let mut rng = rand::rng();
            let event = events[rng.random_range(0..events.len())].clone();
            let row = char::from(b'A' + rng.random_range(0..ROWS) as u8);
            let first = rng.random_range(1..SEATS_PER_ROW);
            let count = rng.random_range(1..=2);
            let seats: Vec<String> = (first..first + count)
                .map(|n| format!("{row}-{n}"))
                .collect();
            (event, seats, rng.random_range(0..10))
        };
        let hold = http
            .post(format!("{base}/api/v1/events/{event}/holds"))
            .bearer_auth(&token)
            .json(&json!({ "seats": seats }));
        let Some((status, held)) = send(&seen, hold).await else {
            return;
        };
        if status != StatusCode::CREATED {
            // Taken seats: a customer looks at the map again before the next try.
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            continue;
        }
        let Some(hold_id) = held["id"].as_str().map(str::to_string) else {
            continue;
        };
        if fate == 0 {
            // Walks away from the seat map: the hold must expire on its own.
            seen.lock()
                .expect("seen")
                .abandoned
                .push((token.clone(), hold_id));
            continue;
        }
        let book = http
            .post(format!("{base}/api/v1/bookings"))
            .bearer_auth(&token)
            .json(&json!({ "hold_id": hold_id }));
        let Some((status, booked)) = send(&seen, book).await else {
            return;
        };
        if status != StatusCode::CREATED || fate == 1 {
            // Fate 1 never pays: the booking must expire with its hold.
            continue;
        }
        let (Some(id), Some(total)) = (
            booked["id"].as_str().map(str::to_string),
            booked["total"]["amount_minor"].as_i64(),
        ) else {
            continue;
        };
        let pay = http
            .post(format!("{base}/api/v1/bookings/{id}/payments"))
            .bearer_auth(&token)
            .header("Idempotency-Key", format!("soak-{id}"))
            .json(&json!({"method": "test", "amount_minor": total, "card_number": CARD_OK}));
        let Some((status, paid)) = send(&seen, pay).await else {
            return;
        };
        if status == StatusCode::CREATED && paid["booking"]["status"] == "confirmed" {
            seen.lock()
                .expect("seen")
                .confirmed
                .push((id, token.clone(), event, seats));
        }
    }
}
