//! Before the clock starts: 100 concerts of 1,000 seats and one 20,000-seat stadium, given
//! real content through the API (paid bookings, live holds, blocked seats, check-ins), and a
//! console session signed in through the login form as a browser would.

use super::server::Server;
use super::{ADMIN_EMAIL, EVENTS, PASSWORD, ROWS, SEATS_PER_ROW, SETUP_CONCURRENCY};
use anyhow::{Context, ensure};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// The stadium: sections × rows × seats per row = 20,000 seats.
pub const BIG_SECTIONS: usize = 20;
const BIG_ROWS: usize = 25;
const BIG_SEATS_PER_ROW: usize = 40;
pub const BIG_SEATS: usize = BIG_SECTIONS * BIG_ROWS * BIG_SEATS_PER_ROW;

/// What was loaded, for the pages to ask for.
pub struct Loaded {
    /// The 1,000-seat events' ids, in creation order.
    pub events: Vec<String>,
    pub big: String,
    /// The stadium's section names.
    pub big_sections: Vec<String>,
    /// What the setup did, counted: seats sold, held, blocked, and tickets checked in.
    pub sold: usize,
    pub held: usize,
    pub blocked: usize,
    pub checked_in: usize,
}

/// The API as the admin: a pooled client and the admin's bearer token.
#[derive(Clone)]
struct Api {
    http: reqwest::Client,
    base: String,
    admin: HeaderValue,
}

impl Api {
    async fn post(&self, path: &str, body: Value, expected: StatusCode) -> anyhow::Result<Value> {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header(AUTHORIZATION, self.admin.clone())
            .json(&body);
        expect_status(request, expected, path).await
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        let request = self
            .http
            .get(format!("{}{path}", self.base))
            .header(AUTHORIZATION, self.admin.clone());
        expect_status(request, StatusCode::OK, path).await
    }

    /// Hold → booking → test-card payment of `seats`; returns the booking id.
    async fn sell(&self, event: &str, seats: Vec<String>) -> anyhow::Result<String> {
        let hold = self
            .post(
                &format!("/api/v1/events/{event}/holds"),
                json!({ "seats": seats }),
                StatusCode::CREATED,
            )
            .await?;
        let booking = self
            .post(
                "/api/v1/bookings",
                json!({ "hold_id": hold["id"] }),
                StatusCode::CREATED,
            )
            .await?;
        let id = booking["id"].as_str().context("booking without an id")?;
        self.post(
            &format!("/api/v1/bookings/{id}/payments"),
            json!({
                "method": "test",
                "amount_minor": booking["total"]["amount_minor"],
                "card_number": "4242424242424242",
            }),
            StatusCode::CREATED,
        )
        .await?;
        Ok(id.to_string())
    }

    /// Checks in the first `n` tickets of a booking.
    async fn check_in(&self, booking: &str, n: usize) -> anyhow::Result<usize> {
        let tickets = self
            .get(&format!("/api/v1/bookings/{booking}/tickets"))
            .await?;
        let tickets = tickets.as_array().context("tickets are a list")?;
        for ticket in tickets.iter().take(n) {
            self.post(
                "/api/v1/checkins",
                json!({ "code": ticket["code"] }),
                StatusCode::OK,
            )
            .await?;
        }
        Ok(tickets.len().min(n))
    }
}

/// Seat labels `{prefix}{row}-{from}` … `{prefix}{row}-{to}`.
fn seats(prefix: &str, row: char, from: usize, to: usize) -> Vec<String> {
    (from..=to).map(|n| format!("{prefix}{row}-{n}")).collect()
}

fn row_name(r: usize) -> char {
    char::from(b'A' + r as u8)
}

/// Loads the events and their content; `Loaded` says what is there.
pub async fn load(server: &Server) -> anyhow::Result<Loaded> {
    let http = reqwest::Client::new();
    let login = expect_status(
        http.post(format!("{}/api/v1/auth/login", server.base))
            .json(&json!({"email": ADMIN_EMAIL, "password": PASSWORD})),
        StatusCode::OK,
        "admin login",
    )
    .await?;
    let token = login["token"].as_str().context("login without a token")?;
    let mut admin = HeaderValue::from_str(&format!("Bearer {token}"))?;
    admin.set_sensitive(true);
    let api = Api {
        http,
        base: server.base.clone(),
        admin,
    };

    let limit = Arc::new(Semaphore::new(SETUP_CONCURRENCY));
    let mut tasks = JoinSet::new();
    for i in 0..EVENTS {
        let (api, limit) = (api.clone(), Arc::clone(&limit));
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await?;
            fill_concert(&api, i).await
        });
    }
    let mut loaded = Loaded {
        events: Vec::new(),
        big: String::new(),
        big_sections: (0..BIG_SECTIONS).map(section_name).collect(),
        sold: 0,
        held: 0,
        blocked: 0,
        checked_in: 0,
    };
    let mut concerts = Vec::new();
    while let Some(done) = tasks.join_next().await {
        concerts.push(done.context("a setup task panicked")??);
    }
    // Creation order, so "event 0" is the same event in every run.
    concerts.sort_by_key(|c| c.0);
    for (_, id, counts) in concerts {
        loaded.events.push(id);
        loaded.add(counts);
    }
    let (big, counts) = fill_stadium(&api).await?;
    loaded.big = big;
    loaded.add(counts);
    Ok(loaded)
}

/// Seats sold, held, blocked and checked in by one event's setup.
type Counts = [usize; 4];

impl Loaded {
    fn add(&mut self, [sold, held, blocked, checked_in]: Counts) {
        self.sold += sold;
        self.held += held;
        self.blocked += blocked;
        self.checked_in += checked_in;
    }
}

