//! Checkpoints of SQLite's write-ahead log, on a thread of their own.
//!
//! A checkpoint copies the pages the log holds back into the database file, after which the
//! log starts again from its beginning. SQLite's automatic checkpoint runs inside the commit
//! that takes the log past 1,000 pages, on the connection that committed: here the one
//! writer thread, so every write waiting for the next batch waited for the copy and its
//! fsync too (5 % of the server's CPU in a flows profile, all of it on the writer). And at
//! 1,000 pages the log is copied back before most of its pages are written again: a leaf
//! that the next second's bookings change again was copied once per checkpoint.
//!
//! So the writer's connection keeps no automatic checkpoint. A hook tells this thread when
//! a commit has left at least [`START_BYTES`] in the log, and the thread copies the log back
//! passively on its own connection while the writer goes on (SQLite lets one checkpoint run
//! beside the writer). Commits made meanwhile leave frames the copy did not reach, and the
//! log starts over only once every frame is copied, so after the thread's pass the next
//! commit's hook copies that tail on the writer: a few commits' worth instead of the whole
//! log. (A thread chasing the tail itself ran pass after pass, each with its fsync, copying
//! leaves the next commit wrote again.) If the thread falls behind anyway (a slow disk), the
//! writer copies everything itself once the log holds [`FORCE_BYTES`], as SQLite would have,
//! so the log stays bounded. And once no commit has come for [`IDLE`], the thread copies
//! whatever the log holds: a quiet moment pays for it, not the next rush (in one load-bench
//! pair without this, a holds level wrote 4.2 KiB per hold against 2.7, likely copying the
//! setup's pages; with it, 2.2 / 2.0 against 2.0 / 2.0).
//!
//! Measured (issue 12, flows at 256 clients over an SMTP sink, 5 s levels, two alternating
//! pairs against `b5bf902`'s code, load 2.6-3.7): 73.1 / 71.2 KiB written per flow against
//! 90.4 / 90.8, at the same CPU per flow (931 / 896 µs against 912 / 909) and the same
//! disk per hold (2.2 / 2.0 KiB against 2.0 / 2.0).

use rusqlite::Connection;
use rusqlite::hooks::Wal;
use rusqlite::wal::CheckpointMode;
use std::ffi::c_int;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Log bytes after which a commit wakes the checkpointer. A checkpoint copies each page the
/// log holds once, however often commits rewrote it, and on a disk of 4 KiB blocks each
/// 1 KiB page costs a block: in a flows rush most pages are leaves of per-event and
/// per-customer indexes that the next seconds rewrite, so the longer the log, the fewer
/// copies. 128 MiB is about four seconds of a flows rush on this machine. After a crash
/// SQLite reads the whole log back before the first query: 0.12 s for 128 MiB of log here
/// with a cold page cache (lead); on a disk that reads 30 MB/s, about four seconds. Measured on the device (ext4
/// tracepoints, 30 s flows levels, busy machine): the database file took 46 KiB per flow
/// with 32 MiB, 19.5 with 128 and 9.4 with 256 (lead, 2026-12-07).
pub const START_BYTES: i64 = 128 * 1024 * 1024;
/// Log bytes after which the writer checkpoints itself: the thread has fallen behind.
pub const FORCE_BYTES: i64 = 4 * START_BYTES;
/// How long without a commit before the thread checkpoints a log of any size.
pub const IDLE: Duration = Duration::from_secs(1);

