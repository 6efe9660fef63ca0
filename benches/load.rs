//! The HTTP load generator: `cargo bench --bench load`.
//!
//! Starts the real `rezerve` binary on loopback with a fresh data dir and default durability
//! (SQLite `synchronous=FULL`, redb's default commits), loads 100 events of 1,000 seats and
//! one "hot" event of 20,000, then runs each phase at every client count and reports
//! throughput, latency percentiles, conflicts, errors, the CPU split between server and
//! generator, how long the server's background work (seat history, pricing, emails) went on
//! after the level ended (the drain), the bytes it wrote per operation (level and drain;
//! email files counted apart) and its RSS. The figures go to stdout as a table, with a summary
//! beside the project's targets, and, as one JSON line, to `target/load-report.jsonl`.
//!
//! Phases: `holds` (hold and release 1–2 seats of a random event), `hot` (the same on the one
//! 20,000-seat event: the minute a show goes on sale) and `flows` (hold → book → pay).
//! `ceiling` (opt-in) runs the same clients against the two cheapest routes, `healthz`
//! (`GET /healthz`: no auth, no store) and `me` (`GET /api/v1/auth/me`: a kiosk's token
//! checked, one pooled SQLite read): what this machine's HTTP stack and generator do with
//! no domain work. A hold level sends two requests per hold (hold, release) and a flow three,
//! so `healthz`/2 and `healthz`/3 bound the holds and flows rates.
//!
//! Environment: `LOAD_SECONDS` (per phase and client count, default 5), `LOAD_CLIENTS`
//! (default `1,16,64,256`), `LOAD_PHASES` (default `holds,hot,flows`; `ceiling` adds
//! `healthz` and `me`, which run first), `LOAD_MAIL` (where the server's emails go: `file`,
//! the embedded default, one `.eml` each under the data dir; `smtp`, a relay: the
//! generator's own sink, `load/smtp_sink.rs`; or `log`) and `LOAD_CPUS`: with
//! `LOAD_CPUS=N` the server is pinned to the first N cores and the generator to the others
//! (the closest a 2-core machine gets to a small board). `LOAD_BINARY` runs another
//! `rezerve` build than the one cargo built (an earlier commit's, for a back-to-back
//! comparison). The bench's accounts are hashed with a cheap argon2 setting (64 KiB,
//! 1 pass): hashing is not what is measured, and the output says so.
//!
//! The generator shares the machine's cores with the server, so it stays lean: one keep-alive
//! connection per client through a small HTTP/1.1 client of its own (`load/wire.rs`: reqwest
//! cost more CPU per request than the server's `GET /healthz`), request bodies and paths built
//! before the clock starts, and no per-request JSON work beyond reading a new hold's id. Before each level it waits for
//! the server to go idle, so background work left by the previous one is not billed to it.
//!
//! This file holds the list of phases and the level driver; `load/` holds the simulated
//! clients and each phase's loop (`clients.rs`), the server process (`server.rs`), the events
//! and accounts (`setup.rs`), the /proc readings (`proc_stats.rs`), the table and JSON report
//! (`report.rs`), the HTTP client (`wire.rs`) and the SMTP sink (`smtp_sink.rs`). `#[path]`
//! keeps them out of Cargo's bench auto-discovery.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a bench is a test harness: a failed unwrap stops the run where it broke"
)]

#[path = "load/clients.rs"]
mod clients;
#[path = "load/proc_stats.rs"]
mod proc_stats;
#[path = "load/report.rs"]
mod report;
#[path = "load/server.rs"]
mod server;
#[path = "load/setup.rs"]
mod setup;
#[path = "load/smtp_sink.rs"]
mod smtp_sink;
#[path = "load/summary.rs"]
mod summary;
#[path = "load/wire.rs"]
mod wire;

use anyhow::{Context, ensure};
use clients::{Session, Tally, Target, ceiling_client, flows_client, holds_client};
use proc_stats::{
    clock_ticks_per_second, cpu_ticks, machine_ticks, nproc, thread_times, written_bytes,
};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use report::{Level, print_table, print_targets};
use server::{Mail, Server};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};
use summary::mib;
use tokio::sync::Barrier;
use tokio::task::JoinSet;
use wire::Wire;

