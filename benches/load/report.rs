//! What a run found: one `Level` per phase and client count, the table on stdout, and the
//! facts about the machine and commit that go beside the figures in the JSON report.

use super::proc_stats::nproc;
use super::{EVENTS, HOT_ROWS, HOT_SEATS_PER_ROW, ROWS, SEATS_PER_ROW, Tally};
use serde_json::{Value, json};
use std::process::Command;
use std::time::Duration;

/// One phase at one client count.
pub struct Level {
    pub clients: usize,
    pub elapsed: Duration,
    pub tally: Tally,
    /// CPU cores used on average by the server and by this generator while it ran.
    pub server_cores: f64,
    pub generator_cores: f64,
    /// Cores busy on the whole machine (other processes included) while it ran.
    pub machine_cores: f64,
    /// Per server thread name, busiest first: cores running, and cores' worth of time spent
    /// runnable but waiting for a CPU (contention with the generator or anything else).
    pub server_threads: Vec<(String, f64, f64)>,
    /// How long the server kept working after the level ended (see `Server::drain`).
    pub drain: Duration,
    /// The server's CPU from the level's start to the drain's end, per unit (µs): what an
    /// operation costs, its background included, whatever share of the machine it got.
    pub server_cpu_per_op_us: f64,
    /// While the level ran: commits per second and writes per commit of the SQLite writer
    /// (`[0]`) and of the hold store's committer (`[1]`).
    pub group_commits: [(f64, f64); 2],
    /// Bytes the server wrote to disk (both stores, logs included) from the level's start to
    /// the drain's end, net of `discarded` and of `mail`.
    pub written: u64,
    /// Bytes the disk under the data dir wrote over the same span, by its own counters: every
    /// process's writes (email files too, when written back), but each block as the disk
    /// wrote it, where `written` counts whole page-cache folios (see `device_written_bytes`).
    pub device: u64,
    /// Bytes written to temporary files that were deleted before reaching the disk.
    pub discarded: u64,
    /// Bytes of the emails delivered (files of the file transport, or what the SMTP sink
    /// received), counted apart.
    pub mail: u64,
    /// The server's RSS once drained.
    pub rss_kib: u64,
    /// The machine's 1-minute load average at the drain's end (other work on the box).
    pub load_average: f64,
}

impl Level {
    pub fn per_second(&self) -> f64 {
        self.tally.ok as f64 / self.elapsed.as_secs_f64()
    }

    pub fn ms(&self, quantile: f64) -> f64 {
        if self.tally.ok == 0 {
            return 0.0;
        }
        self.tally.latency.value_at_quantile(quantile) as f64 / 1000.0
    }

    /// p99 of single requests (for flows each of hold, book and pay), in ms.
    pub fn request_p99_ms(&self) -> f64 {
        if self.tally.requests.is_empty() {
            return 0.0;
        }
        self.tally.requests.value_at_quantile(0.99) as f64 / 1000.0
    }

    pub fn kib_per_op(&self) -> f64 {
        self.written as f64 / self.tally.ok.max(1) as f64 / 1024.0
    }

    /// The disk's own count per unit (KiB); see `device`.
    pub fn device_kib_per_op(&self) -> f64 {
        self.device as f64 / self.tally.ok.max(1) as f64 / 1024.0
    }

    pub fn errors(&self) -> u64 {
        self.tally.errors.values().sum()
    }

    pub fn to_json(&self, phase: &str, unit: &str) -> Value {
        json!({
            "phase": phase, "unit": unit, "clients": self.clients,
            "seconds": self.elapsed.as_secs_f64(),
            "ok": self.tally.ok, "per_second": self.per_second(),
            "p50_ms": self.ms(0.5), "p99_ms": self.ms(0.99),
            "max_ms": self.tally.latency.max() as f64 / 1000.0,
            "releases": self.tally.releases, "conflicts": self.tally.conflicts,
            "errors": self.errors(), "error_kinds": self.tally.errors,
            "server_cpu_cores": self.server_cores, "generator_cpu_cores": self.generator_cores,
            "machine_cpu_cores": self.machine_cores,
            "request_p99_ms": self.request_p99_ms(),
            "drain_seconds": self.drain.as_secs_f64(),
            "server_cpu_per_op_us": self.server_cpu_per_op_us,
            "sqlite_commits_per_second": self.group_commits[0].0,
            "sqlite_writes_per_commit": self.group_commits[0].1,
            "hold_store_commits_per_second": self.group_commits[1].0,
            "hold_store_writes_per_commit": self.group_commits[1].1,
            "server_disk_write_bytes": self.written,
            "device_write_bytes": self.device,
            "server_discarded_write_bytes": self.discarded,
            "server_mail_bytes": self.mail,
            "server_rss_kib": self.rss_kib,
            "load_average": self.load_average,
            "server_threads": self.server_threads.iter()
                .map(|(name, run, wait)| json!({"name": name, "cpu_cores": run, "runqueue_cores": wait}))
                .collect::<Vec<_>>(),
        })
    }
}

