//! How long finished work is kept: done jobs and sent emails are deleted once they finished
//! more than `storage.retention_days` ago, so the jobs and notifications tables stop growing
//! with the years. What is still to do (queued, running jobs; queued or failed emails) and
//! what needs an operator (dead jobs and emails) is never deleted.
//!
//! Safe to forget: a finished job or a sent email is read again by nobody. Their dedupe keys
//! guard causes that happen once (an account's welcome, a booking's confirmation, its
//! refund), long over by then; the audit checks jobs against their causes, never a cause
//! against its jobs or emails, so deleting them leaves it nothing to find.

use crate::clock::SharedClock;
use crate::error::Error;
use crate::jobs::Jobs;
use crate::notify::Notifier;
use crate::shutdown::CancellationToken;
use std::time::Duration;

/// How often the pruner looks.
const EVERY: Duration = Duration::from_secs(3600);

/// What one pruning deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub jobs: usize,
    pub emails: usize,
}

/// Deletes done jobs and sent emails that finished more than `keep_days` ago.
pub async fn prune(
    jobs: &Jobs,
    notifier: &Notifier,
    clock: &SharedClock,
    keep_days: u32,
) -> Result<Pruned, Error> {
    let now_ms = clock.now_ms();
    let before_ms = now_ms - i64::from(keep_days) * 86_400_000;
    Ok(Pruned {
        jobs: jobs.prune_done(before_ms).await?,
        emails: notifier.prune_sent(before_ms).await?,
    })
}

/// Prunes at start-up and then hourly, until `stop`.
pub async fn run_pruner(
    jobs: Jobs,
    notifier: Notifier,
    clock: SharedClock,
    keep_days: u32,
    stop: CancellationToken,
) {
    loop {
        match prune(&jobs, &notifier, &clock, keep_days).await {
            Ok(p) if p.jobs + p.emails > 0 => {
                tracing::info!(
                    jobs = p.jobs,
                    emails = p.emails,
                    keep_days,
                    "pruned finished work"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot prune finished jobs and emails"),
        }
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(EVERY) => {}
        }
    }
}
