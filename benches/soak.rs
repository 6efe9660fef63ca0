//! The soak test: `cargo bench --bench soak` (issue 14). Not part of `cargo test`: it runs
//! for minutes.
//!
//! The release binary serves a data dir under `target/` (real fsyncs) with short-lived holds
//! (5 s). Customers run hold → book → pay flows on a few large events, some abandoning their
//! holds or bookings; after a random 1–3 s the server is `kill -9`ed mid-flight and started
//! again on the same data dir, `SOAK_CYCLES` times (default 20). Then, with the server up and
//! idle past every hold's expiry, it reports:
//! - **acknowledged bookings lost**: payments answered 201 `confirmed` whose booking is not
//!   confirmed with one ticket per seat now (must be 0);
//! - **seats sold twice**: a seat of an event in two confirmed bookings, or the seat maps'
//!   sold count differing from the confirmed bookings' seats (must be 0);
//! - **holds left past their TTL**: seats still `held`, abandoned holds still answering, or
//!   bookings still `pending_payment` once every expiry has passed (must be 0);
//!
//! and runs `rezerve check` on the stopped data dir. Exits 1 if any figure is not 0.
//! `SOAK_CLIENTS` sets the number of customers (default 16).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a bench is a test harness: a failed unwrap stops the run where it broke"
)]

#[path = "soak/flows.rs"]
mod flows;
#[path = "soak/process.rs"]
mod process;
#[path = "soak/verify.rs"]
mod verify;

use anyhow::{Context, ensure};
use process::Process;
use rand::Rng;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Hold (and unpaid booking) lifetime on the soaked server.
pub const TTL_SECONDS: u64 = 5;
pub const EVENTS: usize = 4;
pub const ROWS: usize = 20;
pub const SEATS_PER_ROW: usize = 50;
pub const ADMIN_EMAIL: &str = "admin@soak.local";
pub const PASSWORD: &str = "soak-test-password";

/// What the clients were told, across every cycle.
#[derive(Debug, Default)]
pub struct Seen {
    /// Payments answered 201 confirmed: booking id → (customer token, event id, seats).
    pub confirmed: Vec<(String, String, String, Vec<String>)>,
    /// Holds the clients let go without booking: (token, hold id).
    pub abandoned: Vec<(String, String)>,
    /// Requests sent, and those answered.
    pub sent: u64,
    pub answered: u64,
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    runtime.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let cycles: usize = env_or("SOAK_CYCLES", "20")
        .parse()
        .context("SOAK_CYCLES must be a number")?;
    let clients: usize = env_or("SOAK_CLIENTS", "16")
        .parse()
        .context("SOAK_CLIENTS must be a number")?;
    ensure!(
        cycles > 0 && clients > 0,
        "SOAK_CYCLES and SOAK_CLIENTS must be positive"
    );
    let target = target_dir();
    std::fs::create_dir_all(&target)?;
    // Under target/ rather than /tmp: /tmp may be a tmpfs, where an fsync costs nothing.
    let work = tempfile::Builder::new()
        .prefix("soak-data-")
        .tempdir_in(&target)?;
    let started = Instant::now();
    process::add_admin(work.path())?;
    let mut server = Process::start(work.path()).await?;
    let setup = flows::set_up(&server.base, clients).await?;
    eprintln!(
        "soak: {EVENTS} events × {} seats, {clients} customers; {cycles} kill -9 cycles",
        ROWS * SEATS_PER_ROW
    );

    let seen = Arc::new(Mutex::new(Seen::default()));
    for cycle in 1..=cycles {
        let load = Duration::from_millis(rand::rng().random_range(1_000..3_000));
        let tasks = flows::spawn_clients(&server.base, &setup, Arc::clone(&seen));
        tokio::time::sleep(load).await;
        // SIGKILL with requests in flight: no shutdown code runs.
        server.kill_9()?;
        for task in tasks {
            task.await.context("a client task")?;
        }
        let confirmed = seen.lock().expect("seen").confirmed.len();
        eprintln!(
            "soak: cycle {cycle}/{cycles}: killed after {:.1} s of load; {confirmed} confirmations acknowledged so far",
            load.as_secs_f64()
        );
        server = Process::start(work.path()).await?;
    }

    // Every hold and unpaid booking made before the last kill has expired by now; the
    // restarted server has released them (at start-up or by its sweeper).
    tokio::time::sleep(Duration::from_secs(TTL_SECONDS + 3)).await;
    let seen = std::mem::take(&mut *seen.lock().expect("seen"));
    let report = verify::verify(&server.base, &setup, &seen).await?;
    server.stop()?;
    let check = process::check(work.path())?;

    println!(
        "soak: {cycles} kill -9 / restart cycles in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    println!(
        "soak: {} requests sent, {} answered; {} payments acknowledged confirmed, {} holds abandoned",
        seen.sent,
        seen.answered,
        seen.confirmed.len(),
        seen.abandoned.len()
    );
    println!("soak: bookings by status now: {}", report.statuses);
    println!("soak: acknowledged bookings lost: {}", report.lost);
    println!("soak: seats sold twice: {}", report.sold_twice);
    println!("soak: holds left past their TTL: {}", report.stale_holds);
    println!(
        "soak: rezerve check: {}",
        if check.is_empty() {
            "passed".to_string()
        } else {
            check.clone()
        }
    );
    for problem in &report.details {
        println!("soak:   {problem}");
    }
    ensure!(
        report.lost == 0 && report.sold_twice == 0 && report.stale_holds == 0 && check.is_empty(),
        "the soak test found lost, double-sold or stale state"
    );
    Ok(())
}

/// A concert of `ROWS` × `SEATS_PER_ROW` standard seats a month from now.
pub fn concert(i: usize) -> Value {
    let rows: Vec<Value> = (0..ROWS)
        .map(|r| json!({"row": char::from(b'A' + r as u8).to_string(), "seats": SEATS_PER_ROW}))
        .collect();
    let starts_at = (time::OffsetDateTime::now_utc() + time::Duration::days(30))
        .replace_nanosecond(0)
        .expect("zero nanoseconds is valid")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("a UTC time formats as RFC 3339");
    json!({
        "name": format!("Soak concert {i}"), "category": "concert", "starts_at": starts_at,
        "venue": {"name": "Soak Hall"},
        "seat_map": {"sections": [{"name": "Stalls", "rows": rows}]},
        "prices": {"standard": {"amount_minor": 90000, "currency": "INR"}}
    })
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

fn env_or(key: &str, default: &str) -> String {
    std::env::var(key).unwrap_or_else(|_| default.to_string())
}