pub fn print_table(results: &[(&str, &str, Level)], seconds: f64, pinned: Option<&str>) {
    println!();
    println!(
        "Rezerve load: {EVENTS} events × {} seats + one of {} (hot), {seconds} s per level, loopback, durable commits{}",
        ROWS * SEATS_PER_ROW,
        HOT_ROWS * HOT_SEATS_PER_ROW,
        pinned
            .map(|c| format!(", server pinned to cpu {c}"))
            .unwrap_or_default()
    );
    let mut last_phase = "";
    for (phase, unit, level) in results {
        if *phase != last_phase {
            println!();
            println!(
                "{:<8}{:>8}{:>12}{:>9}{:>9}{:>9}{:>10}{:>10}{:>11}{:>8}{:>9}{:>9}{:>9}{:>9}{:>9}{:>7}",
                "phase",
                "clients",
                format!("{unit}/s"),
                "p50 ms",
                "p99 ms",
                "max ms",
                unit,
                "released",
                "conflicts",
                "errors",
                "srv cpu",
                "gen cpu",
                "box cpu",
                "drain s",
                "KiB/op",
                "load"
            );
            last_phase = phase;
        }
        println!(
            "{:<8}{:>8}{:>12.0}{:>9.2}{:>9.2}{:>9.2}{:>10}{:>10}{:>11}{:>8}{:>9.2}{:>9.2}{:>9.2}{:>9.1}{:>9.1}{:>7.1}",
            phase,
            level.clients,
            level.per_second(),
            level.ms(0.5),
            level.ms(0.99),
            level.tally.latency.max() as f64 / 1000.0,
            level.tally.ok,
            level.tally.releases,
            level.tally.conflicts,
            level.errors(),
            level.server_cores,
            level.generator_cores,
            level.machine_cores,
            level.drain.as_secs_f64(),
            level.kib_per_op(),
            level.load_average,
        );
    }
    println!();
    println!(
        "server disk writes (+ temp-file writes discarded before reaching the disk), and threads: cores running (+ cores' worth waiting for a CPU):"
    );
    for (phase, unit, level) in results {
        let busiest: Vec<String> = level
            .server_threads
            .iter()
            .take(5)
            .map(|(name, run, wait)| format!("{name} {run:.2} (+{wait:.2})"))
            .collect();
        let [(sqlite, sqlite_batch), (holds, holds_batch)] = level.group_commits;
        println!(
            "  {phase} @ {:>3} clients: server CPU {:.0} µs per {} (level and drain), {:.1} MiB written (+{:.1}; + {:.1} MiB emails), {:.1} KiB per {} (the disk's own count: {:.1} KiB, all processes), RSS {:.1} MiB; commits/s × writes each: sqlite {sqlite:.0} × {sqlite_batch:.1}, holds {holds:.0} × {holds_batch:.1}; {}",
            level.clients,
            level.server_cpu_per_op_us,
            unit.trim_end_matches('s'),
            level.written as f64 / 1048576.0,
            level.discarded as f64 / 1048576.0,
            level.mail as f64 / 1048576.0,
            level.kib_per_op(),
            unit.trim_end_matches('s'),
            level.device_kib_per_op(),
            level.rss_kib as f64 / 1024.0,
            busiest.join(", ")
        );
    }
    let errors: Vec<_> = results
        .iter()
        .flat_map(|(phase, _, l)| {
            l.tally
                .errors
                .iter()
                .map(move |(what, n)| format!("  {phase} @ {} clients: {n} × {what}", l.clients))
        })
        .collect();
    if !errors.is_empty() {
        println!();
        println!("errors:");
        for line in errors {
            println!("{line}");
        }
    }
    println!();
    println!(
        "cpu = cores used on average while the level ran: srv = the server, gen = this generator, box = the whole machine (other processes too); drain = seconds the server kept working after the level (background: seat history, pricing, emails); KiB/op = written to disk from the level's start to the drain's end and the copy of SQLite's log after it, per unit (email files apart); load = 1-min load average"
    );
}