/// The checkpoint thread and what wakes it.
pub struct Checkpointer {
    signal: Arc<Signal>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

struct Signal {
    state: Mutex<State>,
    wake: Condvar,
    /// When the signal was made: commit times are kept as milliseconds since.
    epoch: Instant,
    /// Pages in the log after the last commit, and when that was; 0 pages once the thread
    /// has copied them all.
    log_pages: AtomicI64,
    last_commit_ms: AtomicU64,
    /// Whether the thread's pass over the current log has finished: the writer copies the
    /// tail. Cleared when the log starts over.
    passed: AtomicBool,
    /// Checkpoints the thread has run (for tests and the log).
    done: AtomicU64,
    /// Checkpoints the writer had to run itself.
    forced: AtomicU64,
}

#[derive(Default)]
struct State {
    wanted: bool,
    closed: bool,
}

impl Signal {
    fn new() -> Signal {
        Signal {
            state: Mutex::default(),
            wake: Condvar::new(),
            epoch: Instant::now(),
            log_pages: AtomicI64::new(0),
            last_commit_ms: AtomicU64::new(0),
            passed: AtomicBool::new(false),
            done: AtomicU64::new(0),
            forced: AtomicU64::new(0),
        }
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    fn set(&self, change: impl FnOnce(&mut State)) {
        change(&mut self.state.lock().unwrap_or_else(|p| p.into_inner()));
        self.wake.notify_one();
    }
}

impl Checkpointer {
    /// Starts the thread on its own connection to `path`, and hooks `writer`'s commits to
    /// it (which also turns `writer`'s automatic checkpoint off). `start_bytes` and
    /// `force_bytes` are [`START_BYTES`] and [`FORCE_BYTES`] outside tests.
    pub fn start(
        path: &Path,
        writer: &mut Connection,
        start_bytes: i64,
        force_bytes: i64,
    ) -> Result<Checkpointer, crate::error::Error> {
        let page: i64 = writer.pragma_query_value(None, "page_size", |r| r.get(0))?;
        let (start_pages, force_pages) = (start_bytes / page.max(1), force_bytes / page.max(1));
        // After a log that grew past its usual size starts over, SQLite cuts it back to this.
        writer.pragma_update(None, "journal_size_limit", start_bytes * 2)?;

        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        let signal = Arc::new(Signal::new());
        let hooked = Arc::clone(&signal);
        writer.wal_hook(Some(move |wal: &mut Wal, pages: c_int| {
            let pages = i64::from(pages);
            let before = hooked.log_pages.swap(pages, Ordering::Relaxed);
            hooked
                .last_commit_ms
                .store(hooked.now_ms(), Ordering::Relaxed);
            if pages < before {
                // The log started over: the thread's last pass was over the old one.
                hooked.passed.store(false, Ordering::Relaxed);
            }
            let tail = pages >= start_pages && hooked.passed.load(Ordering::Relaxed);
            if tail || pages >= force_pages {
                // A failure here must not fail the commit that called the hook (it has
                // happened): SQLite would report the commit as failed. The log is checked
                // again after the next commit.
                if wal.checkpoint_v2(CheckpointMode::PASSIVE).is_ok() && !tail {
                    hooked.forced.fetch_add(1, Ordering::Relaxed);
                }
            } else if pages >= start_pages {
                hooked.set(|s| s.wanted = true);
            }
            Ok(())
        }))?;
        let running = Arc::clone(&signal);
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || run(conn, &running))
            .map_err(|e| crate::error::Error::internal(format!("cannot start: {e}")))?;
        Ok(Checkpointer {
            signal,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Checkpoints run by the thread, and by the writer itself, so far.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.signal.done.load(Ordering::Relaxed),
            self.signal.forced.load(Ordering::Relaxed),
        )
    }

