//! The staff console's render times: `cargo bench --bench console`.
//!
//! Starts the real `rezerve` binary on loopback with a fresh data dir (as `benches/load.rs`
//! does, with its server module), loads 100 events of 1,000 seats and one 20,000-seat
//! stadium through the API with real content (paid bookings, live holds, blocked seats,
//! check-ins), signs in to the console through its login form, then asks for each page, one
//! request at a time over one keep-alive connection, and reports per page:
//! - the time from sending the request to having read the whole page (p50/p90/p99/max), which
//!   is the server's time to answer plus a loopback round trip;
//! - the server's own mean, from its `rezerve_http_request_duration_seconds` sum and count
//!   (read from `/metrics` before and after each page's run);
//! - the server's CPU time per page (utime + stime from /proc), which other load on the
//!   machine barely changes, and how many of the machine's cores were busy meanwhile;
//! - the HTML's size in bytes (the largest of the run).
//!
//! Targets (issue 10): the dashboard and an event's seat map under 50 ms on the server, a
//! 20,000-seat map's overview under 100 ms and under 500 KB of HTML.
//!
//! Environment: `CONSOLE_REQUESTS` (timed requests per page, default 300). Figures go to stdout
//! as a table and, as one JSON line, to `target/console-report.jsonl`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a bench is a test harness: a failed unwrap stops the run where it broke"
)]

#[path = "load/proc_stats.rs"]
#[allow(dead_code)]
mod proc_stats;
#[path = "load/server.rs"]
#[allow(dead_code)]
mod server;
#[path = "console/setup.rs"]
mod setup;
#[path = "load/smtp_sink.rs"]
#[allow(dead_code)]
mod smtp_sink;

use anyhow::{Context, ensure};
use hdrhistogram::Histogram;
use proc_stats::{clock_ticks_per_second, cpu_ticks, machine_ticks, nproc};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, HeaderValue};
use serde_json::json;
use server::{Mail, Server};
use setup::{BIG_SEATS, Loaded};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const EVENTS: usize = 100;
const ROWS: usize = 20;
const SEATS_PER_ROW: usize = 50;
const ADMIN_EMAIL: &str = "admin@load.local";
const PASSWORD: &str = "load-generator-password";
/// Argon2 cost for the bench's accounts (hashing is not what is measured).
const ARGON2_MEMORY_KIB: &str = "64";
const ARGON2_ITERATIONS: &str = "1";
/// Concurrent requests while setting up.
const SETUP_CONCURRENCY: usize = 8;
/// Untimed requests before each page's run (connection, caches, first-use work).
const WARM_UP: usize = 10;

/// A page to time: the paths to ask for in turn, text that proves it is that page (not a
/// sign-in redirect or an error), its route template in `/metrics`, and its target.
struct Probe {
    name: String,
    paths: Vec<String>,
    marker: &'static str,
    route: &'static str,
    target_ms: Option<f64>,
    target_bytes: Option<usize>,
}

/// What one page's run measured.
struct Measured {
    /// Microseconds from request sent to page read.
    latency: Histogram<u64>,
    server_mean_ms: Option<f64>,
    server_cpu_ms: f64,
    machine_busy_cores: f64,
    max_bytes: usize,
}

