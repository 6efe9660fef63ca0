//! The outbox: emails are logged in the notifications table, as the data their template is
//! rendered from when they are sent, and their `send-email` jobs queued in the same write,
//! once per dedupe key (kind, cause, recipient), so a trigger that runs again queues nothing
//! new.
//!
//! A trigger makes each new email's first attempt itself: its `send-email` job is written
//! already claimed by it (running, the attempt counted, under the usual lease), so no worker
//! can take it meanwhile, and the attempt's verdict and the job's next state are written
//! together once it is made. Nothing else changes: a failed attempt queues the job for its
//! retry after the backoff, and a job left running by a crash is queued again at start-up,
//! where delivery skips an email already marked sent. What this saves is a claim, a read of
//! the stored email and its data's parsing per email: the background's cost per booking.

use super::compose::{Outgoing, subject};
use super::email::{self, EmailData, EmailKind};
use super::messages::SendEmail;
use super::repo::{self, NewNotification};
use super::{NotificationStatus, Notifier};
use crate::error::Error;
use crate::jobs::message::Message;
use crate::jobs::{JobFailure, JobKind, JobStatus, queue};

/// A new email this trigger logged with its job claimed: its first attempt is the
/// trigger's to make.
struct Claimed {
    id: String,
    kind: EmailKind,
    to: String,
    data: EmailData,
    job_id: i64,
}

impl Notifier {
    /// Logs the emails and queues their jobs for the workers; returns how many were new.
    pub(super) async fn queue(&self, outgoing: Vec<Outgoing>) -> Result<usize, Error> {
        Ok(self.log(outgoing, false).await?.len())
    }

    /// Logs the emails with their jobs claimed by this caller and makes each new one's first
    /// attempt, side by side; returns how many were new.
    pub(super) async fn queue_and_deliver(&self, outgoing: Vec<Outgoing>) -> Result<usize, Error> {
        let mut claimed = self.log(outgoing, true).await?;
        let new = claimed.len();
        // An email whose attempt could not be made or recorded keeps its job claimed until
        // the lease runs out; then it is queued again like any abandoned job.
        let failed = |e: Error| tracing::warn!(error = %e, "cannot make an email's first attempt");
        if new == 1 {
            if let Some(c) = claimed.pop()
                && let Err(e) = self.first_attempt(c).await
            {
                failed(e);
            }
            return Ok(new);
        }
        let mut attempts = tokio::task::JoinSet::new();
        for c in claimed {
            let notifier = self.clone();
            attempts.spawn(async move { notifier.first_attempt(c).await });
        }
        while let Some(attempted) = attempts.join_next().await {
            match attempted {
                Ok(Ok(())) => {}
                Ok(Err(e)) => failed(e),
                Err(e) => failed(Error::internal(e)),
            }
        }
        Ok(new)
    }

    /// Logs the emails, each once per dedupe key, with their `send-email` jobs: queued, or
    /// with `claim` running for this caller. Returns the new ones.
    async fn log(&self, outgoing: Vec<Outgoing>, claim: bool) -> Result<Vec<Claimed>, Error> {
        if outgoing.is_empty() {
            return Ok(Vec::new());
        }
        let now_ms = self.now_ms();
        let mut logged = Vec::with_capacity(outgoing.len());
        for mut out in outgoing {
            out.data.recipient = out.to.clone();
            out.data.subject = subject(out.kind, &out.data);
            let id = crate::ids::new_id("ntf");
            // Refused now, as rendering it here did: an address no message can go to.
            email::mailbox(&out.to)?;
            let data = serde_json::to_string(&out.data).map_err(Error::internal)?;
            let row = NewNotification {
                dedupe_key: format!(
                    "{}:{}:{}",
                    out.kind.as_str(),
                    out.cause,
                    out.to.to_lowercase()
                ),
                id: id.clone(),
                kind: out.kind.as_str().into(),
                recipient: out.to.clone(),
                subject: out.data.subject.clone(),
                cause: out.cause,
                data,
            };
            let claimed = Claimed {
                id,
                kind: out.kind,
                to: out.to,
                data: out.data,
                job_id: 0,
            };
            logged.push((row, claimed));
        }
        let max_attempts = self.max_attempts;
        self.db
            .write(move |conn| {
                let mut new = Vec::with_capacity(logged.len());
                for (n, mut claimed) in logged {
                    if !repo::insert(conn, &n, now_ms)? {
                        continue;
                    }
                    let job = queue::NewJob {
                        kind: SendEmail::KIND.as_str(),
                        payload: serde_json::to_string(&SendEmail {
                            notification_id: n.id.clone(),
                        })
                        .map_err(Error::internal)?,
                        dedupe_key: Some(format!("send-email:{}", n.id)),
                        cause: n.cause.clone(),
                        run_at_ms: now_ms,
                        max_attempts,
                    };
                    if claim {
                        claimed.job_id = queue::enqueue_claimed(conn, &job, now_ms)?
                            .ok_or_else(|| Error::internal("a new email's job exists"))?;
                    } else {
                        queue::enqueue(conn, &job, now_ms)?;
                    }
                    new.push(claimed);
                }
                Ok(new)
            })
            .await
    }