/// The table: each target beside what the busiest level of its phase measured.
pub fn print_targets(results: &[(&str, &str, Level)], rss_peak_mib: f64, flow_events: usize) {
    let top = |phase: &str| {
        results
            .iter()
            .filter(|(p, _, _)| *p == phase)
            .max_by_key(|(_, _, l)| l.clients)
            .map(|(_, _, l)| l)
    };
    let row = |scenario: &str, target: &str, measured: String| {
        println!("| {scenario} | {target} | {measured} |");
    };
    println!("| scenario (most clients run) | target | measured |");
    println!("|---|---|---|");
    let rate = |l: &Level, unit: &str| {
        format!(
            "{:.0} {unit}/s, p99 {:.1} ms ({} clients, load {:.1})",
            l.per_second(),
            l.request_p99_ms(),
            l.clients,
            l.load_average
        )
    };
    if let (Some(hz), me) = (top("healthz"), top("me")) {
        row(
            "ceiling: no domain work (bounds holds/s at ½, flows/s at ⅓)",
            "—",
            format!(
                "healthz {}; auth/me {}",
                rate(hz, "req"),
                me.map(|l| rate(l, "req"))
                    .unwrap_or_else(|| "not run".into())
            ),
        );
    }
    if let Some(l) = top("holds") {
        row(
            "holds over 100 events × 1,000 seats",
            "≥ 20,000 holds/s, p99 < 50 ms",
            rate(l, "holds"),
        );
    }
    if let Some(l) = top("hot") {
        row(
            "holds on one event of 20,000 seats",
            "≥ 10,000 holds/s, p99 < 50 ms",
            rate(l, "holds"),
        );
    }
    if let Some(l) = top("flows") {
        row(
            "flows hold → book → pay",
            "≥ 5,000 flows/s, p99 < 50 ms per request",
            format!("{} (p99 per flow {:.1} ms)", rate(l, "flows"), l.ms(0.99)),
        );
    }
    let drains: Vec<String> = ["holds", "hot", "flows"]
        .iter()
        .filter_map(|p| top(p).map(|l| format!("{p} {:.1} s", l.drain.as_secs_f64())))
        .collect();
    row(
        "background drained after the load stops",
        "≤ 2 s after a 30 s run",
        drains.join(", "),
    );
    let disk: Vec<String> = ["holds", "hot", "flows"]
        .iter()
        .filter_map(|p| {
            top(p).map(|l| {
                format!(
                    "{p} {:.1} KiB (disk's count {:.1})",
                    l.kib_per_op(),
                    l.device_kib_per_op()
                )
            })
        })
        .collect();
    row(
        "disk written per operation",
        "≤ 2 KiB per hold, ≤ 16 KiB per flow",
        disk.join(", "),
    );
    row(
        "peak RSS through the whole run",
        "≤ 100 MiB",
        if flow_events > 0 {
            format!(
                "{rss_peak_mib:.1} MiB (with {flow_events} more events for flows: the target is for 100)"
            )
        } else {
            format!("{rss_peak_mib:.1} MiB")
        },
    );
}

pub struct Machine {
    pub nproc: usize,
    pub cpu: String,
    pub commit: String,
    pub dirty: bool,
}

impl Machine {
    pub fn detect() -> Machine {
        let manifest = env!("CARGO_MANIFEST_DIR");
        let git = |args: &[&str]| {
            Command::new("git")
                .args(args)
                .current_dir(manifest)
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        };
        Machine {
            nproc: nproc(),
            cpu: std::fs::read_to_string("/proc/cpuinfo")
                .ok()
                .and_then(|c| {
                    c.lines()
                        .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
                        .map(|(_, name)| name.trim().to_string())
                })
                .unwrap_or_else(|| "unknown cpu".into()),
            commit: git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into()),
            dirty: git(&["status", "--porcelain"]).is_some_and(|s| !s.is_empty()),
        }
    }
}