impl Measured {
    fn ms(&self, quantile: f64) -> f64 {
        self.latency.value_at_quantile(quantile) as f64 / 1000.0
    }
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    runtime.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let requests: usize = std::env::var("CONSOLE_REQUESTS")
        .unwrap_or_else(|_| "300".into())
        .parse()
        .context("CONSOLE_REQUESTS must be a number")?;
    ensure!(requests > 0, "CONSOLE_REQUESTS must be positive");
    let load_before = loadavg();
    let target_dir = target_dir();
    std::fs::create_dir_all(&target_dir)?;
    let server = Server::start(&target_dir, None, Mail::File).await?;
    eprintln!(
        "console: server pid {} on {}; loading {EVENTS} events × {} seats and one of {BIG_SEATS}",
        server.pid(),
        server.base,
        ROWS * SEATS_PER_ROW
    );
    let started = Instant::now();
    let loaded = setup::load(&server)
        .await
        .with_context(|| format!("setup failed; the server's log is {}", server.log.display()))?;
    let setup_seconds = started.elapsed().as_secs_f64();

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(60))
        .build()?;
    let cookie = setup::console_cookie(&http, &server.base).await?;
    let mut results = Vec::new();
    for probe in probes(&loaded) {
        let settled = server.settle().await?;
        eprintln!(
            "console: {} × {requests} (server idle after {:.1} s)",
            probe.name,
            settled.as_secs_f64()
        );
        let measured = measure(&http, &server, &cookie, &probe, requests)
            .await
            .with_context(|| probe.name.clone())?;
        server.ensure_alive()?;
        results.push((probe, measured));
    }
    let rss_kib = server.rss_kib()?;
    drop(server);
    let load_after = loadavg();

    print_table(&results, requests, &loaded);
    let commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty = git(&["status", "--porcelain"]).is_some_and(|s| !s.is_empty());
    println!();
    println!(
        "setup {setup_seconds:.1} s; server RSS after the run {:.1} MiB",
        rss_kib as f64 / 1024.0
    );
    println!(
        "machine: {} cores ({}); load average before {load_before}, after {load_after}; commit {commit}{}",
        nproc(),
        cpu_model(),
        if dirty { " + uncommitted changes" } else { "" }
    );
    let report = json!({
        "date": time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)?,
        "commit": commit, "dirty": dirty, "nproc": nproc(), "cpu": cpu_model(),
        "loadavg_before": load_before, "loadavg_after": load_after,
        "requests_per_page": requests, "setup_seconds": setup_seconds,
        "pages": results.iter().map(|(p, m)| json!({
            "page": p.name, "route": p.route,
            "p50_ms": m.ms(0.5), "p90_ms": m.ms(0.9), "p99_ms": m.ms(0.99),
            "max_ms": m.latency.max() as f64 / 1000.0,
            "server_mean_ms": m.server_mean_ms, "server_cpu_ms": m.server_cpu_ms,
            "machine_busy_cores": m.machine_busy_cores, "html_bytes": m.max_bytes,
        })).collect::<Vec<_>>(),
    });
    let path = target_dir.join("console-report.jsonl");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    writeln!(file, "{report}")?;
    println!("appended to {}", path.display());
    Ok(())
}

/// The pages, in the order they are timed. Pages of one event kind take each event in turn.
fn probes(loaded: &Loaded) -> Vec<Probe> {
    let each = |path: &dyn Fn(&str) -> String| loaded.events.iter().map(|id| path(id)).collect();
    let big = &loaded.big;
    vec![
        Probe {
            name: "dashboard /admin/".into(),
            paths: vec!["/admin/".into()],
            marker: "<h1>Dashboard",
            route: "/admin/",
            target_ms: Some(50.0),
            target_bytes: None,
        },
        Probe {
            name: "events list /admin/events".into(),
            paths: vec!["/admin/events".into()],
            marker: "Bench concert",
            route: "/admin/events",
            target_ms: None,
            target_bytes: None,
        },
        Probe {
            name: "seat map, 1,000 seats".into(),
            paths: each(&|id| format!("/admin/events/{id}/seats")),
            marker: "<svg class=\"seatmap\"",
            route: "/admin/events/{id}/seats",
            target_ms: Some(50.0),
            target_bytes: None,
        },
        Probe {
            name: "box office, 1,000 seats".into(),
            paths: each(&|id| format!("/admin/box-office/{id}")),
            marker: "<svg class=\"seatmap\"",
            route: "/admin/box-office/{event_id}",
            target_ms: None,
            target_bytes: None,
        },
        Probe {
            name: format!("seat map overview, {BIG_SEATS} seats"),
            paths: vec![format!("/admin/events/{big}/seats")],
            marker: "<svg class=\"overview\"",
            route: "/admin/events/{id}/seats",
            target_ms: Some(100.0),
            target_bytes: Some(500_000),
        },
        Probe {
            name: format!("seat map section, {BIG_SEATS} seats"),
            paths: loaded
                .big_sections
                .iter()
                .map(|s| {
                    let q: String = form_urlencoded::byte_serialize(s.as_bytes()).collect();
                    format!("/admin/events/{big}/seats?section={q}")
                })
                .collect(),
            marker: "<svg class=\"seatmap\"",
            route: "/admin/events/{id}/seats",
            target_ms: None,
            target_bytes: None,
        },
    ]
}