    /// Stops the thread after the checkpoint it is running, if any. Call after the writer
    /// has stopped: closing the last connection checkpoints what is left.
    pub fn close(&self) {
        self.signal.set(|s| s.closed = true);
        let thread = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(thread) = thread
            && thread.join().is_err()
        {
            tracing::error!("the sqlite checkpoint thread panicked");
        }
    }
}

fn run(conn: Connection, signal: &Signal) {
    loop {
        {
            let mut state = signal.state.lock().unwrap_or_else(|p| p.into_inner());
            while !state.wanted && !state.closed && !idle_with_a_log(signal) {
                // Woken by a commit's hook, or by the clock to look for a quiet moment.
                state = signal
                    .wake
                    .wait_timeout(state, IDLE / 4)
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
            }
            if state.closed {
                return;
            }
            state.wanted = false;
        }
        match conn.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE) {
            Ok((log, copied)) => {
                signal.done.fetch_add(1, Ordering::Relaxed);
                if log == copied {
                    // All copied: the log starts over at the next commit, and there is
                    // nothing for an idle checkpoint until then.
                    signal.log_pages.store(0, Ordering::Relaxed);
                } else {
                    // Commits overtook the pass: the writer copies their frames.
                    signal.passed.store(true, Ordering::Relaxed);
                }
            }
            // Busy: the writer is checkpointing itself; the next commit wakes us again.
            Err(e) => tracing::debug!(error = %e, "a checkpoint did not run"),
        }
    }
}

/// Whether the log holds pages not yet copied and no commit has come for [`IDLE`].
fn idle_with_a_log(signal: &Signal) -> bool {
    signal.log_pages.load(Ordering::Relaxed) > 0
        && signal
            .now_ms()
            .saturating_sub(signal.last_commit_ms.load(Ordering::Relaxed))
            >= IDLE.as_millis() as u64
}

#[cfg(test)]
mod tests {
    use super::super::sqlite::Sqlite;

    /// Under a stream of commits the thread checkpoints and the log stays bounded: it
    /// starts over instead of growing with every commit.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_thread_keeps_the_log_bounded_while_commits_go_on() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("rezerve.db");
        // A small log: 64 KiB wakes the thread, 1 MiB would make the writer step in.
        let db = Sqlite::open_with_checkpoints(&path, 64 * 1024, 1024 * 1024).expect("opens");
        db.write(|conn| {
            conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")?;
            Ok(())
        })
        .await
        .expect("creates");
        // 2,000 commits of about 4 KiB each: 8 MiB through the log, 125 times the start.
        for i in 0..2_000 {
            db.write(move |conn| {
                conn.execute("INSERT INTO t (id, body) VALUES (?1, zeroblob(4000))", [i])?;
                Ok(())
            })
            .await
            .expect("writes");
        }
        let (done, forced) = db.checkpoints();
        let wal = std::fs::metadata(dir.path().join("rezerve.db-wal"))
            .expect("the log exists")
            .len();
        db.close();
        assert!(done > 0, "the thread never checkpointed ({forced} forced)");
        assert!(
            wal <= 2 * 1024 * 1024,
            "the log grew to {wal} bytes ({done} checkpoints, {forced} forced)"
        );
    }

    /// A log far under the start size is still copied back once commits stop.
    #[tokio::test]
    async fn a_quiet_moment_checkpoints_a_small_log() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("rezerve.db");
        let db = Sqlite::open(&path).expect("opens");
        db.write(|conn| {
            conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")?;
            Ok(())
        })
        .await
        .expect("writes");
        let before = db.checkpoints().0;
        let waited = std::time::Instant::now();
        while db.checkpoints().0 == before && waited.elapsed() < std::time::Duration::from_secs(10)
        {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let after = db.checkpoints().0;
        db.close();
        assert!(after > before, "no checkpoint in 10 s without commits");
    }

    /// A new database gets 1 KiB pages; one made with SQLite's default 4 KiB keeps them.
    #[tokio::test]
    async fn new_databases_get_small_pages_and_old_ones_keep_theirs() {
        let dir = tempfile::tempdir().expect("temp dir");
        let page_size = |path: &std::path::Path| -> i64 {
            rusqlite::Connection::open(path)
                .expect("opens")
                .pragma_query_value(None, "page_size", |r| r.get(0))
                .expect("page size")
        };
        let new = dir.path().join("new.db");
        Sqlite::open(&new).expect("opens").close();
        assert_eq!(page_size(&new), 1024);

        let old = dir.path().join("old.db");
        rusqlite::Connection::open(&old)
            .expect("creates")
            .execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE before (x);")
            .expect("an old database");
        Sqlite::open(&old).expect("opens").close();
        assert_eq!(page_size(&old), 4096);
    }
}
