//! Batched kinds: a handler that takes, in one call, the jobs of its kind a worker claimed
//! together, so work they share (a read, a write, a trip to the blocking pool) is done once
//! for them all instead of once per job. It exists for the emails (`notify`'s triggers):
//! one at a time, each cost a reader trip, two writes and a blocking trip, and under a
//! flows rush every write waits on a group commit in the busy writer. Here are the
//! registration, the grouping of a claimed batch by kind, and the running of a group, which
//! records each job's outcome as a single handler's would be; the registry and the worker
//! loop stay in `mod.rs` and `worker.rs`. Never-twice and at-least-once are the handler's
//! as for single jobs: a batch handler must be idempotent per job.

use super::{Handler, JobFailure, JobKind, JobRow, JobStatus, Jobs, Ran, queue};
use crate::error::Error;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// What a batch handler returns: an outcome per job, in the order the jobs were given.
pub type BatchFuture = Pin<Box<dyn Future<Output = Vec<Result<(), JobFailure>>> + Send>>;
/// A handler of the jobs of one kind a worker claimed together, run as one: idempotent
/// per job, like [`Handler`].
pub type BatchHandler = Arc<dyn Fn(Vec<JobRow>) -> BatchFuture + Send + Sync>;

/// How a kind's jobs are handled: one at a time, or the kind's share of a claimed batch at
/// once.
#[derive(Clone)]
pub(super) enum Registered {
    One(Handler),
    Batch(BatchHandler),
}

impl Jobs {
    /// Registers a handler that takes the jobs of `kind` a worker claimed together at once
    /// (at most [`CLAIM_BATCH`](super::CLAIM_BATCH)), so work they share (a read, a write,
    /// a trip to another thread) is done once for them all. It answers an outcome per job,
    /// in their order; each is recorded as a single handler's would be.
    pub fn register_batch<F, Fut>(&self, kind: &str, handler: F)
    where
        F: Fn(Vec<JobRow>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Vec<Result<(), JobFailure>>> + Send + 'static,
    {
        let handler: BatchHandler = Arc::new(move |jobs| Box::pin(handler(jobs)));
        self.insert_handler(kind, Registered::Batch(handler));
    }

    /// Whether `kind`'s handler takes its jobs in batches.
    pub(crate) fn batched(&self, kind: &str) -> bool {
        matches!(self.handler(kind), Some(Registered::Batch(_)))
    }

    /// Runs claimed jobs of one kind: in one call of its batch handler, or one after another
    /// through its single handler. Failures and give-backs are written at once, in one
    /// write; successes are not (`status` "done"): the caller marks them done.
    pub(crate) async fn run_claimed_together(
        &self,
        jobs: Vec<JobRow>,
        abandon: impl Future<Output = ()> + Send,
    ) -> Result<Vec<Ran>, Error> {
        let Some(first) = jobs.first() else {
            return Ok(Vec::new());
        };
        let kind = first.kind.clone();
        let ids: Vec<i64> = jobs.iter().map(|j| j.id).collect();
        let Some(handler) = self.handler(&kind) else {
            // Unregistered between claim and run: give them back.
            self.give_back(ids).await?;
            return Ok(Vec::new());
        };
        let span = tracing::info_span!("job", id = first.id, kind = %kind, attempt = first.attempts, jobs = ids.len());
        let started = std::time::Instant::now();
        let run = async move {
            match handler {
                Registered::One(handler) => {
                    let mut outcomes = Vec::with_capacity(jobs.len());
                    for job in jobs {
                        outcomes.push(handler(job).await);
                    }
                    outcomes
                }
                Registered::Batch(handler) => handler(jobs).await,
            }
        };
        let outcomes = {
            let _entered = span.enter();
            tracing::debug!("running");
            drop(_entered);
            tokio::select! {
                outcomes = run => Some(outcomes),
                () = abandon => None,
            }
        };
        let Some(outcomes) = outcomes else {
            self.give_back(ids.clone()).await?;
            let ran = ids.into_iter().map(|id| (id, JobStatus::Queued));
            return Ok(self.ran(&kind, ran, started));
        };
        // A job a batch handler gave no outcome for did not finish.
        let mut outcomes = outcomes.into_iter();
        let outcomes: Vec<(i64, Result<(), JobFailure>)> = ids
            .iter()
            .map(|&id| {
                let outcome = outcomes.next().unwrap_or_else(|| {
                    Err(JobFailure::Retry("the handler gave no outcome".into()))
                });
                (id, outcome)
            })
            .collect();
        let failures: Vec<(i64, JobFailure)> = outcomes
            .iter()
            .filter_map(|(id, outcome)| outcome.clone().err().map(|f| (*id, f)))
            .collect();
        let mut failed: HashMap<i64, JobStatus> = HashMap::new();
        if !failures.is_empty() {
            let now = self.now_ms();
            let written = failures.clone();
            let statuses = self
                .db
                .write(move |conn| {
                    written
                        .iter()
                        .map(|(id, failure)| queue::fail(conn, *id, failure, now))
                        .collect::<Result<Vec<_>, Error>>()
                })
                .await?;
            for ((id, failure), status) in failures.into_iter().zip(statuses) {
                let logged = failure.reason();
                if status == JobStatus::Dead {
                    tracing::error!(job = id, kind = %kind, error = %logged, "job is dead: out of attempts or refused for good");
                } else {
                    tracing::warn!(job = id, kind = %kind, error = %logged, "job failed; will retry");
                }
                failed.insert(id, status);
            }
        }
        let ran = outcomes
            .into_iter()
            .map(|(id, _)| (id, failed.get(&id).copied().unwrap_or(JobStatus::Done)));
        Ok(self.ran(&kind, ran, started))
    }

    /// What ran, with its metrics recorded.
    fn ran(
        &self,
        kind: &str,
        ran: impl Iterator<Item = (i64, JobStatus)>,
        started: std::time::Instant,
    ) -> Vec<Ran> {
        let elapsed = started.elapsed();
        ran.map(|(id, status)| {
            crate::metric::record::job_ran(JobKind::label(kind), status.as_str(), elapsed);
            Ran {
                id,
                kind: kind.to_string(),
                status,
            }
        })
        .collect()
    }
}

/// The claimed jobs as they run: the jobs of a kind whose handler takes batches together,
/// in the order they were due; every other job alone.
pub(super) fn groups(jobs: &Jobs, claimed: Vec<JobRow>) -> Vec<Vec<JobRow>> {
    let mut groups: Vec<Vec<JobRow>> = Vec::new();
    let mut batch_of_kind: HashMap<String, usize> = HashMap::new();
    for job in claimed {
        if !jobs.batched(&job.kind) {
            groups.push(vec![job]);
            continue;
        }
        match batch_of_kind.get(&job.kind) {
            Some(&i) => groups[i].push(job),
            None => {
                batch_of_kind.insert(job.kind.clone(), groups.len());
                groups.push(vec![job]);
            }
        }
    }
    groups
}
