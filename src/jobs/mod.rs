//! The durable job queue that replaces Kafka: a SQLite table written in the same transaction
//! as the change that causes each job (transactional outbox), workers that claim due jobs,
//! run idempotent handlers, retry with exponential backoff and park a job as dead after its
//! last attempt. A kind with no handler yet simply waits in the table: nothing is dropped.

mod batch;
pub mod cause;
pub mod depth;
pub mod kind;
pub mod message;
pub mod queue;
mod read_repo;
pub mod repo;
pub mod rerun_repo;
pub mod status;
pub mod summary_repo;
pub mod worker;

use crate::clock::SharedClock;
use crate::error::{Conflict, Error};
use crate::store::Sqlite;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use tokio::sync::Notify;

use batch::Registered;
pub use batch::{BatchFuture, BatchHandler};
pub use cause::Cause;
pub use kind::JobKind;
pub use queue::JobRow;
pub use status::JobStatus;

/// How many finished rows one pruning write deletes.
pub(crate) const PRUNE_BATCH: i64 = 500;
/// How many due jobs a worker claims in one write and runs side by side (a batched kind's
/// share of them in one call of its handler, [`Jobs::register_batch`]). The jobs it
/// finished are marked done in the write that claims the next batch, so a busy queue costs
/// the writer one request per batch, not two per job. Under load a batch round waits on a
/// few group commits whatever its size, so the batch sets how fast the background keeps
/// up: 8 left a 256-client flows level's emails draining for 24 s, 32 for 10–11 s after a 30 s
/// level. With 128 the background keeps pace, draining in 0.6–0.7 s: the rush's intake slows
/// to what the machine can confirm, instead of confirmations trailing it without bound.
pub(crate) const CLAIM_BATCH: usize = 128;

/// What a handler returns: `Err` says why the job did not finish and whether to retry it.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<(), JobFailure>> + Send>>;
/// A job handler: idempotent, since a job may run more than once after a crash.
pub type Handler = Arc<dyn Fn(JobRow) -> HandlerFuture + Send + Sync>;
/// Why a job did not finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobFailure {
    /// Worth another attempt after the backoff (a server that is down or busy).
    Retry(String),
    /// No attempt can succeed (a mail server's permanent refusal): dead at once, with the
    /// reason, for an operator to read and retry by hand if they fix the cause.
    Park(String),
}

impl JobFailure {
    /// The reason, as recorded on the job.
    pub fn reason(&self) -> &str {
        match self {
            JobFailure::Retry(r) | JobFailure::Park(r) => r,
        }
    }
}

impl From<String> for JobFailure {
    fn from(reason: String) -> Self {
        JobFailure::Retry(reason)
    }
}

impl From<&str> for JobFailure {
    fn from(reason: &str) -> Self {
        JobFailure::Retry(reason.to_string())
    }
}

/// The queue handle.
#[derive(Clone)]
pub struct Jobs {
    db: Sqlite,
    clock: SharedClock,
    handlers: Arc<RwLock<HashMap<String, Registered>>>,
    wake: Arc<Notify>,
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Jobs")
    }
}

/// What happened to a job a worker ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    pub id: i64,
    pub kind: String,
    /// `Done`, `Queued` (will retry or was given back) or `Dead`.
    pub status: JobStatus,
}

impl Jobs {
    /// A queue over the database.
    pub fn new(db: Sqlite, clock: SharedClock) -> Jobs {
        Jobs {
            db,
            clock,
            handlers: Arc::new(RwLock::new(HashMap::new())),
            wake: Arc::new(Notify::new()),
        }
    }

