//! Where the CPU went, read from /proc: per process, per thread name, and for the machine.
//! The generator shares the cores with the server, so a figure without this split says
//! little about the server.

use anyhow::{Context, ensure};
use std::collections::BTreeMap;
use std::process::Command;

/// utime + stime of a process, in clock ticks.
pub fn cpu_ticks(pid: u32) -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let (_, rest) = stat.rsplit_once(')').context("unreadable /proc stat")?;
    // After the command name: state is field 3; utime and stime are fields 14 and 15.
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11).context("no utime")?.parse()?;
    let stime: u64 = fields.get(12).context("no stime")?.parse()?;
    Ok(utime + stime)
}

/// Bytes a process has caused to be written to storage, and bytes it dirtied but discarded
/// before they reached the disk (temporary files deleted in time, such as SQLite's statement
/// journals): `write_bytes` and `cancelled_write_bytes` of /proc/<pid>/io.
pub fn written_bytes(pid: u32) -> anyhow::Result<(u64, u64)> {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io"))?;
    let field = |name: &str| {
        io.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .with_context(|| format!("no {name} in /proc/{pid}/io"))
    };
    Ok((field("write_bytes")?, field("cancelled_write_bytes")?))
}

/// Bytes written since boot by the block device holding `path`, from its own counters
/// (`/sys/dev/block/MAJOR:MINOR/stat`, sectors of 512 bytes): what reached the disk, from
/// every process. `write_bytes` above counts a whole page-cache folio when a write dirties
/// one, and on kernels that cache files in large folios (ext4 since 6.16) a 1 KiB write into
/// a file read ahead earlier is counted as up to a megabyte, while the disk writes its 4 KiB
/// block: in a flows level the two differed by about half.
pub fn device_written_bytes(path: &std::path::Path) -> anyhow::Result<u64> {
    let device = block_device(path)?;
    let stat = std::fs::read_to_string(format!("/sys/dev/block/{device}/stat"))
        .with_context(|| format!("no counters for block device {device}"))?;
    let sectors: u64 = stat
        .split_whitespace()
        .nth(6)
        .context("no sectors written in the device's counters")?
        .parse()?;
    Ok(sectors * 512)
}

/// `MAJOR:MINOR` of the block device holding `path`.
fn block_device(path: &std::path::Path) -> anyhow::Result<String> {
    use std::os::unix::fs::MetadataExt;
    let dev = std::fs::metadata(path)?.dev();
    // glibc's major() and minor().
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & 0xffff_f000);
    let minor = (dev & 0xff) | ((dev >> 12) & 0xffff_ff00);
    Ok(format!("{major}:{minor}"))
}

/// Names the block device holding `path` and says when it is ext4 without a journal. There
/// ext4 will not reuse an inode freed in the last 60–300 s (`recently_deleted`), and finding
/// a fresh one walks past every such inode of the block group: a level that writes one file
/// per email, run within minutes of another run that deleted its data dir, spent a fifth to
/// a quarter of the server's CPU there (profiles in the README). Journaled ext4 skips the walk.
pub fn filesystem_of(path: &std::path::Path) -> String {
    let Ok(device) = block_device(path) else {
        return "an unknown device".to_string();
    };
    let name = std::fs::read_link(format!("/sys/dev/block/{device}"))
        .ok()
        .and_then(|link| Some(link.file_name()?.to_string_lossy().into_owned()))
        .unwrap_or(device);
    if !std::path::Path::new("/sys/fs/ext4").join(&name).exists() {
        return name;
    }
    let journaled = std::fs::read_dir("/proc/fs/jbd2").is_ok_and(|journals| {
        journals.flatten().any(|j| {
            j.file_name()
                .to_string_lossy()
                .starts_with(&format!("{name}-"))
        })
    });
    if journaled {
        format!("{name} (ext4)")
    } else {
        format!(
            "{name} (ext4 without a journal: a file created within minutes of mass deletions \
             costs more, so levels that write mail files vary between back-to-back runs)"
        )
    }
}

/// Run time and run-queue wait per thread name of a process, in nanoseconds, from
/// /proc/<pid>/task/*/schedstat. Threads of one name (tokio's workers) are added up.
pub fn thread_times(pid: u32) -> BTreeMap<String, (u64, u64)> {
    let mut by_name = BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return by_name;
    };
    for task in tasks.flatten() {
        let path = task.path();
        let (Ok(name), Ok(stat)) = (
            std::fs::read_to_string(path.join("comm")),
            std::fs::read_to_string(path.join("schedstat")),
        ) else {
            continue;
        };
        let mut fields = stat
            .split_whitespace()
            .map(|v| v.parse::<u64>().unwrap_or(0));
        let (run, wait) = (fields.next().unwrap_or(0), fields.next().unwrap_or(0));
        let total: &mut (u64, u64) = by_name.entry(name.trim().to_string()).or_default();
        total.0 += run;
        total.1 += wait;
    }
    by_name
}

/// (busy, total) clock ticks of the whole machine, from the first line of /proc/stat.
pub fn machine_ticks() -> anyhow::Result<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat")?;
    let line = stat.lines().next().context("empty /proc/stat")?;
    // user nice system idle iowait irq softirq steal
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(|v| v.parse().unwrap_or(0))
        .collect();
    ensure!(ticks.len() == 8, "unreadable /proc/stat");
    let total: u64 = ticks.iter().sum();
    Ok((total - ticks[3] - ticks[4], total))
}

/// The machine's cores, counted in /proc/stat (not this process's affinity: the generator
/// may be pinned).
pub fn nproc() -> usize {
    std::fs::read_to_string("/proc/stat")
        .map(|stat| {
            stat.lines()
                .filter(|l| {
                    l.strip_prefix("cpu")
                        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
                })
                .count()
        })
        .unwrap_or(0)
        .max(1)
}

pub fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}
