//! Gauges read at scrape time: the queue's depth, store and disk sizes, the last backup,
//! the seat index's size and the process's own figures. Reading them when Prometheus asks
//! costs one grouped count and a few `stat` calls per scrape, and never shows a stale value.
//!
//! The `metrics` recorder is process-global, so in a process that runs several apps (the
//! test suite) the last app scraped sets these; a deployed process runs one.

use crate::inventory::Inventory;
use crate::jobs::{JobKind, JobStatus, Jobs};
use crate::metric::names::*;
use metrics::gauge;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// What the scrape reads from.
#[derive(Clone)]
pub struct Sources {
    pub jobs: Jobs,
    pub inventory: Inventory,
    pub data_dir: PathBuf,
}

impl std::fmt::Debug for Sources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sources({})", self.data_dir.display())
    }
}

/// Sets every scrape-time gauge. A source that cannot be read keeps its last value and is
/// logged; the scrape itself still answers.
pub async fn refresh(sources: &Sources) {
    refresh_queue(&sources.jobs).await;
    let size = sources.inventory.index_size();
    gauge!(INVENTORY_INDEX_EVENTS).set(size.events as f64);
    gauge!(INVENTORY_INDEX_SEATS).set(size.seats as f64);
    gauge!(HOLDS_ACTIVE).set(size.holds as f64);
    let dir = sources.data_dir.clone();
    if tokio::task::spawn_blocking(move || refresh_files(&dir))
        .await
        .is_err()
    {
        tracing::warn!("metrics: reading the data dir's figures failed");
    }
}

/// Sets queued, running and dead per kind: every known kind, so one that drains to zero
/// reads 0 rather than its last non-zero value.
async fn refresh_queue(jobs: &Jobs) {
    let depth = match jobs.depth().await {
        Ok(depth) => depth,
        Err(e) => {
            tracing::warn!(error = %e, "metrics: cannot count jobs");
            return;
        }
    };
    // Summed as integers: an empty f64 sum is -0.0, which Prometheus prints as `-0`.
    let count = |kind: &str, status: JobStatus| -> f64 {
        depth
            .iter()
            .filter(|d| JobKind::label(&d.kind) == kind && d.status == status)
            .map(|d| d.count)
            .sum::<i64>() as f64
    };
    let kinds = JobKind::ALL
        .iter()
        .map(|k| k.as_str())
        .chain(std::iter::once("other"));
    for kind in kinds {
        gauge!(JOBS_QUEUED, "kind" => kind).set(count(kind, JobStatus::Queued));
        gauge!(JOBS_RUNNING, "kind" => kind).set(count(kind, JobStatus::Running));
        gauge!(JOBS_DEAD, "kind" => kind).set(count(kind, JobStatus::Dead));
    }
}

/// File sizes, free disk, the last backup and the process. Blocking.
fn refresh_files(dir: &Path) {
    let size = |path: PathBuf| {
        std::fs::metadata(path)
            .map(|m| m.len() as f64)
            .unwrap_or(0.0)
    };
    let db = crate::store::sqlite_path(dir);
    gauge!(STORE_SQLITE_WAL_BYTES).set(size(wal_path(&db)));
    gauge!(STORE_SQLITE_BYTES).set(size(db));
    gauge!(STORE_HOLDS_BYTES).set(size(crate::store::redb_path(dir)));
    match rustix::fs::statvfs(dir) {
        Ok(fs) => {
            gauge!(STORE_DISK_FREE_BYTES).set((fs.f_bavail * fs.f_frsize) as f64);
            gauge!(STORE_DISK_SIZE_BYTES).set((fs.f_blocks * fs.f_frsize) as f64);
        }
        Err(e) => tracing::warn!(error = %e, "metrics: cannot read free disk space"),
    }
    let backup = crate::store::backup::last_backup_at(dir).unwrap_or(0);
    gauge!(STORE_LAST_BACKUP_TIMESTAMP_SECONDS).set(backup as f64);
    refresh_process();
}