/// Concert `i`: 60 seats sold in three bookings, 10 held, 5 blocked; every fourth concert has
/// 10 tickets checked in. They start 6 hours apart from an hour from now, so the first few
/// are today's and the rest upcoming.
async fn fill_concert(api: &Api, i: usize) -> anyhow::Result<(usize, String, Counts)> {
    let rows: Vec<Value> = (0..ROWS)
        .map(|r| json!({"row": row_name(r).to_string(), "seats": SEATS_PER_ROW}))
        .collect();
    let created = api
        .post(
            "/api/v1/events",
            json!({
                "name": format!("Bench concert {i}"), "category": "concert",
                "starts_at": starts_at(3600 + i as i64 * 6 * 3600),
                "venue": {"name": "Bench Hall"},
                "seat_map": {"sections": [{"name": "Stalls", "rows": rows}]},
                "prices": {"standard": {"amount_minor": 90000, "currency": "INR"}}
            }),
            StatusCode::CREATED,
        )
        .await?;
    let id = created["id"]
        .as_str()
        .context("event without an id")?
        .to_string();
    let mut bookings = Vec::new();
    for row in ['B', 'C', 'D'] {
        bookings.push(api.sell(&id, seats("", row, 1, 20)).await?);
    }
    let checked_in = if i.is_multiple_of(4) {
        api.check_in(&bookings[0], 10).await?
    } else {
        0
    };
    api.post(
        &format!("/api/v1/events/{id}/holds"),
        json!({ "seats": seats("", 'E', 1, 10) }),
        StatusCode::CREATED,
    )
    .await?;
    api.post(
        &format!("/api/v1/events/{id}/seats/block"),
        json!({ "seats": seats("", 'T', 1, 5), "reason": "camera position" }),
        StatusCode::OK,
    )
    .await?;
    Ok((i, id, [60, 10, 5, checked_in]))
}

fn section_name(s: usize) -> String {
    format!("Block {}", 101 + s)
}

/// The stadium: in every other section three rows sold (120 seats) and one row held; the
/// last section's back row blocked; 20 tickets checked in.
async fn fill_stadium(api: &Api) -> anyhow::Result<(String, Counts)> {
    let sections: Vec<Value> = (0..BIG_SECTIONS)
        .map(|s| {
            let rows: Vec<Value> = (0..BIG_ROWS)
                .map(|r| {
                    let category = if r < 5 { "premium" } else { "standard" };
                    json!({"row": row_name(r).to_string(), "seats": BIG_SEATS_PER_ROW, "category": category})
                })
                .collect();
            json!({"name": section_name(s), "prefix": format!("{}-", 101 + s), "rows": rows})
        })
        .collect();
    let created = api
        .post(
            "/api/v1/events",
            json!({
                "name": "Bench stadium", "category": "concert",
                "starts_at": starts_at(2 * 3600),
                "venue": {"name": "Bench Stadium"},
                "seat_map": {"sections": sections},
                "prices": {
                    "premium": {"amount_minor": 250000, "currency": "INR"},
                    "standard": {"amount_minor": 120000, "currency": "INR"}
                }
            }),
            StatusCode::CREATED,
        )
        .await?;
    let id = created["id"]
        .as_str()
        .context("event without an id")?
        .to_string();
    let (mut sold, mut held, mut checked_in) = (0, 0, 0);
    for s in (0..BIG_SECTIONS).step_by(2) {
        let prefix = format!("{}-", 101 + s);
        for row in ['A', 'B', 'C'] {
            let booking = api
                .sell(&id, seats(&prefix, row, 1, BIG_SEATS_PER_ROW))
                .await?;
            sold += BIG_SEATS_PER_ROW;
            if s == 0 && row == 'A' {
                checked_in += api.check_in(&booking, 20).await?;
            }
        }
        api.post(
            &format!("/api/v1/events/{id}/holds"),
            json!({ "seats": seats(&prefix, 'D', 1, BIG_SEATS_PER_ROW) }),
            StatusCode::CREATED,
        )
        .await?;
        held += BIG_SEATS_PER_ROW;
    }
    let last = format!("{}-", 100 + BIG_SECTIONS);
    let back = row_name(BIG_ROWS - 1);
    api.post(
        &format!("/api/v1/events/{id}/seats/block"),
        json!({ "seats": seats(&last, back, 1, BIG_SEATS_PER_ROW), "reason": "camera gantry" }),
        StatusCode::OK,
    )
    .await?;
    Ok((id, [sold, held, BIG_SEATS_PER_ROW, checked_in]))
}

/// An RFC 3339 time `seconds` from now, whole seconds.
fn starts_at(seconds: i64) -> String {
    (time::OffsetDateTime::now_utc() + time::Duration::seconds(seconds))
        .replace_nanosecond(0)
        .expect("zero nanoseconds is valid")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("a UTC time formats as RFC 3339")
}

/// Signs in to the console through its login form, from its own origin, and returns the
/// session cookie (`rezerve_console=…`).
pub async fn console_cookie(http: &reqwest::Client, base: &str) -> anyhow::Result<HeaderValue> {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("email", ADMIN_EMAIL), ("password", PASSWORD)])
        .finish();
    let answer = http
        .post(format!("{base}/admin/login"))
        .header("origin", base)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .context("console sign-in")?;
    ensure!(
        answer.status() == StatusCode::SEE_OTHER,
        "console sign-in: expected 303, got {}",
        answer.status()
    );
    let set = answer
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .context("console sign-in set no cookie")?;
    let pair = set.split(';').next().unwrap_or_default().trim();
    ensure!(
        pair.starts_with("rezerve_console=") && pair.len() > "rezerve_console=".len(),
        "unexpected console cookie {pair}"
    );
    let mut value = HeaderValue::from_str(pair)?;
    value.set_sensitive(true);
    Ok(value)
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
