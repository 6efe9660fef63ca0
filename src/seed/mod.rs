//! `rezerve seed demo`: a living catalog for a newcomer to click through — a cinema, a
//! concert hall, a general-admission festival, a flight with a premium cabin, a bus and a
//! train that sell per segment — and one account per role.
//!
//! Demo passwords are generated, printed once to stdout (never to the log) and kept in
//! `<data_dir>/demo-credentials.txt` (0600) for later.

mod sales;

use crate::app::{App, Core};
use crate::auth::account::NewUser;
use crate::auth::{Caller, Role};
use crate::catalog::event_input::CreateEvent;
use crate::catalog::venue::CreateVenue;
use anyhow::Context;
use rand::Rng;
use serde_json::{Value, json};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use time::Duration;

/// A random password of 20 letters and digits (about 119 bits).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Seeds the demo catalog and accounts unless the catalog already has events.
pub async fn demo(app: &App, out: &mut impl Write) -> anyhow::Result<()> {
    let core = app.core();
    let existing = core
        .catalog
        .list_events(
            Default::default(),
            crate::pagination::PageRequest::parse(Some(1), None, 2)?,
        )
        .await?;
    if !existing.items.is_empty() {
        writeln!(out, "the catalog already has events; demo data not added")?;
        return Ok(());
    }
    let [admin, staff, customer] = accounts(core, out).await?;
    let now = core.clock.now();
    let day = |d: i64, hour: u8, minute: u8| -> anyhow::Result<String> {
        let date = (now + Duration::days(d)).date();
        let t = date
            .with_hms(hour, minute, 0)
            .context("valid time of day")?
            .assume_utc();
        Ok(t.format(&time::format_description::well_known::Rfc3339)?)
    };

    let cinema = core
        .catalog
        .create_venue(serde_json::from_value::<CreateVenue>(json!({
            "name": "Lotus Cinema, Screen 1", "city": "Bengaluru", "timezone": "Asia/Kolkata",
            "seat_map": cinema_map(),
        }))?)
        .await?;

    // Tonight's showing, so the dashboard, the door and the box office have a show to work
    // on: two hours from now, or the last minute of today (UTC) when that comes first, but
    // never less than a quarter of an hour away (just before midnight it is tomorrow's).
    let end_of_today =
        now.replace_time(time::Time::MIDNIGHT) + Duration::days(1) - Duration::minutes(1);
    let tonight_at = (now + Duration::hours(2))
        .min(end_of_today)
        .max(now + Duration::minutes(15));
    let tonight = create(
        core,
        &admin,
        json!({
            "name": "The Last Ferry", "category": "movie", "venue": {"id": cinema.id},
            "starts_at": tonight_at.format(&time::format_description::well_known::Rfc3339)?,
            "prices": {"standard": inr(25000), "premium": inr(42000), "accessible": inr(25000)},
        }),
    )
    .await?;
    let mut created = 1;
    for (name, when) in [
        ("Monsoon Letters", day(2, 13, 30)?),
        ("Monsoon Letters", day(2, 16, 30)?),
        ("The Last Ferry", day(3, 14, 0)?),
    ] {
        create(
            core,
            &admin,
            json!({
                "name": name, "category": "movie", "venue": {"id": cinema.id},
                "starts_at": when, "prices": {
                    "standard": inr(25000), "premium": inr(42000), "accessible": inr(25000)},
            }),
        )
        .await?;
        created += 1;
    }

    create(core, &admin, json!({
        "name": "Evening Raga", "category": "concert", "description": "Hindustani classical, two sets.",
        "venue": {"name": "Town Hall"}, "starts_at": day(10, 13, 0)?, "ends_at": day(10, 16, 0)?,
        "timezone": "Asia/Kolkata",
        "seat_map": {"sections": [
            {"name": "Stalls", "prefix": "S-", "rows": rows(&["A", "B", "C"], 16, "premium")
                .into_iter().chain(rows(&["D", "E", "F", "G", "H"], 20, "standard")).collect::<Vec<_>>()},
            {"name": "Balcony", "prefix": "B-", "rows": rows(&["A", "B", "C"], 24, "balcony")}]},
        "prices": {"premium": inr(150000), "standard": inr(90000), "balcony": inr(60000)},
    })).await?;
    created += 1;

    create(core, &admin, json!({
        "name": "Open Air Jazz", "category": "concert", "venue": {"name": "Cubbon Park Bandstand"},
        "starts_at": day(21, 12, 0)?, "timezone": "Asia/Kolkata",
        "capacity": {"standard": 500, "vip": 50},
        "prices": {"standard": inr(79900), "vip": inr(249900)},
    })).await?;
    created += 1;

    create(
        core,
        &admin,
        json!({
            "name": "RZ 101", "category": "flight", "description": "A320, 180 seats.",
            "origin": "Delhi", "destination": "Mumbai", "timezone": "Asia/Kolkata",
            "departs_at": day(5, 3, 30)?, "arrives_at": day(5, 5, 40)?,
            "seat_map": aircraft_map(),
            "prices": {"premium": inr(1450000), "economy": inr(620000)},
        }),
    )
    .await?;
    created += 1;

    create(core, &admin, json!({
        "name": "Pink City Express coach", "category": "bus", "timezone": "Asia/Kolkata",
        "origin": "Delhi", "destination": "Jaipur",
        "departs_at": day(4, 1, 30)?, "arrives_at": day(4, 7, 0)?,
        "stops": [{"name": "Gurugram", "arrives_at": day(4, 2, 15)?, "departs_at": day(4, 2, 25)?},
                  {"name": "Neemrana", "arrives_at": day(4, 4, 0)?, "departs_at": day(4, 4, 20)?}],
        "seat_map": bus_map(),
        "prices": {"standard": inr(89900)},
    })).await?;
    created += 1;

    create(core, &admin, json!({
        "name": "12002 Shatabdi", "category": "train", "timezone": "Asia/Kolkata",
        "origin": "New Delhi", "destination": "Bhopal",
        "departs_at": day(6, 0, 30)?, "arrives_at": day(6, 8, 40)?,
        "stops": [{"name": "Agra Cantt", "arrives_at": day(6, 2, 27)?, "departs_at": day(6, 2, 32)?},
                  {"name": "Gwalior", "arrives_at": day(6, 3, 45)?, "departs_at": day(6, 3, 50)?},
                  {"name": "Jhansi", "arrives_at": day(6, 4, 55)?, "departs_at": day(6, 5, 3)?}],
        "seat_map": {"sections": [
            {"name": "Coach E1 (executive)", "prefix": "E1-", "rows": rows(&["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"], 4, "executive")},
            {"name": "Coach C1 (chair car)", "prefix": "C1-", "rows": rows(&["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16"], 5, "chair")}]},
        "prices": {"executive": inr(245000), "chair": inr(121000)},
    })).await?;
    created += 1;

    writeln!(out, "demo catalog: 1 venue, {created} events")?;
    let bookings = sales::bookings(app, &staff, &customer).await?
        + sales::tonight(app, &tonight, [&admin, &staff, &customer]).await?;
    writeln!(out, "demo bookings: {bookings}")?;
    Ok(())
}

