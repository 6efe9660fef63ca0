//! Worker tasks: claim due jobs until shutdown. Idle workers sleep until woken by an enqueue
//! or for at most a second (jobs scheduled for later, or enqueued by another process).

use super::Jobs;
use crate::shutdown::CancellationToken;
use std::time::Duration;
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

async fn work(jobs: Jobs, stop: CancellationToken) {
    let wake = jobs.wake_handle();
    while !stop.is_cancelled() {
        let notified = wake.notified();
        let grace = {
            let stop = stop.clone();
            async move {
                stop.cancelled().await;
                tokio::time::sleep(SHUTDOWN_GRACE).await;
            }
        };
        match jobs.run_next_until(grace).await {
            Ok(Some(_)) => continue,
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "job worker cannot claim"),
        }
        tokio::select! {
            () = stop.cancelled() => break,
            () = notified => {}
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}
