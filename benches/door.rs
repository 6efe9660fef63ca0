//! The door: how long the server takes to answer one scan, as a steward's phone sees it.
//! `cargo bench --bench door` (criterion).
//!
//! A real `App` on a temp data dir serves on 127.0.0.1; a keep-alive HTTP client signed in
//! to the console (cookie session, CSRF token) posts the door form, like `assets/door.js`
//! does (`Accept: application/json`: the check-in written and logged in one commit, then
//! the page's fragments rendered), or like a browser without JavaScript (the POST, its 303,
//! and the GET of the page showing the scan).
//!
//! - `door/admitted_json`: a fresh ticket each time (tickets are bought beforehand, untimed,
//!   and the jobs those sales queue are left to finish before the clock starts).
//! - `door/already_used_json`: the same ticket again (a read, a log row, the answer).
//! - `door/forged_json`: a code whose signature does not verify.
//! - `door/admitted_form`: the no-script path, POST + GET.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a bench is a test harness: a failed unwrap stops the run where it broke"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use reqwest::StatusCode;
use rezerve::auth::Role;
use rezerve::auth::account::NewUser;
use rezerve::{App, Config};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

const PASSWORD: &str = "correct horse battery";
/// Seats per event bought for the pool: 40 rows of 50 (one hold per row).
const ROWS: usize = 40;
const ROW_SEATS: u32 = 50;

/// The served app and a signed-in console.
struct Door {
    base: String,
    http: reqwest::Client,
    bearer: String,
    cookie: String,
    csrf: String,
    /// Unscanned tickets: (event id, code).
    pool: VecDeque<(String, String)>,
    _app_stop: tokio_util::sync::CancellationToken,
    _dir: tempfile::TempDir,
}

async fn json_ok(response: reqwest::Response, what: &str) -> Value {
    let status = response.status();
    let text = response.text().await.expect("body");
    assert!(status.is_success(), "{what}: {status} {text}");
    serde_json::from_str(&text).expect("JSON")
}