fn inr(amount_minor: i64) -> Value {
    json!({"amount_minor": amount_minor, "currency": "INR"})
}

fn rows(names: &[&str], seats: u32, category: &str) -> Vec<Value> {
    names
        .iter()
        .map(|row| json!({"row": row, "seats": seats, "category": category}))
        .collect()
}

/// 120 seats: rows A–J of 12; row A has two wheelchair spaces with companion seats; the back
/// three rows are premium recliners; aisle seats flagged.
fn cinema_map() -> Value {
    let mut rows_json = vec![
        json!({"row": "A", "category": "standard", "seats": (1..=12).map(|n| match n {
        1 | 3 => json!({"number": n, "category": "accessible", "flags": ["wheelchair_space"]}),
        2 | 4 => json!({"number": n, "category": "accessible", "flags": ["companion"]}),
        6 | 7 => json!({"number": n, "flags": ["aisle"]}),
        _ => json!({"number": n}),
    }).collect::<Vec<_>>()}),
    ];
    for (row, category) in [
        ("B", "standard"),
        ("C", "standard"),
        ("D", "standard"),
        ("E", "standard"),
        ("F", "standard"),
        ("G", "standard"),
        ("H", "premium"),
        ("I", "premium"),
        ("J", "premium"),
    ] {
        rows_json.push(
            json!({"row": row, "category": category, "seats": (1..=12).map(|n| if n == 6 || n == 7 {
            json!({"number": n, "flags": ["aisle"]})
        } else {
            json!({"number": n})
        }).collect::<Vec<_>>()}),
        );
    }
    json!({"sections": [{"name": "Screen 1", "rows": rows_json}]})
}

