//! The simulated clients: what they share (`Target`, built before any clock starts), one
//! client's state (`Session`), what it counts (`Tally`), and the loop of each phase.

use super::wire::{Request, Wire};
use hdrhistogram::Histogram;
use rand::Rng;
use rand::rngs::SmallRng;
use reqwest::Url;
use reqwest::header::HeaderValue;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the client loops need, built once before any clock starts.
pub struct Target {
    pub base: String,
    /// `…/events/{id}/holds` for each event.
    pub hold_urls: Vec<Url>,
    /// What the flows phase sells from: `hold_urls` and the events set up for flows alone.
    pub flow_urls: Vec<Url>,
    /// Every selection of one seat or two adjacent seats in a row, as a ready JSON body.
    pub selections: Vec<&'static str>,
    /// `…/events/{id}/holds` of the hot event, and its selections.
    pub hot_url: Url,
    pub hot_selections: Vec<&'static str>,
    /// `Bearer …` for each customer, one per client.
    pub tokens: Vec<HeaderValue>,
}

/// One simulated client: its own connection, token, random stream and deadline.
pub struct Session {
    pub wire: Wire,
    pub target: Arc<Target>,
    pub auth: HeaderValue,
    pub rng: SmallRng,
    pub deadline: Instant,
}

/// What one client (or, merged, one level) counted.
pub struct Tally {
    /// Successful units of the phase (holds for "holds").
    pub ok: u64,
    /// Latency of each successful unit, in microseconds.
    pub latency: Histogram<u64>,
    /// Latency of each timed request that succeeded (a flow has three), in microseconds.
    pub requests: Histogram<u64>,
    pub conflicts: u64,
    pub releases: u64,
    /// Every answer that was neither success nor an expected conflict, by what it was.
    pub errors: BTreeMap<String, u64>,
}

impl Tally {
    pub fn new() -> Tally {
        Tally {
            ok: 0,
            latency: Histogram::new_with_bounds(1, 120_000_000, 3).expect("valid histogram bounds"),
            requests: Histogram::new_with_bounds(1, 120_000_000, 3)
                .expect("valid histogram bounds"),
            conflicts: 0,
            releases: 0,
            errors: BTreeMap::new(),
        }
    }

    pub fn record_ok(&mut self, took: Duration) {
        self.ok += 1;
        self.latency
            .saturating_record(took.as_micros().max(1) as u64);
    }

    pub fn record_request(&mut self, took: Duration) {
        self.requests
            .saturating_record(took.as_micros().max(1) as u64);
    }

    pub fn error(&mut self, what: String) {
        *self.errors.entry(what).or_default() += 1;
    }

    pub fn merge(&mut self, other: Tally) {
        self.ok += other.ok;
        self.latency
            .add(&other.latency)
            .expect("histograms share their bounds");
        self.requests
            .add(&other.requests)
            .expect("histograms share their bounds");
        self.conflicts += other.conflicts;
        self.releases += other.releases;
        for (what, n) in other.errors {
            *self.errors.entry(what).or_default() += n;
        }
    }
}

/// The `ceiling` phases: `GET path` in a loop (with the client's token if `auth`); every
/// 200 is one unit.
pub async fn ceiling_client(mut s: Session, path: &str, auth: bool) -> Tally {
    let mut tally = Tally::new();
    let request = Request {
        method: "GET",
        path,
        auth: auth.then_some(s.auth.as_bytes()),
        json: None,
    };
    while Instant::now() < s.deadline {
        let started = Instant::now();
        match s.wire.send(&request).await {
            Ok((200, _)) => {
                let took = started.elapsed();
                tally.record_ok(took);
                tally.record_request(took);
            }
            Ok((status, reply)) => tally.error(problem(&format!("GET {path}"), status, reply)),
            Err(e) => tally.error(format!("GET {path}: {}", e.as_str())),
        }
    }
    tally
}