    /// The first attempt of an email whose job this trigger claimed: composed and handed to
    /// the transport as a worker's delivery would, then the verdict and the job's next state
    /// in one write (done; or queued for a retry after the backoff, dead when out of attempts).
    async fn first_attempt(&self, c: Claimed) -> Result<(), Error> {
        let started = std::time::Instant::now();
        let (sender, id, to, kind) = (self.sender.clone(), c.id.clone(), c.to.clone(), c.kind);
        let data = c.data;
        let sent = match self.envelope(&c.to) {
            Ok(envelope) => {
                self.transport
                    .send_composed(&c.id, &envelope, move || {
                        Ok(email::build(kind, &data, &sender, &to, &id)?.formatted())
                    })
                    .await
            }
            Err(e) => Err(e),
        };
        let outcome = match sent {
            Ok(outcome) => outcome,
            Err(e) => {
                // Not composed, so not attempted: the job is tried again after the backoff,
                // as a worker's delivery failing here would be.
                let (job_id, now_ms, failure) =
                    (c.job_id, self.now_ms(), JobFailure::Retry(e.to_string()));
                let job_status = self
                    .db
                    .write(move |conn| queue::fail(conn, job_id, &failure, now_ms))
                    .await?;
                crate::metric::record::job_ran(
                    JobKind::SendEmail.as_str(),
                    job_status.as_str(),
                    started.elapsed(),
                );
                tracing::warn!(notification = %c.id, error = %e, "cannot compose an email; will retry");
                return Ok(());
            }
        };
        let (status, error) = super::delivery::verdict(&outcome, 1 >= self.max_attempts);
        let now_ms = self.now_ms();
        let (id, job_id, recorded) = (c.id.clone(), c.job_id, error.clone());
        let retry = match &outcome {
            Err(e) if !e.permanent => Some(JobFailure::Retry(e.reason.clone())),
            _ => None,
        };
        let job_status = self
            .db
            .write(move |conn| {
                repo::record_attempt(conn, &id, status, recorded.as_deref(), now_ms)?;
                match retry {
                    Some(failure) => queue::fail(conn, job_id, &failure, now_ms),
                    None => {
                        queue::complete(conn, job_id, now_ms)?;
                        Ok(JobStatus::Done)
                    }
                }
            })
            .await?;
        crate::metric::record::email_attempt(c.kind.as_str(), status.as_str());
        crate::metric::record::job_ran(
            JobKind::SendEmail.as_str(),
            job_status.as_str(),
            started.elapsed(),
        );
        self.log_verdict(&c.id, c.kind.as_str(), status, job_status, error.as_deref());
        Ok(())
    }

    /// Says what an attempt that did not send leads to, as the job worker does for a job.
    pub(super) fn log_verdict(
        &self,
        id: &str,
        kind: &str,
        status: NotificationStatus,
        job: JobStatus,
        error: Option<&str>,
    ) {
        let Some(error) = error else { return };
        match (status, job) {
            (NotificationStatus::Dead, JobStatus::Done) => {
                tracing::warn!(notification = %id, %kind, %error, "email refused for good; not retried");
            }
            (_, JobStatus::Dead) => {
                tracing::error!(notification = %id, %kind, %error, "email is dead: out of attempts");
            }
            _ => tracing::warn!(notification = %id, %kind, %error, "email failed; will retry"),
        }
    }
}