/// 180 seats: a premium cabin of rows 1–3 (2+2, numbered 1–4) and economy rows 4–31
/// (3+3, numbered 1–6); windows and aisles flagged.
fn aircraft_map() -> Value {
    let premium: Vec<Value> = (1..=3)
        .map(|row| {
            json!({"row": row.to_string(), "category": "premium", "seats": [
        {"number": 1, "flags": ["window"]}, {"number": 2, "flags": ["aisle"]},
        {"number": 3, "flags": ["aisle"]}, {"number": 4, "flags": ["window"]}]})
        })
        .collect();
    let economy: Vec<Value> = (4..=31)
        .map(|row| {
            json!({"row": row.to_string(), "category": "economy", "seats": [
        {"number": 1, "flags": ["window"]}, {"number": 2}, {"number": 3, "flags": ["aisle"]},
        {"number": 4, "flags": ["aisle"]}, {"number": 5}, {"number": 6, "flags": ["window"]}]})
        })
        .collect();
    json!({"sections": [{"name": "Premium", "rows": premium}, {"name": "Economy", "rows": economy}]})
}

/// 40 seats in 2+2 rows 1–10.
fn bus_map() -> Value {
    let rows: Vec<Value> = (1..=10)
        .map(|row| {
            json!({"row": row.to_string(), "seats": [
        {"number": 1, "flags": ["window"]}, {"number": 2, "flags": ["aisle"]},
        {"number": 3, "flags": ["aisle"]}, {"number": 4, "flags": ["window"]}]})
        })
        .collect();
    json!({"sections": [{"name": "Coach", "rows": rows}]})
}

async fn create(core: &Core, admin: &Caller, event: Value) -> anyhow::Result<String> {
    let input: CreateEvent = serde_json::from_value(event).context("demo event json")?;
    let name = input.name.clone();
    let event = core
        .catalog
        .create_event(admin, input)
        .await
        .with_context(|| format!("creating demo event {name}"))?;
    Ok(event.id)
}

/// Creates the demo accounts that do not exist yet; returns the admin.
async fn accounts(core: &Core, out: &mut impl Write) -> anyhow::Result<[Caller; 3]> {
    let path = core.config.storage.data_dir.join("demo-credentials.txt");
    let mut lines = Vec::new();
    let mut callers = Vec::with_capacity(3);
    for (email, name, role) in [
        ("admin@demo.rezerve.test", "Demo Admin", Role::Admin),
        ("staff@demo.rezerve.test", "Demo Box Office", Role::Staff),
        (
            "customer@demo.rezerve.test",
            "Demo Customer",
            Role::Customer,
        ),
    ] {
        let user = match core.auth.find_by_email(email).await? {
            Some(user) => user,
            None => {
                let password = generate_password();
                let user = core
                    .auth
                    .create_user(NewUser {
                        email: email.into(),
                        password: password.clone(),
                        name: name.into(),
                        phone: None,
                        role,
                    })
                    .await?;
                lines.push(format!("{role:<8} {email}  password: {password}"));
                user
            }
        };
        callers.push(Caller {
            user_id: user.id,
            email: user.email,
            role,
        });
    }
    if !lines.is_empty() {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        for line in &lines {
            writeln!(file, "{line}")?;
        }
        writeln!(out, "demo accounts (also saved in {}):", path.display())?;
        for line in &lines {
            writeln!(out, "  {line}")?;
        }
    }
    callers
        .try_into()
        .map_err(|_| anyhow::anyhow!("the three demo accounts exist"))
}
