//! Worker tasks: claim due jobs until shutdown. Idle workers sleep until woken by an enqueue
//! or for at most a second (jobs scheduled for later, or enqueued by another process).

use super::batch::groups;
use super::{CLAIM_BATCH, JobStatus, Jobs};
use crate::shutdown::CancellationToken;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::task::TaskTracker;

/// How long a job may keep running after shutdown begins before it is given back.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// How often abandoned leases are looked for.
const LEASE_SWEEP: Duration = Duration::from_secs(30);

/// Starts `count` workers on `tracker`; they stop when `stop` is cancelled.
pub fn spawn_workers(jobs: &Jobs, count: usize, tracker: &TaskTracker, stop: &CancellationToken) {
    for n in 0..count {
        let jobs = jobs.clone();
        let stop = stop.clone();
        tracker.spawn(async move {
            tracing::debug!(worker = n, "job worker started");
            work(jobs, stop).await;
            tracing::debug!(worker = n, "job worker stopped");
        });
    }
    let jobs = jobs.clone();
    let stop = stop.clone();
    tracker.spawn(async move {
        loop {
            tokio::select! {
                () = stop.cancelled() => break,
                () = tokio::time::sleep(LEASE_SWEEP) => {
                    let now = jobs.clock.now_ms();
                    match jobs.database().write(move |c| super::queue::requeue_abandoned(c, now)).await {
                        Ok(0) => {}
                        Ok(n) => tracing::warn!(jobs = n, "re-queued jobs whose worker stopped"),
                        Err(e) => tracing::warn!(error = %e, "cannot sweep job leases"),
                    }
                }
            }
        }
    });
}

/// One worker: claims a batch of due jobs, runs them side by side (a batched kind's jobs
/// in one call of its handler), and marks the finished
/// ones done in the write that claims the next batch (or, idle or stopping, in one of its
/// own). Side by side, the batch's own writes reach the writer together and share a commit.
/// A job finished but not yet marked done when the process dies runs again after the
/// restart, as any job whose `done` was not committed: handlers are idempotent.
async fn work(jobs: Jobs, stop: CancellationToken) {
    let wake = jobs.wake_handle();
    let mut done: Vec<i64> = Vec::new();
    while !stop.is_cancelled() {
        let notified = wake.notified();
        let claimed = match jobs.finish_and_claim(&done, CLAIM_BATCH).await {
            Ok(claimed) => {
                done.clear();
                claimed
            }
            Err(e) => {
                tracing::warn!(error = %e, "job worker cannot claim");
                Vec::new()
            }
        };
        if claimed.is_empty() {
            tokio::select! {
                () = stop.cancelled() => break,
                () = notified => {}
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
            continue;
        }
        let mut running = JoinSet::new();
        for group in groups(&jobs, claimed) {
            let (jobs, stop) = (jobs.clone(), stop.clone());
            running.spawn(async move {
                let grace = async move {
                    stop.cancelled().await;
                    tokio::time::sleep(SHUTDOWN_GRACE).await;
                };
                jobs.run_claimed_together(group, grace).await
            });
        }
        while let Some(ran) = running.join_next().await {
            match ran {
                Ok(Ok(ran)) => done.extend(
                    ran.iter()
                        .filter(|r| r.status == JobStatus::Done)
                        .map(|r| r.id),
                ),
                Ok(Err(e)) => tracing::warn!(error = %e, "job worker cannot record a job"),
                // Its lease runs out and the job is queued again.
                Err(e) => tracing::error!(error = %e, "a job handler panicked"),
            }
        }
    }
    if !done.is_empty()
        && let Err(e) = jobs.finish_and_claim(&done, 0).await
    {
        tracing::warn!(error = %e, "job worker cannot mark its last jobs done");
    }
}
