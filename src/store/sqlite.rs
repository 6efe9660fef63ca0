//! SQLite access: a small pool of read-only connections and one writer thread that batches
//! concurrent writes into one transaction (group commit).
//!
//! Why one writer: SQLite admits one writer at a time anyway, and each commit costs an fsync
//! (about 0.15 ms here). Handing every write to one thread that drains its queue into a single
//! `BEGIN IMMEDIATE … COMMIT` turns N fsyncs into one without weakening durability: nobody is
//! answered before the commit that holds their change has reached the disk.
//!
//! Each request runs inside its own savepoint, so a request that fails rolls back alone and
//! never takes its batch-mates down with it. Blocking calls never run on the async executor:
//! writes run on the writer thread, reads on tokio's blocking pool.

use super::checkpointer::{self, Checkpointer};
use crate::error::Error;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use tokio::sync::{Semaphore, oneshot};

/// How many queued writes one transaction may absorb.
const MAX_BATCH: usize = 512;
/// How many read-only connections serve reads concurrently.
const READERS: usize = 4;

/// A queued write: runs inside the batch's transaction and says whether it succeeded, then
/// is told the fate of the whole commit.
type WriteJob = Box<dyn FnOnce(&Connection) -> Finished + Send>;

struct Finished {
    ok: bool,
    answer: Box<dyn FnOnce(Result<(), String>) + Send>,
}

/// A cloneable handle on the database.
#[derive(Clone)]
pub struct Sqlite {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Option<mpsc::Sender<WriteJob>>>,
    writer_thread: Mutex<Option<JoinHandle<()>>>,
    readers: Mutex<Vec<Connection>>,
    reader_permits: Semaphore,
    /// Writes handed to the writer that it has not started yet.
    queued: Arc<AtomicUsize>,
    checkpointer: Checkpointer,
}

/// One write waiting for the writer: counted from the hand-over until the writer runs (or
/// drops) it.
struct InQueue(Arc<AtomicUsize>);

impl InQueue {
    fn enter(queued: &Arc<AtomicUsize>) -> InQueue {
        queued.fetch_add(1, Ordering::AcqRel);
        InQueue(Arc::clone(queued))
    }
}

impl Drop for InQueue {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl std::fmt::Debug for Sqlite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sqlite({})", self.inner.path.display())
    }
}

/// Settings every connection gets. `synchronous = FULL` makes each WAL commit durable on
/// power loss; group commit is what keeps that affordable.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // Savepoints (one per batched write) keep statement journals; in memory they cost no
    // disk writes, and durability comes from the WAL, not from them.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Plans never depend on bound values. Otherwise SQLite marks a statement whose plan
    // might (one a partial index could serve, one with LIKE) to be compiled again whenever
    // a value is bound, and rusqlite clears the bindings of every cached statement it takes
    // back: such statements were parsed and planned anew on every use, 3 % of the server's
    // CPU in a holds profile and 10 % in a flows profile (payment and booking reads, the
    // job queue's refresh). Every partial index is on a literal condition (`status =
    // 'queued'`, `IS NOT NULL`), which queries still match without looking at values.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(())
}

impl Sqlite {
    /// Opens the database, applies pending migrations and starts the writer thread.
    /// Blocking: call at start-up.
    pub fn open(path: &Path) -> Result<Sqlite, Error> {
        Sqlite::open_with_checkpoints(path, checkpointer::START_BYTES, checkpointer::FORCE_BYTES)
    }