const EVENTS: usize = 100;
/// The flows target (flows a second): sizes the flows phase's events.
const FLOWS_TARGET: f64 = 5_000.0;
const ROWS: usize = 20;
const SEATS_PER_ROW: usize = 50;
/// The hot event: 40 rows × 500 seats.
const HOT_ROWS: usize = 40;
const HOT_SEATS_PER_ROW: usize = 500;
const ADMIN_EMAIL: &str = "admin@load.local";
const PASSWORD: &str = "load-generator-password";
/// Argon2 cost for the bench's accounts, passed to the server as config.
const ARGON2_MEMORY_KIB: &str = "64";
const ARGON2_ITERATIONS: &str = "1";
/// Concurrent requests while setting up events and accounts.
const SETUP_CONCURRENCY: usize = 8;

/// One simulated client's loop: runs until `session.deadline` and tallies what happened.
type Worker = fn(Session) -> Pin<Box<dyn Future<Output = Tally> + Send>>;

/// A phase: its name, what one `ok` counts, and its client loop. Every chosen phase runs at
/// every client count, in this order.
const PHASES: &[(&str, &str, Worker)] = &[
    ("healthz", "requests", |s| {
        Box::pin(ceiling_client(s, "/healthz", false))
    }),
    ("me", "requests", |s| {
        Box::pin(ceiling_client(s, "/api/v1/auth/me", true))
    }),
    ("holds", "holds", |s| Box::pin(holds_client(s, false))),
    ("hot", "holds", |s| Box::pin(holds_client(s, true))),
    ("flows", "flows", |s| Box::pin(flows_client(s))),
];

