//! glibc's malloc settled before anything runs: its mmap threshold fixed at its own default.
//!
//! glibc serves a block of 128 KiB or more with its own `mmap`, but each time such a block is
//! freed it raises that threshold to the block's size (up to 32 MiB) and the trim threshold
//! to twice that. After the first large buffers come and go (a seat map built, a page cache
//! filled, a big answer written), every one of its per-thread arenas (up to 16 on two cores)
//! keeps megabytes of freed memory it never gives back. Fixed at 128 KiB, the peak RSS of the
//! load bench (256 clients, 100 events × 1,000 seats, holds and flows) fell from 84–85 to
//! 70–71 MiB, with no more CPU per hold or per flow (two alternating pairs).
//!
//! glibc reads its tunables only when a process starts, and `mallopt` would need `unsafe`
//! (forbidden here), so the binary starts itself again with `GLIBC_TUNABLES` set: the same
//! process id, arguments and environment, before any thread or store exists. An operator's
//! own `GLIBC_TUNABLES` is kept and ours added to it; one that already sets the threshold wins.
//! Elsewhere (musl, other systems) this does nothing.

/// The tunable and its value: glibc's default threshold, now fixed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const THRESHOLD: &str = "glibc.malloc.mmap_threshold=131072";

/// Set on the restart, so the process never starts itself a second time: a secure-execution
/// start (a binary with file capabilities) may have `GLIBC_TUNABLES` removed by glibc, and
/// without this mark it would restart itself forever. Not `REZERVE_`: those are config keys.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const RESTARTED: &str = "_REZERVE_MALLOC_SETTLED";

/// Starts the binary again with the threshold fixed, unless it already is. Returns only when
/// nothing had to change or the restart failed (then the process runs on glibc's defaults).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn settle() {
    use std::os::unix::process::CommandExt;

    const VAR: &str = "GLIBC_TUNABLES";
    if std::env::var_os(RESTARTED).is_some() {
        return;
    }
    let tunables = match std::env::var(VAR) {
        // Ours, from the restart, or the operator's own choice of threshold.
        Ok(set) if set.contains("glibc.malloc.mmap_threshold=") => return,
        Ok(set) if !set.is_empty() => format!("{set}:{THRESHOLD}"),
        Ok(_) => THRESHOLD.to_string(),
        // Not valid UTF-8: leave it (and the process) alone rather than rewrite it.
        Err(std::env::VarError::NotUnicode(_)) => return,
        Err(std::env::VarError::NotPresent) => THRESHOLD.to_string(),
    };
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut args = std::env::args_os();
    let mut command = std::process::Command::new(exe);
    if let Some(name) = args.next() {
        command.arg0(name);
    }
    // `exec` returns only if it failed; the process then carries on as it is.
    let _failed = command
        .args(args)
        .env(VAR, tunables)
        .env(RESTARTED, "1")
        .exec();
}

/// Other platforms have no glibc tunables to set.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn settle() {}
