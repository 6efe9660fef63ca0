//! Before the clock starts: the admin's token, the events (100 of 1,000 seats, one hot event
//! of 20,000, and as many more of 1,000 as the flows phase needs), one customer per client,
//! and every request body a client will send.

use super::server::Server;
use super::{
    ADMIN_EMAIL, EVENTS, HOT_ROWS, HOT_SEATS_PER_ROW, PASSWORD, ROWS, SEATS_PER_ROW,
    SETUP_CONCURRENCY, Target,
};
use anyhow::{Context, ensure};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{StatusCode, Url};
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// The admin, the events and the customers the phases use.
pub async fn set_up(
    server: &Server,
    customers: usize,
    flow_events: usize,
) -> anyhow::Result<Target> {
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
    // The hot event is i == EVENTS; the flows phase's own events come after it.
    let hot = EVENTS;
    for i in 0..=EVENTS + flow_events {
        let (http, base, admin, limit) = (http.clone(), base.clone(), admin.clone(), limit.clone());
        let event = if i != hot {
            concert(
                &format!("Load test concert {i}"),
                &row_names(ROWS),
                SEATS_PER_ROW,
            )
        } else {
            concert(
                "Load test on-sale rush",
                &row_names(HOT_ROWS),
                HOT_SEATS_PER_ROW,
            )
        };
        events.spawn(async move {
            let _permit = limit.acquire_owned().await?;
            let created: Value = expect_status(
                http.post(format!("{base}/api/v1/events"))
                    .header(AUTHORIZATION, admin)
                    .json(&event),
                StatusCode::CREATED,
                "event creation",
            )
            .await?;
            let id = created["id"].as_str().context("event without an id")?;
            Ok::<_, anyhow::Error>((i, Url::parse(&format!("{base}/api/v1/events/{id}/holds"))?))
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
    // join_all answers in the order the creations finished, not the order they started:
    // sorted by index, the hot event sits at `hot` whichever finished first.
    let mut created: Vec<(usize, Url)> = events
        .join_all()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    created.sort_by_key(|(i, _)| *i);
    let mut flow_urls: Vec<Url> = created.into_iter().map(|(_, url)| url).collect();
    let hot_url = flow_urls.remove(hot);
    let hold_urls = flow_urls[..EVENTS].to_vec();
    let tokens = accounts
        .join_all()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;

    Ok(Target {
        base,
        hold_urls,
        flow_urls,
        selections: selections(&row_names(ROWS), SEATS_PER_ROW),
        hot_url,
        hot_selections: selections(&row_names(HOT_ROWS), HOT_SEATS_PER_ROW),
        tokens,
    })
}

/// Row names: `A` … `T` for the 20 rows of a concert, `R1` … `R40` for the hot event.
fn row_names(rows: usize) -> Vec<String> {
    if rows <= 26 {
        (0..rows)
            .map(|r| char::from(b'A' + r as u8).to_string())
            .collect()
    } else {
        (1..=rows).map(|r| format!("R{r}")).collect()
    }
}

/// Every selection of one seat or two adjacent seats in a row, as a JSON body, leaked once
/// so each request borrows its body instead of copying it.
fn selections(rows: &[String], seats_per_row: usize) -> Vec<&'static str> {
    let mut selections = Vec::new();
    for row in rows {
        for seat in 1..=seats_per_row {
            selections.push(format!(r#"{{"seats":["{row}-{seat}"]}}"#));
            if seat < seats_per_row {
                let next = seat + 1;
                selections.push(format!(r#"{{"seats":["{row}-{seat}","{row}-{next}"]}}"#));
            }
        }
    }
    selections
        .into_iter()
        .map(|s| &*Box::leak(s.into_boxed_str()))
        .collect()
}

/// A concert with these rows of `seats_per_row` seats, all `standard`, a month from now.
fn concert(name: &str, rows: &[String], seats_per_row: usize) -> Value {
    let rows: Vec<Value> = rows
        .iter()
        .map(|r| json!({"row": r, "seats": seats_per_row}))
        .collect();
    let starts_at = (time::OffsetDateTime::now_utc() + time::Duration::days(30))
        .replace_nanosecond(0)
        .expect("zero nanoseconds is valid")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("a UTC time formats as RFC 3339");
    json!({
        "name": name, "category": "concert", "starts_at": starts_at,
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