    /// Registers the handler of a kind; workers start claiming that kind. A handler's `Err`
    /// retries the job after the backoff.
    pub fn register<F, Fut>(&self, kind: &str, handler: F)
    where
        F: Fn(JobRow) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        self.register_parking(kind, move |job| {
            let run = handler(job);
            async move { run.await.map_err(JobFailure::Retry) }
        });
    }

    /// Like [`Jobs::register`], for a handler that can tell a failure worth retrying from
    /// one that is not ([`JobFailure::Park`]).
    pub fn register_parking<F, Fut>(&self, kind: &str, handler: F)
    where
        F: Fn(JobRow) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), JobFailure>> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |job| Box::pin(handler(job)));
        self.insert_handler(kind, Registered::One(handler));
    }

    fn insert_handler(&self, kind: &str, handler: Registered) {
        self.handlers
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(kind.to_string(), handler);
        self.wake();
    }

    /// Forgets every handler, once the workers have stopped. A handler that keeps its own
    /// queue handle (to wake it, to enqueue) makes a reference cycle through the handler
    /// map; clearing it frees what the handlers captured, the stores included.
    pub fn close(&self) {
        self.handlers
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// Tells idle workers that a job may be due.
    pub fn wake(&self) {
        self.wake.notify_waiters();
    }

    fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    fn handled_kinds(&self) -> Vec<String> {
        self.handlers
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .cloned()
            .collect()
    }

    fn handler(&self, kind: &str) -> Option<Registered> {
        self.handlers
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(kind)
            .cloned()
    }

    /// Claims and runs the next due job, if any; `None` when nothing is due.
    pub async fn run_next(&self) -> Result<Option<Ran>, Error> {
        self.run_next_until(std::future::pending()).await
    }

    /// Like [`Jobs::run_next`], but gives the job back un-counted if `abandon` resolves
    /// before its handler finishes (shutdown).
    pub async fn run_next_until(
        &self,
        abandon: impl Future<Output = ()> + Send,
    ) -> Result<Option<Ran>, Error> {
        let Some(job) = self.finish_and_claim(&[], 1).await?.pop() else {
            return Ok(None);
        };
        let ran = self.run_claimed(job, abandon).await?;
        if let Some(ran) = &ran
            && ran.status == JobStatus::Done
        {
            let (id, now) = (ran.id, self.now_ms());
            self.db
                .write(move |conn| queue::complete(conn, id, now))
                .await?;
        }
        Ok(ran)
    }

    /// In one write: marks `done` (jobs this worker finished) done and claims up to `limit`
    /// due jobs of the kinds that have a handler.
    pub(crate) async fn finish_and_claim(
        &self,
        done: &[i64],
        limit: usize,
    ) -> Result<Vec<JobRow>, Error> {
        let kinds = self.handled_kinds();
        let now = self.now_ms();
        let done = done.to_vec();
        self.db
            .write(move |conn| {
                queue::complete_all(conn, &done, now)?;
                let refs: Vec<&str> = kinds.iter().map(String::as_str).collect();
                queue::claim_batch(conn, &refs, now, limit)
            })
            .await
    }

    /// Gives claimed jobs back un-counted (their handler is gone, or shutdown came first).
    async fn give_back(&self, ids: Vec<i64>) -> Result<(), Error> {
        let now = self.now_ms();
        self.db
            .write(move |conn| {
                for id in ids {
                    queue::release(conn, id, now)?;
                }
                Ok(())
            })
            .await
    }

    /// Runs one claimed job. A failure or a give-back is written at once; a success is
    /// not (`status` "done"): the caller marks it done, alone or with a batch.
    pub(crate) async fn run_claimed(
        &self,
        job: JobRow,
        abandon: impl Future<Output = ()> + Send,
    ) -> Result<Option<Ran>, Error> {
        Ok(self.run_claimed_together(vec![job], abandon).await?.pop())
    }

    /// Queues again jobs left running by a previous process. Call before workers start.
    pub async fn recover(&self) -> Result<usize, Error> {
        let now = self.now_ms();
        self.db
            .write(move |conn| queue::requeue_all_running(conn, now))
            .await
    }

    /// Re-queues a dead job with fresh attempts.
    pub async fn retry(&self, id: i64) -> Result<JobRow, Error> {
        let now = self.now_ms();
        let row = self
            .db
            .write(move |conn| {
                let job = queue::by_id(conn, id)?.ok_or(Error::NotFound("job"))?;
                if !matches!(job.status, JobStatus::Dead | JobStatus::Queued) {
                    return Err(Conflict::JobNotRetryable {
                        id,
                        status: job.status.as_str(),
                    }
                    .into());
                }
                queue::retry(conn, id, now)?;
                queue::by_id(conn, id)?.ok_or(Error::NotFound("job"))
            })
            .await?;
        self.wake();
        Ok(row)
    }

    /// Jobs newest first.
    pub async fn list(
        &self,
        status: Option<JobStatus>,
        kind: Option<String>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<JobRow>, Error> {
        self.db
            .read(move |conn| queue::list(conn, status, kind.as_deref(), before, limit))
            .await
    }

    /// How many jobs there are of each kind in each status: `(kind, status, count)`.
    pub async fn counts(&self) -> Result<Vec<(String, JobStatus, i64)>, Error> {
        self.db.read(queue::counts).await
    }

    /// Deletes done jobs that finished before `before_ms`, walking the oldest jobs a batch
    /// per write so the writer is never held long; returns how many.
    pub async fn prune_done(&self, before_ms: i64) -> Result<usize, Error> {
        let (mut total, mut after) = (0, 0);
        loop {
            let step = self
                .db
                .write(move |conn| queue::delete_done_before(conn, before_ms, after, PRUNE_BATCH))
                .await?;
            total += step.deleted;
            match step.next {
                Some(id) => after = id,
                None => return Ok(total),
            }
        }
    }

    /// One job.
    pub async fn get(&self, id: i64) -> Result<JobRow, Error> {
        self.db
            .read(move |conn| queue::by_id(conn, id))
            .await?
            .ok_or(Error::NotFound("job"))
    }

    pub(crate) fn wake_handle(&self) -> Arc<Notify> {
        Arc::clone(&self.wake)
    }

    pub(crate) fn database(&self) -> &Sqlite {
        &self.db
    }
}