/// Times `requests` GETs of the probe's paths, in turn, after a warm-up.
async fn measure(
    http: &reqwest::Client,
    server: &Server,
    cookie: &HeaderValue,
    probe: &Probe,
    requests: usize,
) -> anyhow::Result<Measured> {
    let urls: Vec<String> = probe
        .paths
        .iter()
        .map(|p| format!("{}{p}", server.base))
        .collect();
    let get = |i: usize| {
        let url = &urls[i % urls.len()];
        async move {
            let answer = http.get(url).header(COOKIE, cookie.clone()).send().await?;
            let status = answer.status();
            let body = answer.bytes().await?;
            Ok::<_, reqwest::Error>((status, body))
        }
    };
    for i in 0..WARM_UP {
        let (status, body) = get(i).await?;
        let text = String::from_utf8_lossy(&body);
        ensure!(
            status == StatusCode::OK && text.contains(probe.marker),
            "{}: {status}, not the page ({} bytes): {}",
            urls[i % urls.len()],
            body.len(),
            text.chars().take(300).collect::<String>()
        );
    }
    let metrics_before = route_seconds(http, &server.metrics, probe.route).await?;
    let cpu_before = cpu_ticks(server.pid())?;
    let machine_before = machine_ticks()?;
    let mut latency = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let mut max_bytes = 0;
    for i in 0..requests {
        let sent = Instant::now();
        let (status, body) = get(i).await?;
        let took = sent.elapsed();
        ensure!(
            status == StatusCode::OK,
            "{}: {status}",
            urls[i % urls.len()]
        );
        latency.saturating_record(took.as_micros().max(1) as u64);
        max_bytes = max_bytes.max(body.len());
    }
    let cpu_ms = (cpu_ticks(server.pid())? - cpu_before) as f64 / clock_ticks_per_second() * 1000.0
        / requests as f64;
    let machine_after = machine_ticks()?;
    let machine_busy_cores = (machine_after.0 - machine_before.0) as f64
        / (machine_after.1 - machine_before.1).max(1) as f64
        * nproc() as f64;
    let metrics_after = route_seconds(http, &server.metrics, probe.route).await?;
    let server_mean_ms = match (metrics_before, metrics_after) {
        (Some((s0, n0)), Some((s1, n1))) if n1 > n0 => Some((s1 - s0) / (n1 - n0) * 1000.0),
        _ => None,
    };
    Ok(Measured {
        latency,
        server_mean_ms,
        server_cpu_ms: cpu_ms,
        machine_busy_cores,
        max_bytes,
    })
}

/// The server's (sum of seconds, count) of GETs of `route`, from its Prometheus text.
async fn route_seconds(
    http: &reqwest::Client,
    metrics: &str,
    route: &str,
) -> anyhow::Result<Option<(f64, f64)>> {
    let text = http.get(metrics).send().await?.text().await?;
    let name = "rezerve_http_request_duration_seconds";
    let label = format!("route=\"{route}\"");
    let value = |suffix: &str| {
        text.lines()
            .filter(|l| l.starts_with(&format!("{name}{suffix}{{")))
            .filter(|l| l.contains(&label) && l.contains("method=\"GET\""))
            .find_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
    };
    Ok(value("_sum").zip(value("_count")))
}

fn print_table(results: &[(Probe, Measured)], requests: usize, loaded: &Loaded) {
    println!();
    println!(
        "Rezerve console: {EVENTS} events × {} seats + one of {BIG_SEATS} ({} sold, {} held, {} blocked, {} checked in); {requests} sequential requests per page over loopback HTTP, signed in",
        ROWS * SEATS_PER_ROW,
        loaded.sold,
        loaded.held,
        loaded.blocked,
        loaded.checked_in
    );
    println!();
    println!(
        "{:<36}{:>8}{:>8}{:>8}{:>8}{:>10}{:>9}{:>7}{:>10}  target",
        "page", "p50 ms", "p90 ms", "p99 ms", "max ms", "srv mean", "srv cpu", "busy", "HTML KB"
    );
    for (probe, m) in results {
        let mut target = Vec::new();
        if let Some(ms) = probe.target_ms {
            let met = if m.ms(0.99) < ms { "met" } else { "MISSED" };
            target.push(format!("p99 < {ms} ms {met}"));
        }
        if let Some(bytes) = probe.target_bytes {
            let met = if m.max_bytes < bytes { "met" } else { "MISSED" };
            target.push(format!("< {} KB {met}", bytes / 1000));
        }
        println!(
            "{:<36}{:>8.1}{:>8.1}{:>8.1}{:>8.1}{:>10}{:>9.1}{:>7.2}{:>10.1}  {}",
            probe.name,
            m.ms(0.5),
            m.ms(0.9),
            m.ms(0.99),
            m.latency.max() as f64 / 1000.0,
            m.server_mean_ms
                .map_or_else(|| "-".into(), |v| format!("{v:.1}")),
            m.server_cpu_ms,
            m.machine_busy_cores,
            m.max_bytes as f64 / 1000.0,
            target.join(", ")
        );
    }
    println!();
    println!(
        "p50…max: request sent to page read, on the client; srv mean: the server's own mean (its request-duration metric); srv cpu: server CPU ms per page; busy: machine cores busy meanwhile (of {}); KB = 1,000 bytes, largest page of the run",
        nproc()
    );
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
                .map(|(_, name)| name.trim().to_string())
        })
        .unwrap_or_else(|| "unknown cpu".into())
}

fn git(args: &[&str]) -> Option<String> {
    std::process::Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}
