//! What a run found: one `Level` per phase and client count, the table on stdout, and the
//! facts about the machine and commit that go beside the figures in the JSON report.

use super::proc_stats::nproc;
use super::{EVENTS, ROWS, SEATS_PER_ROW, Tally};
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
    /// Bytes the server wrote to disk (both stores, logs included), net of `discarded`.
    pub written: u64,
    /// Bytes written to temporary files that were deleted before reaching the disk.
    pub discarded: u64,
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
            "server_disk_write_bytes": self.written,
            "server_discarded_write_bytes": self.discarded,
            "server_threads": self.server_threads.iter()
                .map(|(name, run, wait)| json!({"name": name, "cpu_cores": run, "runqueue_cores": wait}))
                .collect::<Vec<_>>(),
        })
    }
}

pub fn print_table(results: &[(&str, &str, Level)], seconds: f64) {
    println!();
    println!(
        "Rezerve load: {EVENTS} events × {} seats, {seconds} s per level, loopback, durable commits",
        ROWS * SEATS_PER_ROW
    );
    let mut last_phase = "";
    for (phase, unit, level) in results {
        if *phase != last_phase {
            println!();
            println!(
                "{:<8}{:>8}{:>12}{:>9}{:>9}{:>9}{:>10}{:>10}{:>11}{:>8}{:>9}{:>9}{:>9}",
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
                "box cpu"
            );
            last_phase = phase;
        }
        println!(
            "{:<8}{:>8}{:>12.0}{:>9.2}{:>9.2}{:>9.2}{:>10}{:>10}{:>11}{:>8}{:>9.2}{:>9.2}{:>9.2}",
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
        let seconds = level.elapsed.as_secs_f64();
        println!(
            "  {phase} @ {:>3} clients: {:.1} MiB/s written (+{:.1}), {:.1} KiB per {}; {}",
            level.clients,
            level.written as f64 / seconds / 1048576.0,
            level.discarded as f64 / seconds / 1048576.0,
            level.written as f64 / level.tally.ok.max(1) as f64 / 1024.0,
            unit.trim_end_matches('s'),
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
        "cpu = cores used on average while the level ran: srv = the server, gen = this generator, box = the whole machine (other processes too)"
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