    /// [`Sqlite::open`] with the log sizes that start a checkpoint and force one on the
    /// writer (see [`checkpointer`]); tests use small ones.
    pub(crate) fn open_with_checkpoints(
        path: &Path,
        start_bytes: i64,
        force_bytes: i64,
    ) -> Result<Sqlite, Error> {
        let mut writer_conn = Connection::open(path)
            .map_err(|e| Error::internal(format!("cannot open {}: {e}", path.display())))?;
        // 1 KiB pages, for a new database only (an existing one keeps its size). A commit
        // writes every page it changed to the log in full, and most of a commit's pages are
        // index leaves where one booking, ticket or job changed a few dozen bytes. With the
        // longer log `checkpointer` keeps, about a fifth fewer bytes per flow; with SQLite's
        // 1,000-page log, smaller pages wrote more (see `checkpointer`).
        writer_conn.pragma_update(None, "page_size", 1024)?;
        writer_conn.pragma_update(None, "journal_mode", "WAL")?;
        configure(&writer_conn)?;
        super::migrations::apply(&mut writer_conn)?;
        let checkpointer = Checkpointer::start(path, &mut writer_conn, start_bytes, force_bytes)?;

        let (tx, rx) = mpsc::channel::<WriteJob>();
        let thread = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run_writer(writer_conn, rx))
            .map_err(|e| Error::internal(format!("cannot start the sqlite writer: {e}")))?;

        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            configure(&conn)?;
            readers.push(conn);
        }
        Ok(Sqlite {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                writer: Mutex::new(Some(tx)),
                writer_thread: Mutex::new(Some(thread)),
                readers: Mutex::new(readers),
                reader_permits: Semaphore::new(READERS),
                queued: Arc::new(AtomicUsize::new(0)),
                checkpointer,
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` in the writer's current batch and answers after the batch has committed.
    ///
    /// If `f` returns an error, its changes are rolled back and the error returned; the rest
    /// of the batch is unaffected. `f` must not block on anything but SQLite.
    pub async fn write<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, Error> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T, Error>>();
        let in_queue = InQueue::enter(&self.inner.queued);
        let job: WriteJob = Box::new(move |conn| {
            drop(in_queue);
            let result = catch_unwind(AssertUnwindSafe(|| f(conn)))
                .unwrap_or_else(|_| Err(Error::internal("a write panicked")));
            Finished {
                ok: result.is_ok(),
                answer: Box::new(move |commit| {
                    let outcome = match commit {
                        Ok(()) => result,
                        Err(e) => Err(Error::internal(format!("commit failed: {e}"))),
                    };
                    let _ = reply.send(outcome);
                }),
            }
        });
        {
            let writer = self.inner.writer.lock().unwrap_or_else(|p| p.into_inner());
            let sender = writer
                .as_ref()
                .ok_or_else(|| Error::Unavailable("the database is closed".into()))?;
            sender
                .send(job)
                .map_err(|_| Error::Unavailable("the database writer has stopped".into()))?;
        }
        answer
            .await
            .map_err(|_| Error::Unavailable("the database writer dropped a write".into()))?
    }

    /// Writes handed to the writer that it has not started yet: what the admission check
    /// compares with `storage.max_queued_writes`.
    pub fn queued_writes(&self) -> usize {
        self.inner.queued.load(Ordering::Acquire)
    }

    /// Runs `f` on a read-only connection from the pool, on the blocking thread pool.
    pub async fn read<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, Error> + Send + 'static,
    {
        let _permit = self
            .inner
            .reader_permits
            .acquire()
            .await
            .map_err(|_| Error::Unavailable("the database is closed".into()))?;
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let conn = inner
                .readers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .pop()
                .ok_or_else(|| Error::internal("reader pool is empty"))?;
            let result = catch_unwind(AssertUnwindSafe(|| f(&conn)))
                .unwrap_or_else(|_| Err(Error::internal("a read panicked")));
            inner
                .readers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(conn);
            result
        })
        .await
        .map_err(|e| Error::internal(format!("read task failed: {e}")))?
    }

    /// Stops accepting writes, lets the writer commit what it has, and waits for it.
    pub fn close(&self) {
        self.inner
            .writer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        self.inner.reader_permits.close();
        let thread = self
            .inner
            .writer_thread
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(thread) = thread
            && thread.join().is_err()
        {
            tracing::error!("the sqlite writer thread panicked");
        }
        self.inner.checkpointer.close();
    }

    /// Checkpoints of the log so far: by the checkpoint thread, and by the writer itself
    /// when the thread fell behind.
    pub fn checkpoints(&self) -> (u64, u64) {
        self.inner.checkpointer.counts()
    }
}

/// The writer loop: block for one job, drain whatever else is queued, run them all in one
/// transaction, commit once, answer everyone.
fn run_writer(mut conn: Connection, jobs: mpsc::Receiver<WriteJob>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = Vec::with_capacity(16);
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        metrics::histogram!(crate::metric::SQLITE_BATCH_SIZE).record(batch.len() as f64);
        let mut tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
            Ok(tx) => tx,
            Err(e) => {
                // Dropping the jobs drops their reply channels: every caller sees Unavailable.
                tracing::error!(error = %e, "cannot begin a write transaction");
                continue;
            }
        };
        let mut answers = Vec::with_capacity(batch.len());
        for job in batch {
            let savepoint = match tx.savepoint() {
                Ok(sp) => sp,
                Err(e) => {
                    tracing::error!(error = %e, "cannot open a savepoint");
                    continue;
                }
            };
            let finished = job(&savepoint);
            let kept = if finished.ok {
                savepoint.commit().map_err(|e| e.to_string())
            } else {
                // The default drop behaviour rolls the savepoint back, then releases it.
                savepoint.finish().map_err(|e| e.to_string())
            };
            match kept {
                Ok(()) => answers.push(finished.answer),
                Err(e) => (finished.answer)(Err(e)),
            }
        }
        let committed = tx.commit().map_err(|e| e.to_string());
        if let Err(e) = &committed {
            tracing::error!(error = %e, "a write batch failed to commit");
        }
        for answer in answers {
            answer(committed.clone());
        }
    }
}

#[cfg(test)]
mod plan_stability_tests {
    /// A cached statement whose plan SQLite could tie to its bound values (here the job
    /// queue's refresh, through the partial index `jobs_queued_by_kind`) is compiled once,
    /// not again for every write batch and every new binding.
    #[tokio::test]
    async fn a_cached_statement_is_not_compiled_again_per_batch() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = super::Sqlite::open(&dir.path().join("rezerve.db")).expect("opens");
        let sql = "SELECT id FROM jobs WHERE kind = ?1 AND status = 'queued'
                   AND substr(dedupe_key, 1, length(?1)) = ?1 ORDER BY id LIMIT 1";
        let mut recompiled = 0;
        for round in 0..4 {
            recompiled = db
                .write(move |conn| {
                    let mut stmt = conn.prepare_cached(sql)?;
                    for key in [format!("a{round}"), format!("b{round}")] {
                        let _none = stmt.query_row([key], |_| Ok(())).ok();
                    }
                    Ok(stmt.get_status(rusqlite::StatementStatus::RePrepare))
                })
                .await
                .expect("writes");
        }
        assert_eq!(recompiled, 0);
        db.close();
    }
}