/// The "holds" phase: hold 1–2 adjacent random seats of a random event; on 201 time it and
/// release it at once (untimed) so the seats come back; on 409 count a conflict and go on.
/// The "hot" phase (`hot`) does the same on the one 20,000-seat event.
pub async fn holds_client(mut s: Session, hot: bool) -> Tally {
    #[derive(Deserialize)]
    struct Created {
        id: String,
    }
    let mut tally = Tally::new();
    let target = Arc::clone(&s.target);
    while Instant::now() < s.deadline {
        let (url, body) = if hot {
            let i = s.rng.random_range(0..target.hot_selections.len());
            (&target.hot_url, target.hot_selections[i])
        } else {
            let url = &target.hold_urls[s.rng.random_range(0..target.hold_urls.len())];
            (
                url,
                target.selections[s.rng.random_range(0..target.selections.len())],
            )
        };
        let started = Instant::now();
        let request = Request {
            method: "POST",
            path: url.path(),
            auth: Some(s.auth.as_bytes()),
            json: Some(body.as_bytes()),
        };
        let (status, reply) = match s.wire.send(&request).await {
            Ok(answer) => answer,
            Err(e) => {
                tally.error(format!("POST hold: {}", e.as_str()));
                continue;
            }
        };
        let took = started.elapsed();
        match status {
            201 => {
                tally.record_ok(took);
                tally.record_request(took);
                let Ok(Created { id }) = serde_json::from_slice(reply) else {
                    tally.error("POST hold: 201 without an id".into());
                    continue;
                };
                let path = format!("/api/v1/holds/{id}");
                let release = Request {
                    method: "DELETE",
                    path: &path,
                    auth: Some(s.auth.as_bytes()),
                    json: None,
                };
                match s.wire.send(&release).await {
                    Ok((204, _)) => tally.releases += 1,
                    Ok((status, reply)) => tally.error(problem("DELETE hold", status, reply)),
                    Err(e) => tally.error(format!("DELETE hold: {}", e.as_str())),
                }
            }
            409 => tally.conflicts += 1,
            status => tally.error(problem("POST hold", status, reply)),
        }
    }
    tally
}

/// The "flows" phase: a complete purchase — hold 1–2 random seats, book the hold, pay it with
/// the test card — timed from the hold request to the payment's answer. Seats stay sold; a
/// hold on a sold seat is a conflict and the client picks again.
pub async fn flows_client(mut s: Session) -> Tally {
    let mut tally = Tally::new();
    let target = Arc::clone(&s.target);
    let auth = Some(s.auth.as_bytes());
    while Instant::now() < s.deadline {
        let url = &target.flow_urls[s.rng.random_range(0..target.flow_urls.len())];
        let body = target.selections[s.rng.random_range(0..target.selections.len())];
        let started = Instant::now();
        let hold = Request {
            method: "POST",
            path: url.path(),
            auth,
            json: Some(body.as_bytes()),
        };
        let hold_id = match s.wire.send(&hold).await {
            Ok((201, reply)) => match serde_json::from_slice::<Value>(reply) {
                Ok(v) if v["id"].is_string() => {
                    tally.record_request(started.elapsed());
                    v["id"].as_str().unwrap_or_default().to_string()
                }
                _ => {
                    tally.error("POST hold: 201 without a body".into());
                    continue;
                }
            },
            Ok((409, _)) => {
                tally.conflicts += 1;
                continue;
            }
            Ok((status, reply)) => {
                tally.error(problem("POST hold", status, reply));
                continue;
            }
            Err(e) => {
                tally.error(format!("POST hold: {}", e.as_str()));
                continue;
            }
        };
        let book_body = format!(r#"{{"hold_id":"{hold_id}"}}"#);
        let book = Request {
            method: "POST",
            path: "/api/v1/bookings",
            auth,
            json: Some(book_body.as_bytes()),
        };
        let booking_started = Instant::now();
        let (booking_id, total) = match s.wire.send(&book).await {
            Ok((201, reply)) => match serde_json::from_slice::<Value>(reply) {
                Ok(v) => {
                    tally.record_request(booking_started.elapsed());
                    (
                        v["id"].as_str().unwrap_or_default().to_string(),
                        v["total"]["amount_minor"].as_i64().unwrap_or(0),
                    )
                }
                Err(_) => {
                    tally.error("POST booking: 201 without a body".into());
                    continue;
                }
            },
            Ok((status, reply)) => {
                tally.error(problem("POST booking", status, reply));
                continue;
            }
            Err(e) => {
                tally.error(format!("POST booking: {}", e.as_str()));
                continue;
            }
        };
        let pay_path = format!("/api/v1/bookings/{booking_id}/payments");
        let pay_body = format!(
            r#"{{"method":"test","amount_minor":{total},"card_number":"4242424242424242"}}"#
        );
        let pay = Request {
            method: "POST",
            path: &pay_path,
            auth,
            json: Some(pay_body.as_bytes()),
        };
        let pay_started = Instant::now();
        match s.wire.send(&pay).await {
            Ok((201, _)) => {
                tally.record_request(pay_started.elapsed());
                tally.record_ok(started.elapsed());
            }
            Ok((status, reply)) => tally.error(problem("POST payment", status, reply)),
            Err(e) => tally.error(format!("POST payment: {}", e.as_str())),
        }
    }
    tally
}

/// `POST hold → 500 internal`: the status and the problem's stable code, if it has one.
fn problem(what: &str, status: u16, body: &[u8]) -> String {
    let code = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v["code"].as_str().map(str::to_string))
        .unwrap_or_default();
    format!("{what} → {status} {code}")
}