fn wal_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// The process's figures (memory, CPU, descriptors, threads, start time) in Prometheus'
/// standard names, then uptime and the memory limit.
fn refresh_process() {
    let m = metrics_process::collector::collect();
    if let Some(cpu) = m.cpu_seconds_total {
        CPU_SECONDS.store(cpu.to_bits(), Ordering::Relaxed);
    }
    let gauges = [
        (PROCESS_RESIDENT_MEMORY_BYTES, m.resident_memory_bytes),
        (PROCESS_VIRTUAL_MEMORY_BYTES, m.virtual_memory_bytes),
        (PROCESS_VIRTUAL_MEMORY_MAX_BYTES, m.virtual_memory_max_bytes),
        (PROCESS_OPEN_FDS, m.open_fds),
        (PROCESS_MAX_FDS, m.max_fds),
        (PROCESS_THREADS, m.threads),
        (PROCESS_START_TIME_SECONDS, m.start_time_seconds),
    ];
    for (name, value) in gauges {
        if let Some(value) = value {
            gauge!(name).set(value as f64);
        }
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp_nanos() as f64 / 1e9;
    gauge!(PROCESS_UPTIME_SECONDS).set((now - started_at()).max(0.0));
    if let Some(limit) = memory_limit() {
        gauge!(PROCESS_MEMORY_LIMIT_BYTES).set(limit as f64);
    }
}

/// CPU seconds at the last refresh, as `f64` bits.
static CPU_SECONDS: AtomicU64 = AtomicU64::new(0);

/// `rezerve_process_cpu_seconds_total` in the text format. The recorder's counters are
/// whole numbers, and CPU time is counted in clock ticks (1/100 s), so this one counter is
/// written here rather than through the recorder; `/metrics` appends it to the rest.
pub fn cpu_exposition() -> String {
    let cpu = f64::from_bits(CPU_SECONDS.load(Ordering::Relaxed));
    format!(
        "# HELP {PROCESS_CPU_SECONDS_TOTAL} Total user and system CPU time spent in seconds.\n\
         # TYPE {PROCESS_CPU_SECONDS_TOTAL} counter\n\
         {PROCESS_CPU_SECONDS_TOTAL} {cpu}\n"
    )
}

/// Whether a store took the readiness probe's write (what `/readyz` checks).
pub fn store_writable(store: &'static str, writable: bool) {
    gauge!(STORE_WRITABLE, "store" => store).set(if writable { 1.0 } else { 0.0 });
}

/// When this process started, Unix seconds: taken on first call (at start-up, from
/// `metrics_handle`), which is close enough for an uptime counted in minutes and days.
pub(super) fn started_at() -> f64 {
    static STARTED: OnceLock<f64> = OnceLock::new();
    *STARTED.get_or_init(|| time::OffsetDateTime::now_utc().unix_timestamp_nanos() as f64 / 1e9)
}

/// The cgroup v2 `memory.max` of this process (what systemd's `MemoryMax=` sets), else the
/// machine's memory: the ceiling the "memory near the limit" alert compares against.
fn memory_limit() -> Option<u64> {
    let cgroup = std::fs::read_to_string("/proc/self/cgroup").ok();
    let from_cgroup = cgroup
        .as_deref()
        .and_then(|c| c.lines().find_map(|l| l.strip_prefix("0::")))
        .and_then(|path| {
            let file = Path::new("/sys/fs/cgroup")
                .join(path.trim_start_matches('/'))
                .join("memory.max");
            std::fs::read_to_string(file).ok()
        })
        .and_then(|v| v.trim().parse::<u64>().ok());
    let machine = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map(|kib| kib * 1024);
    match (from_cgroup, machine) {
        (Some(c), Some(m)) => Some(c.min(m)),
        (c, m) => c.or(m),
    }
}