impl Door {
    async fn start() -> Door {
        let dir = tempfile::tempdir().expect("temp dir");
        let app = App::build(Config::for_tests(dir.path()))
            .await
            .expect("app builds");
        app.core()
            .auth
            .create_user(NewUser {
                email: "steward@example.test".into(),
                password: PASSWORD.into(),
                name: "Steward".into(),
                phone: None,
                role: Role::Admin,
            })
            .await
            .expect("steward created");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let stop = tokio_util::sync::CancellationToken::new();
        tokio::spawn(app.serve(listener, None, stop.clone().cancelled_owned()));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let login = json_ok(
            http.post(format!("{base}/api/v1/auth/login"))
                .json(&json!({"email": "steward@example.test", "password": PASSWORD}))
                .send()
                .await
                .expect("sent"),
            "api login",
        )
        .await;
        let bearer = login["token"].as_str().expect("token").to_string();
        let signed_in = http
            .post(format!("{base}/admin/login"))
            .header("origin", &base)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "email=steward%40example.test&password={}",
                PASSWORD.replace(' ', "+")
            ))
            .send()
            .await
            .expect("sent");
        assert_eq!(signed_in.status(), StatusCode::SEE_OTHER, "console sign-in");
        let cookie = signed_in.headers()["set-cookie"]
            .to_str()
            .expect("cookie")
            .split(';')
            .next()
            .expect("pair")
            .to_string();
        let page = http
            .get(format!("{base}/admin/"))
            .header("cookie", &cookie)
            .send()
            .await
            .expect("sent")
            .text()
            .await
            .expect("page");
        let marker = "name=\"csrf\" value=\"";
        let start = page.find(marker).expect("csrf") + marker.len();
        let csrf = page[start..start + page[start..].find('"').expect("end")].to_string();
        Door {
            base,
            http,
            bearer,
            cookie,
            csrf,
            pool: VecDeque::new(),
            _app_stop: stop,
            _dir: dir,
        }
    }

    /// Buys a new event's every seat through the API (not timed), filling the pool.
    async fn buy_event(&mut self) {
        let rows: Vec<Value> = (0..ROWS)
            .map(|r| json!({"row": format!("R{r}"), "seats": ROW_SEATS}))
            .collect();
        let starts_at = (time::OffsetDateTime::now_utc() + time::Duration::days(1))
            .replace_nanosecond(0)
            .expect("valid")
            .format(&time::format_description::well_known::Rfc3339)
            .expect("formats");
        let event = json_ok(
            self.http
                .post(format!("{}/api/v1/events", self.base))
                .bearer_auth(&self.bearer)
                .json(&json!({
                    "name": "Door bench", "category": "concert", "starts_at": starts_at,
                    "venue": {"name": "Bench Hall"},
                    "seat_map": {"sections": [{"name": "Stalls", "rows": rows}]},
                    "prices": {"standard": {"amount_minor": 50000, "currency": "INR"}}
                }))
                .send()
                .await
                .expect("sent"),
            "event",
        )
        .await;
        let event_id = event["id"].as_str().expect("event id").to_string();
        for r in 0..ROWS {
            let seats: Vec<String> = (1..=ROW_SEATS).map(|n| format!("R{r}-{n}")).collect();
            let hold = json_ok(
                self.http
                    .post(format!("{}/api/v1/events/{event_id}/holds", self.base))
                    .bearer_auth(&self.bearer)
                    .json(&json!({"seats": seats}))
                    .send()
                    .await
                    .expect("sent"),
                "hold",
            )
            .await;
            let booking = json_ok(
                self.http
                    .post(format!("{}/api/v1/bookings", self.base))
                    .bearer_auth(&self.bearer)
                    .json(&json!({"hold_id": hold["id"]}))
                    .send()
                    .await
                    .expect("sent"),
                "booking",
            )
            .await;
            let id = booking["id"].as_str().expect("booking id");
            json_ok(
                self.http
                    .post(format!("{}/api/v1/bookings/{id}/payments", self.base))
                    .bearer_auth(&self.bearer)
                    .json(&json!({"method": "test", "card_number": "4242424242424242",
                                  "amount_minor": booking["total"]["amount_minor"]}))
                    .send()
                    .await
                    .expect("sent"),
                "payment",
            )
            .await;
            let tickets = json_ok(
                self.http
                    .get(format!("{}/api/v1/bookings/{id}/tickets", self.base))
                    .bearer_auth(&self.bearer)
                    .send()
                    .await
                    .expect("sent"),
                "tickets",
            )
            .await;
            for t in tickets.as_array().expect("tickets") {
                let code = t["code"].as_str().expect("code").to_string();
                self.pool.push_back((event_id.clone(), code));
            }
        }
    }

    /// At least `n` unscanned tickets in the pool.
    async fn ensure(&mut self, n: usize) {
        if self.pool.len() >= n {
            return;
        }
        while self.pool.len() < n {
            self.buy_event().await;
        }
        self.settle().await;
    }

    /// Waits (untimed) until the background jobs the purchases made (confirmation emails
    /// with a QR code per ticket, price recounts) are done, so scans are timed on a quiet
    /// server, as at a door once sales have closed.
    async fn settle(&self) {
        let deadline = Instant::now() + Duration::from_secs(300);
        // Kinds the purchases queue that a worker runs. `price-changed` jobs are left out:
        // nothing consumed them when this was written, so they stay queued for good.
        let kinds = ["seats-changed", "payment-succeeded", "send-email"];
        for (kind, status) in kinds
            .iter()
            .flat_map(|kind| ["queued", "running"].map(|status| (kind, status)))
        {
            loop {
                let page = json_ok(
                    self.http
                        .get(format!(
                            "{}/api/v1/jobs?kind={kind}&status={status}&limit=1",
                            self.base
                        ))
                        .bearer_auth(&self.bearer)
                        .send()
                        .await
                        .expect("sent"),
                    "jobs",
                )
                .await;
                if page["items"]
                    .as_array()
                    .is_none_or(|items| items.is_empty())
                {
                    break;
                }
                assert!(Instant::now() < deadline, "the job queue does not drain");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }

    fn scan_request(&self, event: &str, code: &str) -> reqwest::RequestBuilder {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("csrf", &self.csrf)
            .append_pair("code", code)
            .finish();
        self.http
            .post(format!("{}/admin/door/{event}", self.base))
            .header("origin", &self.base)
            .header("cookie", &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
    }

    /// One scan as the script sends it; returns the outcome.
    async fn scan_json(&self, event: &str, code: &str) -> String {
        let answer = self
            .scan_request(event, code)
            .header("accept", "application/json")
            .send()
            .await
            .expect("sent");
        let body: Value = answer.json().await.expect("JSON");
        body["outcome"].as_str().unwrap_or("").to_string()
    }

    /// One scan without the script: the POST, then the page it redirects to.
    async fn scan_form(&self, event: &str, code: &str) -> usize {
        let posted = self.scan_request(event, code).send().await.expect("sent");
        assert_eq!(posted.status(), StatusCode::SEE_OTHER);
        let to = posted.headers()["location"].to_str().expect("location");
        self.http
            .get(format!("{}{to}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .expect("sent")
            .text()
            .await
            .expect("page")
            .len()
    }
}

/// Times `iters` scans of fresh tickets, buying more (untimed) first when the pool is low.
fn fresh_scans(rt: &Runtime, door: &mut Door, iters: u64, form: bool) -> Duration {
    rt.block_on(door.ensure(iters as usize));
    let picked: Vec<(String, String)> = door.pool.drain(..iters as usize).collect();
    let door = &*door;
    rt.block_on(async {
        let start = Instant::now();
        for (event, code) in &picked {
            if form {
                std::hint::black_box(door.scan_form(event, code).await);
            } else {
                let outcome = door.scan_json(event, code).await;
                assert_eq!(outcome, "admitted");
            }
        }
        start.elapsed()
    })
}

fn door(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut door = rt.block_on(Door::start());
    rt.block_on(door.ensure(1));
    let (event, used) = door.pool.pop_front().expect("a ticket");
    assert_eq!(rt.block_on(door.scan_json(&event, &used)), "admitted");
    let forged = {
        let (signed, signature) = used.rsplit_once('.').expect("three parts");
        let first = if signature.starts_with('A') { "B" } else { "A" };
        format!("{signed}.{first}{}", &signature[1..])
    };

    let mut group = c.benchmark_group("door");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    group.bench_function("admitted_json", |b| {
        b.iter_custom(|iters| fresh_scans(&rt, &mut door, iters, false));
    });
    group.bench_function("admitted_form", |b| {
        b.iter_custom(|iters| fresh_scans(&rt, &mut door, iters, true));
    });
    group.bench_function("already_used_json", |b| {
        b.iter(|| {
            let outcome = rt.block_on(door.scan_json(&event, &used));
            assert_eq!(outcome, "already_used");
        });
    });
    group.bench_function("forged_json", |b| {
        b.iter(|| {
            let outcome = rt.block_on(door.scan_json(&event, &forged));
            assert_eq!(outcome, "refused");
        });
    });
    group.finish();
}

criterion_group!(benches, door);
criterion_main!(benches);
