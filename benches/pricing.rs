//! Pricing benches: `cargo bench --bench pricing`.
//!
//! - `price/*`: one seat's price under each default curve, nested fare buckets and EMSR-b
//!   (the four-class textbook forecast), over 1,000 seats, walking the occupancy so every
//!   branch of a curve is taken.
//! - `next_step/*`: the next price rise from an empty house of 1,000 seats: a scan of the
//!   curve, longest for the flat curve (it never rises) and EMSR-b (its protection levels
//!   are recomputed per seat).
//! - `recompute/*`: `Pricing::recompute` of one event of 1,000 seats on a real `App` with a
//!   temp data dir and durable commits: `unchanged` when the price stands (a read and an
//!   empty write batch), `changed` when it moves (current price, history row and
//!   price-changed job in one commit). The rule flip that makes it move is not timed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a bench is a test harness: a failed unwrap stops the run where it broke"
)]

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rezerve::auth::Role;
use rezerve::auth::account::NewUser;
use rezerve::auth::role::Caller;
use rezerve::catalog::event_input::CreateEvent;
use rezerve::pricing::curve::{self, Factors};
use rezerve::pricing::repo;
use rezerve::pricing::rule::{Bucket, Curve, FareClass, Rule};
use rezerve::{App, Config};
use serde_json::json;
use std::hint::black_box;

const SEATS: u32 = 1000;
const BASE: i64 = 90_000;

/// The rules measured: the default curves, three fare buckets and EMSR-b.
fn rules() -> Vec<(&'static str, Rule)> {
    let mut rules: Vec<(&'static str, Rule)> = ["concert", "flight", "bus", "train", "movie"]
        .into_iter()
        .map(|name| (name, Rule::default_for(name)))
        .collect();
    let mut buckets = Rule::default_for("flight");
    buckets.curve = Curve::Buckets(vec![bucket(0.3, 1.0), bucket(0.4, 1.3), bucket(0.3, 1.7)]);
    rules.push(("buckets", buckets));
    let mut emsr_b = Rule::default_for("flight");
    emsr_b.cap = 2.5;
    emsr_b.curve = Curve::EmsrB(vec![
        class(2.0, 173.0, 58.0),
        class(1.08, 451.0, 150.0),
        class(1.017, 396.0, 139.0),
        class(0.99, 340.0, 113.0),
    ]);
    rules.push(("emsr_b", emsr_b));
    rules
}

fn bucket(share: f64, multiplier: f64) -> Bucket {
    Bucket { share, multiplier }
}

fn class(multiplier: f64, mean: f64, sd: f64) -> FareClass {
    FareClass {
        multiplier,
        mean,
        sd,
    }
}

fn price(c: &mut Criterion) {
    let mut group = c.benchmark_group("price");
    for (name, rule) in rules() {
        group.bench_function(name, |b| {
            let mut sold = 0;
            b.iter(|| {
                sold = (sold + 7) % (SEATS + 1);
                curve::price(
                    black_box(&rule),
                    black_box(BASE),
                    black_box(sold),
                    SEATS,
                    Factors::default(),
                )
            });
        });
    }
    group.finish();
}

fn next_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("next_step");
    for (name, rule) in rules() {
        group.bench_function(name, |b| {
            b.iter(|| {
                curve::next_step(
                    black_box(&rule),
                    black_box(BASE),
                    0,
                    SEATS,
                    Factors::default(),
                )
            });
        });
    }
    group.finish();
}

/// An app on a temp dir with one concert of 1,000 standard seats; returns its id.
async fn app_with_event(dir: &std::path::Path) -> (App, String) {
    let app = App::build(Config::for_tests(dir))
        .await
        .expect("app builds");
    let admin = app
        .core()
        .auth
        .create_user(NewUser {
            email: "bench@example.test".into(),
            password: "correct horse battery".into(),
            name: "Bench".into(),
            phone: None,
            role: Role::Admin,
        })
        .await
        .expect("admin created");
    let caller = Caller {
        user_id: admin.id,
        email: admin.email,
        role: Role::Admin,
    };
    let starts_at = (time::OffsetDateTime::now_utc() + time::Duration::days(30))
        .replace_nanosecond(0)
        .expect("valid")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("formats");
    let rows: Vec<_> = (0..20)
        .map(|r| json!({"row": format!("R{r}"), "seats": SEATS / 20}))
        .collect();
    let input: CreateEvent = serde_json::from_value(json!({
        "name": "Bench Hall", "category": "concert", "starts_at": starts_at,
        "venue": {"name": "Bench Hall"},
        "seat_map": {"sections": [{"name": "Stalls", "rows": rows}]},
        "prices": {"standard": {"amount_minor": BASE, "currency": "INR"}}
    }))
    .expect("a valid event");
    let event = app
        .core()
        .catalog
        .create_event(&caller, input)
        .await
        .expect("event created");
    (app, event.id)
}

/// Gives the event a flat rule at `multiple` × base, straight in SQL (not timed).
async fn set_flat_rule(app: &App, event_id: &str, multiple: f64) {
    let mut rule = Rule::default_for("movie");
    rule.floor = multiple;
    rule.cap = multiple;
    let id = event_id.to_string();
    app.core()
        .sqlite
        .write(move |conn| repo::put_event_rule(conn, &id, Some(&rule), 0))
        .await
        .expect("rule stored");
}

fn recompute(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let (app, event_id) = rt.block_on(app_with_event(dir.path()));
    rt.block_on(app.pricing().recompute(&event_id, "bench"))
        .expect("first pricing");

    let mut group = c.benchmark_group("recompute");
    group.bench_function("unchanged", |b| {
        b.iter(|| {
            rt.block_on(app.pricing().recompute(black_box(&event_id), "bench"))
                .expect("recompute")
        });
    });
    let mut flip = false;
    group.bench_function("changed", |b| {
        b.iter_batched(
            || {
                flip = !flip;
                rt.block_on(set_flat_rule(&app, &event_id, if flip { 1.5 } else { 1.0 }));
            },
            |()| {
                let changed = rt
                    .block_on(app.pricing().recompute(black_box(&event_id), "bench"))
                    .expect("recompute");
                assert_eq!(changed, 1, "the price moved");
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, price, next_step, recompute);
criterion_main!(benches);
