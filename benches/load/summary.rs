//! The lines under the table (memory, mail, setup, machine) and the run's JSON line in
//! `load-report.jsonl`.

use super::proc_stats::filesystem_of;
use super::report::{Level, Machine};
use super::{ARGON2_ITERATIONS, ARGON2_MEMORY_KIB, EVENTS, HOT_ROWS, HOT_SEATS_PER_ROW};
use super::{ROWS, SEATS_PER_ROW};
use anyhow::Context;
use serde_json::json;
use std::io::Write;
use std::path::Path;

/// What a run knows besides its levels.
pub struct Run<'a> {
    pub results: &'a [(&'a str, &'a str, Level)],
    pub seconds: f64,
    pub pinned: Option<&'a str>,
    pub flow_events: usize,
    pub customers: usize,
    pub setup_seconds: f64,
    /// KiB: after setup, after the run, peak.
    pub rss_kib: [u64; 3],
    pub mail_name: &'static str,
    /// Messages the SMTP sink received (none with the other transports).
    pub mail_messages: Option<u64>,
}

impl Run<'_> {
    /// Prints the facts and appends the JSON line to `target_dir/load-report.jsonl`.
    pub fn report(&self, target_dir: &Path) -> anyhow::Result<()> {
        let machine = Machine::detect();
        let filesystem = filesystem_of(target_dir);
        let [after_setup, after_run, peak] = self.rss_kib;
        println!(
            "server RSS with {EVENTS} events × {} seats and one of {}{}: {:.1} MiB after setup, {:.1} MiB after the run, {:.1} MiB peak",
            ROWS * SEATS_PER_ROW,
            HOT_ROWS * HOT_SEATS_PER_ROW,
            if self.flow_events > 0 {
                format!(
                    " (and {} more for flows: not the target's setting)",
                    self.flow_events
                )
            } else {
                String::new()
            },
            mib(after_setup),
            mib(after_run),
            mib(peak)
        );
        println!(
            "emails: {} transport{}",
            self.mail_name,
            match self.mail_messages {
                Some(n) => format!(", {n} received by the SMTP sink"),
                None => String::new(),
            }
        );
        println!(
            "setup: {:.1} s; accounts hashed with argon2 {ARGON2_MEMORY_KIB} KiB × {ARGON2_ITERATIONS} pass (cheap on purpose: hashing is not measured); durability: defaults",
            self.setup_seconds
        );
        println!(
            "machine: {} cores ({}), commit {}{}; data dir on {filesystem}",
            machine.nproc,
            machine.cpu,
            machine.commit,
            if machine.dirty {
                " + uncommitted changes"
            } else {
                ""
            }
        );

        let report = json!({
            "date": now_rfc3339(),
            "commit": machine.commit,
            "dirty": machine.dirty,
            "machine": {"nproc": machine.nproc, "cpu": machine.cpu, "filesystem": filesystem},
            "seconds_per_level": self.seconds,
            "events": EVENTS,
            "flow_events": self.flow_events,
            "seats_per_event": ROWS * SEATS_PER_ROW,
            "hot_event_seats": HOT_ROWS * HOT_SEATS_PER_ROW,
            "server_cpus": self.pinned,
            "mail": self.mail_name,
            "mail_messages": self.mail_messages,
            "load_average": load_average(),
            "customers": self.customers,
            "argon2": {"memory_kib": ARGON2_MEMORY_KIB.parse::<u32>()?, "iterations": ARGON2_ITERATIONS.parse::<u32>()?},
            "setup_seconds": self.setup_seconds,
            "rss_kib": {"after_setup": after_setup, "after_run": after_run, "peak": peak},
            "levels": self.results.iter().map(|(phase, unit, l)| l.to_json(phase, unit)).collect::<Vec<_>>(),
        });
        let path = target_dir.join("load-report.jsonl");
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        writeln!(file, "{report}")?;
        println!("appended to {}", path.display());
        Ok(())
    }
}

/// The machine's 1-minute load average, as /proc/loadavg gives it.
pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .expect("a UTC time formats as RFC 3339")
}

pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