fn main() -> anyhow::Result<()> {
    // Pinned before the runtime starts, so every thread it spawns inherits the cores.
    let cpus = cpu_split()?;
    if let Some((_, Some(list))) = &cpus {
        let pinned = std::process::Command::new("taskset")
            .args(["-p", "-c", list, &std::process::id().to_string()])
            .stdout(std::process::Stdio::null())
            .status()
            .context("cannot run taskset")?;
        ensure!(pinned.success(), "taskset failed to pin the generator");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    runtime.block_on(run(cpus))
}

async fn run(cpus: Option<(String, Option<String>)>) -> anyhow::Result<()> {
    let seconds = env_or("LOAD_SECONDS", "5")
        .parse::<f64>()
        .context("LOAD_SECONDS must be a number of seconds")?;
    ensure!(seconds > 0.0, "LOAD_SECONDS must be positive");
    let levels = env_or("LOAD_CLIENTS", "1,16,64,256")
        .split(',')
        .map(|n| n.trim().parse::<usize>())
        .collect::<Result<Vec<_>, _>>()
        .context("LOAD_CLIENTS must be a comma-separated list of client counts")?;
    ensure!(
        levels.iter().all(|&n| n > 0),
        "LOAD_CLIENTS: counts must be positive"
    );
    let chosen = env_or("LOAD_PHASES", "holds,hot,flows");
    let chosen: Vec<&str> = chosen
        .split(',')
        .map(str::trim)
        .flat_map(|name| match name {
            "ceiling" => vec!["healthz", "me"],
            name => vec![name],
        })
        .collect();
    for name in &chosen {
        ensure!(
            PHASES.iter().any(|(phase, _, _)| phase == name),
            "LOAD_PHASES: no phase `{name}` (there are holds, hot, flows and ceiling)"
        );
    }
    let customers = levels.iter().copied().max().unwrap_or(1);
    let flow_events = if chosen.contains(&"flows") {
        flow_events(seconds)
    } else {
        0
    };
    let target_dir = target_dir();
    std::fs::create_dir_all(&target_dir)?;

    let mail = Mail::from_env().await?;
    let server = Server::start(&target_dir, cpus.as_ref().map(|(s, _)| s.as_str()), mail).await?;
    eprintln!(
        "load: server pid {} on {}{}, emails by {}; setting up {EVENTS} events × {} seats, one of {}, {flow_events} more for flows and {customers} customers",
        server.pid(),
        server.base,
        cpus.as_ref()
            .map(|(s, _)| format!(" pinned to cpu {s}"))
            .unwrap_or_default(),
        server.mail_name(),
        ROWS * SEATS_PER_ROW,
        HOT_ROWS * HOT_SEATS_PER_ROW
    );
    let setup_started = Instant::now();
    let target = Arc::new(
        setup::set_up(&server, customers, flow_events)
            .await
            .with_context(|| {
                format!(
                    "setting up failed; the server's log is {}",
                    server.log.display()
                )
            })?,
    );
    let setup_seconds = setup_started.elapsed().as_secs_f64();
    let rss_after_setup = server.rss_kib()?;

    let mut results = Vec::new();
    for &(phase, unit, worker) in PHASES.iter().filter(|(p, _, _)| chosen.contains(p)) {
        for &clients in &levels {
            let settled = server.settle().await?;
            eprintln!(
                "load: {phase} with {clients} clients for {seconds} s (server idle after {:.1} s)",
                settled.as_secs_f64()
            );
            let level = run_level(&server, &target, clients, seconds, worker)
                .await
                .with_context(|| format!("{phase} with {clients} clients"))?;
            server.ensure_alive()?;
            results.push((phase, unit, level));
        }
    }
    let rss_after_run = server.rss_kib()?;
    let rss_peak = server.status_kib("VmHWM")?;
    let mail_name = server.mail_name();
    let mail_messages = server.mail_messages();
    drop(server);

    let pinned = cpus.as_ref().map(|(s, _)| s.as_str());
    print_table(&results, seconds, pinned);
    println!();
    print_targets(&results, mib(rss_peak), flow_events);
    println!();
    summary::Run {
        results: &results,
        seconds,
        pinned,
        flow_events,
        customers,
        setup_seconds,
        rss_kib: [rss_after_setup, rss_after_run, rss_peak],
        mail_name,
        mail_messages,
    }
    .report(&target_dir)
}

/// Runs `clients` sessions of `worker` at once for `seconds`, after each has opened its
/// connection, and merges what they counted.
async fn run_level(
    server: &Server,
    target: &Arc<Target>,
    clients: usize,
    seconds: f64,
    worker: Worker,
) -> anyhow::Result<Level> {
    let run_for = Duration::from_secs_f64(seconds);
    let start_line = Arc::new(Barrier::new(clients + 1));
    let mut tasks = JoinSet::new();
    for i in 0..clients {
        let session = Session {
            wire: Wire::new(&target.base)?,
            target: Arc::clone(target),
            auth: target.tokens[i].clone(),
            rng: SmallRng::seed_from_u64(0x5eed ^ ((clients as u64) << 32) ^ i as u64),
            deadline: Instant::now(),
        };
        let start_line = Arc::clone(&start_line);
        tasks.spawn(async move {
            let mut session = session;
            // Open this client's connection before the clock starts; failures show up later.
            let _ = session.wire.connect().await;
            start_line.wait().await;
            session.deadline = Instant::now() + run_for;
            worker(session).await
        });
    }
    start_line.wait().await;
    let started = Instant::now();
    let (server_ticks, own_ticks) = (cpu_ticks(server.pid())?, cpu_ticks(std::process::id())?);
    let (threads_before, machine_before) = (thread_times(server.pid()), machine_ticks()?);
    let written_before = written_bytes(server.pid())?;
    let device_before = server.device_written()?;
    let mail_before = server.mail_bytes();
    let commits_before = server.group_commits().await?;
    let mut tally = Tally::new();
    while let Some(done) = tasks.join_next().await {
        tally.merge(done.context("a client task panicked")?);
    }
    let elapsed = started.elapsed();
    let per_second = clock_ticks_per_second() * elapsed.as_secs_f64();
    let machine_after = machine_ticks()?;
    let (server_after, own_after) = (cpu_ticks(server.pid())?, cpu_ticks(std::process::id())?);
    let threads_after = thread_times(server.pid());
    let commits_after = server.group_commits().await?;
    let group_commits = [0, 1].map(|i| {
        let (commits, writes) = (
            commits_after[i].0 - commits_before[i].0,
            commits_after[i].1 - commits_before[i].1,
        );
        (commits / elapsed.as_secs_f64(), writes / commits.max(1.0))
    });
    // What the load left behind is billed to it: writes are counted to the drain's end, and
    // to the copy of SQLite's log that follows it.
    let drain = server.drain().await?;
    server.wait_log_copied().await?;
    let server_cpu_per_op_us =
        (cpu_ticks(server.pid())? - server_ticks) as f64 / clock_ticks_per_second() * 1e6
            / tally.ok.max(1) as f64;
    let written_after = written_bytes(server.pid())?;
    let device = server.device_written()?.saturating_sub(device_before);
    let mail = server.mail_bytes().saturating_sub(mail_before);
    let discarded = written_after.1.saturating_sub(written_before.1);
    // Email files are counted apart; what went to the SMTP sink was never written here.
    let mail_files = if server.mail_name() == "file" {
        mail
    } else {
        0
    };
    let written = (written_after.0.saturating_sub(written_before.0))
        .saturating_sub(discarded)
        .saturating_sub(mail_files);
    let machine_cores = (machine_after.0 - machine_before.0) as f64
        / (machine_after.1 - machine_before.1).max(1) as f64
        * nproc() as f64;
    let ns = elapsed.as_nanos() as f64;
    let mut server_threads: Vec<(String, f64, f64)> = threads_after
        .into_iter()
        .map(|(name, (run, wait))| {
            let (run0, wait0) = threads_before.get(&name).copied().unwrap_or_default();
            let cores = |now: u64, then: u64| now.saturating_sub(then) as f64 / ns;
            (name, cores(run, run0), cores(wait, wait0))
        })
        .filter(|(_, run, wait)| run + wait > 0.001)
        .collect();
    server_threads.sort_by(|a, b| b.1.total_cmp(&a.1));
    Ok(Level {
        clients,
        elapsed,
        tally,
        server_cores: (server_after - server_ticks) as f64 / per_second,
        server_cpu_per_op_us,
        generator_cores: (own_after - own_ticks) as f64 / per_second,
        machine_cores,
        server_threads,
        drain,
        group_commits,
        written,
        device,
        discarded,
        mail,
        rss_kib: server.rss_kib()?,
        load_average: summary::load_average(),
    })
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// `LOAD_CPUS=N`: the server's cores (`0-(N-1)`) and the generator's (the rest, if any).
fn cpu_split() -> anyhow::Result<Option<(String, Option<String>)>> {
    let Ok(n) = std::env::var("LOAD_CPUS") else {
        return Ok(None);
    };
    let n: usize = n
        .trim()
        .parse()
        .context("LOAD_CPUS must be a number of cores")?;
    let all = nproc();
    ensure!(
        (1..=all).contains(&n),
        "LOAD_CPUS must be between 1 and {all}"
    );
    let list = |from: usize, to: usize| {
        if from == to {
            from.to_string()
        } else {
            format!("{from}-{to}")
        }
    };
    Ok(Some((list(0, n - 1), (n < all).then(|| list(n, all - 1)))))
}

/// Events the flows phase needs beyond the shared [`EVENTS`]: enough that a level of
/// `seconds` at the target rate sells at most half the seats (1.5 seats a flow on average).
/// Unlike a hold, a flow keeps its seats, and a nearly sold-out event turns the level into a
/// stream of conflicts: the 30 s level of `2d696a8` over the 100 shared events met 301,642
/// conflicts for 71,377 flows, refusals that took the CPU the flows and the background
/// needed.
fn flow_events(seconds: f64) -> usize {
    let seats = seconds * FLOWS_TARGET * 1.5 * 2.0;
    let events = (seats / (ROWS * SEATS_PER_ROW) as f64).ceil() as usize;
    events.saturating_sub(EVENTS)
}

fn env_or(key: &str, default: &str) -> String {
    std::env::var(key).unwrap_or_else(|_| default.to_string())
}
