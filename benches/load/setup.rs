//! Before the clock starts: the admin's token, the events, one customer per client, and
//! every request body a client will send.

use super::server::Server;
use super::{ADMIN_EMAIL, EVENTS, PASSWORD, ROWS, SEATS_PER_ROW, SETUP_CONCURRENCY, Target};
use anyhow::{Context, ensure};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{StatusCode, Url};
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// The admin, the events and the customers the phases use.
pub async fn set_up(server: &Server, customers: usize) -> anyhow::Result<Target> {
    let http = reqwest::Client::new();
    let base = server.base.clone();
    let login: Value = expect_status(
        http.post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"email": ADMIN_EMAIL, "password": PASSWORD})),
        StatusCode::OK,
        "admin login",
    )
    .await?;
    let admin = bearer(&login["token"])?;

    let limit = Arc::new(Semaphore::new(SETUP_CONCURRENCY));
    let mut events = JoinSet::new();
    for i in 0..EVENTS {
        let (http, base, admin, limit) = (http.clone(), base.clone(), admin.clone(), limit.clone());
        events.spawn(async move {
            let _permit = limit.acquire_owned().await?;
            let created: Value = expect_status(
                http.post(format!("{base}/api/v1/events"))
                    .header(AUTHORIZATION, admin)
                    .json(&concert(i)),
                StatusCode::CREATED,
                "event creation",
            )
            .await?;
            let id = created["id"].as_str().context("event without an id")?;
            Ok::<_, anyhow::Error>(Url::parse(&format!("{base}/api/v1/events/{id}/holds"))?)
        });
    }
    let mut accounts = JoinSet::new();
    for i in 0..customers {
        let (http, base, limit) = (http.clone(), base.clone(), limit.clone());
        accounts.spawn(async move {
            let _permit = limit.acquire_owned().await?;
            let registered: Value = expect_status(
                http.post(format!("{base}/api/v1/auth/register"))
                    .json(&json!({
                        "email": format!("customer-{i}@load.local"),
                        "password": PASSWORD,
                        "name": format!("Load customer {i}"),
                    })),
                StatusCode::CREATED,
                "customer registration",
            )
            .await?;
            bearer(&registered["token"])
        });
    }
    let hold_urls = events
        .join_all()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    let tokens = accounts
        .join_all()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;

    let rows = (0..ROWS).map(|r| char::from(b'A' + r as u8));
    let mut selections = Vec::new();
    for row in rows {
        for seat in 1..=SEATS_PER_ROW {
            selections.push(format!(r#"{{"seats":["{row}-{seat}"]}}"#));
            if seat < SEATS_PER_ROW {
                let next = seat + 1;
                selections.push(format!(r#"{{"seats":["{row}-{seat}","{row}-{next}"]}}"#));
            }
        }
    }
    Ok(Target {
        base,
        hold_urls,
        // Leaked once so each request borrows its body instead of copying it.
        selections: selections
            .into_iter()
            .map(|s| &*Box::leak(s.into_boxed_str()))
            .collect(),
        tokens,
    })
}

/// A concert of `ROWS` rows × `SEATS_PER_ROW` seats, all `standard`, a month from now.
fn concert(i: usize) -> Value {
    let rows: Vec<Value> = (0..ROWS)
        .map(|r| json!({"row": char::from(b'A' + r as u8).to_string(), "seats": SEATS_PER_ROW}))
        .collect();
    let starts_at = (time::OffsetDateTime::now_utc() + time::Duration::days(30))
        .replace_nanosecond(0)
        .expect("zero nanoseconds is valid")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("a UTC time formats as RFC 3339");
    json!({
        "name": format!("Load test concert {i}"), "category": "concert", "starts_at": starts_at,
        "venue": {"name": "Load Hall"},
        "seat_map": {"sections": [{"name": "Stalls", "rows": rows}]},
        "prices": {"standard": {"amount_minor": 90000, "currency": "INR"}}
    })
}

async fn expect_status(
    request: reqwest::RequestBuilder,
    expected: StatusCode,
    what: &str,
) -> anyhow::Result<Value> {
    let response = request
        .send()
        .await
        .with_context(|| format!("{what}: request failed"))?;
    let status = response.status();
    let body = response.text().await?;
    ensure!(
        status == expected,
        "{what}: expected {expected}, got {status}: {body}"
    );
    Ok(serde_json::from_str(&body)?)
}

fn bearer(token: &Value) -> anyhow::Result<HeaderValue> {
    let token = token.as_str().context("answer without a token")?;
    let mut value = HeaderValue::from_str(&format!("Bearer {token}"))?;
    value.set_sensitive(true);
    Ok(value)
}
