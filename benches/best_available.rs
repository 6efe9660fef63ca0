//! Best-available holds on a small and a large event: `cargo bench --bench best_available`.
//!
//! The scale line of the performance targets: a hold on a 100,000-seat event (the largest a
//! seat map may have) should cost what it costs on a 1,000-seat one.
//!
//! - `choose/*`: `best_available::choose` of 2 seats on an in-memory seat index of rows of
//!   100 seats: `1000` and `100000` empty; `100000_half_sold` with the first 500 rows sold
//!   (the seats a rush has already taken lie before the free ones).
//! - `hold/*`: the whole `Inventory::hold` of 2 best-available seats on a real `App` (temp
//!   data dir, durable commits), events of 1,000 and 100,000 seats; the previous hold's
//!   release is not timed.

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
use rezerve::inventory::best_available::{self, Want};
use rezerve::inventory::hold::HoldRequest;
use rezerve::inventory::seat_index::{CategoryState, EventSeats, SeatInfo};
use rezerve::{App, Config};
use serde_json::json;
use std::cell::RefCell;
use std::hint::black_box;

const PER_ROW: u32 = 100;

/// An in-memory index of `seats` seats in rows of 100, every seat free.
fn index(seats: u32) -> EventSeats {
    let infos = (0..seats)
        .map(|i| {
            let (row, number) = (i / PER_ROW, i % PER_ROW + 1);
            SeatInfo {
                label: format!("R{row}-{number}"),
                section: "Stalls".into(),
                row: format!("R{row}"),
                number,
                category: 0,
                flags: Vec::new(),
                blocked: false,
            }
        })
        .collect();
    let category = CategoryState {
        name: "standard".into(),
        price_minor: 90_000,
        capacity: seats,
        ga_held: 0,
        ga_sold: 0,
    };
    EventSeats::new(
        "evt".into(),
        "INR".into(),
        Vec::new(),
        vec![category],
        infos,
        false,
    )
}

fn choose(c: &mut Criterion) {
    let want = Want {
        quantity: 2,
        category: None,
        accessible: 0,
    };
    let mut half_sold = index(100_000);
    for seat in 0..50_000 {
        half_sold.mark_sold(seat, 0..1);
    }
    let cases = [
        ("1000", index(1_000)),
        ("100000", index(100_000)),
        ("100000_half_sold", half_sold),
    ];
    let mut group = c.benchmark_group("choose");
    for (name, ix) in &cases {
        group.bench_function(*name, |b| {
            b.iter(|| best_available::choose(black_box(ix), want, &(0..1), 0).expect("room"));
        });
    }
    group.finish();
}

/// A user of `role`, as a caller.
async fn caller(app: &App, email: &str, role: Role) -> Caller {
    let user = app
        .core()
        .auth
        .create_user(NewUser {
            email: email.into(),
            password: "correct horse battery".into(),
            name: "Bench".into(),
            phone: None,
            role,
        })
        .await
        .expect("user created");
    Caller {
        user_id: user.id,
        email: user.email,
        role,
    }
}

/// Creates a concert of `seats` standard seats in rows of 100; returns its id.
async fn event(app: &App, admin: &Caller, seats: u32) -> String {
    let starts_at = (time::OffsetDateTime::now_utc() + time::Duration::days(30))
        .replace_nanosecond(0)
        .expect("valid")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("formats");
    let rows: Vec<_> = (0..seats / PER_ROW)
        .map(|r| json!({"row": format!("R{r}"), "seats": PER_ROW}))
        .collect();
    let input: CreateEvent = serde_json::from_value(json!({
        "name": format!("Hall of {seats}"), "category": "concert", "starts_at": starts_at,
        "venue": {"name": "Bench Hall"},
        "seat_map": {"sections": [{"name": "Stalls", "rows": rows}]},
        "prices": {"standard": {"amount_minor": 90_000, "currency": "INR"}}
    }))
    .expect("a valid event");
    app.core()
        .catalog
        .create_event(admin, input)
        .await
        .expect("event created")
        .id
}

fn hold(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let app = rt
        .block_on(App::build(Config::for_tests(dir.path())))
        .expect("app");
    let admin = rt.block_on(caller(&app, "admin@example.test", Role::Admin));
    let customer = rt.block_on(caller(&app, "fan@example.test", Role::Customer));
    let request = HoldRequest {
        quantity: Some(2),
        ..HoldRequest::default()
    };
    let mut group = c.benchmark_group("hold");
    for seats in [1_000, 100_000] {
        let event_id = rt.block_on(event(&app, &admin, seats));
        let last: RefCell<Option<String>> = RefCell::new(None);
        group.bench_function(seats.to_string(), |b| {
            b.iter_batched(
                || {
                    if let Some(id) = last.take() {
                        rt.block_on(app.inventory().release(&customer, &id))
                            .expect("released");
                    }
                },
                |()| {
                    let held = rt
                        .block_on(app.inventory().hold(
                            &customer,
                            black_box(&event_id),
                            request.clone(),
                        ))
                        .expect("held");
                    last.replace(Some(held.id().to_string()));
                },
                BatchSize::PerIteration,
            );
        });
        if let Some(id) = last.take() {
            rt.block_on(app.inventory().release(&customer, &id))
                .expect("released");
        }
    }
    group.finish();
    rt.block_on(app.close());
}

criterion_group!(benches, choose, hold);
criterion_main!(benches);
