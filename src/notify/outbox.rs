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
//!
//! The triggers a worker claimed together come here together (`Jobs::register_batch`):
//! their emails are logged in one write, composed (and, by the file transport, written) in
//! one trip to the blocking pool, and their verdicts written in one write, instead of a
//! write, a trip and a write per email, each waking a thread.

use super::compose::{Outgoing, subject};
use super::email::{self, EmailData, EmailKind};
use super::messages::SendEmail;
use super::repo::{self, NewNotification};
use super::transport::{Compose, Handed, SendFailure};
use super::{NotificationStatus, Notifier};
use crate::error::Error;
use crate::jobs::message::Message;
use crate::jobs::{JobFailure, JobKind, JobStatus, queue};
use std::sync::Arc;

/// How many first attempts share a trip to the blocking pool and a write of their verdicts.
/// A worker's full batch of triggers (`jobs::CLAIM_BATCH`, 128) makes sixteen such groups.
const ATTEMPT_GROUP: usize = 8;

/// A new email a trigger logged with its job claimed: its first attempt is the trigger's
/// to make.
#[derive(Clone)]
struct Claimed {
    id: String,
    kind: EmailKind,
    to: String,
    data: EmailData,
    job_id: i64,
}

/// An email about to be logged: its row, and what its first attempt needs.
type Prepared = (NewNotification, Claimed);

/// What an attempt came to: not composed (so not attempted), or the transport's verdict.
type Outcome = Result<Result<(), SendFailure>, Error>;

/// What a first attempt came to, as recorded.
struct Verdict {
    id: String,
    kind: EmailKind,
    job_id: i64,
    /// The email's status and error after it; `Err` (why) when it could not be composed,
    /// so was not attempted.
    attempted: Result<(NotificationStatus, Option<String>), String>,
    /// The job goes back to the queue with this failure; `None`: it is done.
    retry: Option<JobFailure>,
}

impl Notifier {
    /// Logs the emails and queues their jobs for the workers; returns how many were new.
    pub(super) async fn queue(&self, outgoing: Vec<Outgoing>) -> Result<usize, Error> {
        let prepared = self.prepare(outgoing)?;
        let mut logged = self.log(vec![prepared], false).await?;
        Ok(logged.pop().map_or(0, |new| new.len()))
    }

    /// Logs the emails of each trigger (one list per trigger) with their jobs claimed by
    /// this caller, in one write for them all, and makes each new one's first attempt; an
    /// outcome per trigger: `Err` when its emails could not be logged.
    pub(super) async fn queue_and_deliver(
        &self,
        outgoing: Vec<Vec<Outgoing>>,
    ) -> Vec<Result<(), Error>> {
        // A trigger whose emails cannot be logged fails alone.
        let mut outcomes = Vec::with_capacity(outgoing.len());
        let mut prepared = Vec::with_capacity(outgoing.len());
        for out in outgoing {
            match self.prepare(out) {
                Ok(p) => {
                    outcomes.push(Ok(()));
                    prepared.push(p);
                }
                Err(e) => {
                    outcomes.push(Err(e));
                    prepared.push(Vec::new());
                }
            }
        }
        let claimed: Vec<Claimed> = if prepared.len() > 1 {
            match self.log(prepared.clone(), true).await {
                Ok(logged) => logged.into_iter().flatten().collect(),
                // Not what a write should do: each trigger tries alone, so one that cannot
                // be logged does not hold back the others.
                Err(_) => {
                    let mut claimed = Vec::new();
                    for (p, outcome) in prepared.into_iter().zip(&mut outcomes) {
                        if p.is_empty() {
                            continue;
                        }
                        match self.log(vec![p], true).await {
                            Ok(logged) => claimed.extend(logged.into_iter().flatten()),
                            Err(e) => *outcome = Err(e),
                        }
                    }
                    claimed
                }
            }
        } else {
            match self.log(prepared, true).await {
                Ok(logged) => logged.into_iter().flatten().collect(),
                Err(e) => {
                    if let Some(outcome) = outcomes.first_mut() {
                        *outcome = Err(e);
                    }
                    Vec::new()
                }
            }
        };
        // In a few groups side by side: one group would leave the machine's other cores
        // idle while it composes, and idle again while its verdicts commit.
        let mut groups = tokio::task::JoinSet::new();
        let mut claimed = claimed.into_iter().peekable();
        while claimed.peek().is_some() {
            let group: Vec<Claimed> = claimed.by_ref().take(ATTEMPT_GROUP).collect();
            let notifier = self.clone();
            groups.spawn(async move { notifier.first_attempts(group).await });
        }
        while let Some(attempted) = groups.join_next().await {
            if let Err(e) = attempted {
                // Their jobs stay claimed until the lease runs out, as below.
                tracing::error!(error = %e, "making emails' first attempts panicked");
            }
        }
        outcomes
    }

    /// The rows of a trigger's emails, or why one of them cannot be logged.
    fn prepare(&self, outgoing: Vec<Outgoing>) -> Result<Vec<Prepared>, Error> {
        let mut prepared = Vec::with_capacity(outgoing.len());
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
            prepared.push((row, claimed));
        }
        Ok(prepared)
    }

    /// Logs the emails, each once per dedupe key, with their `send-email` jobs: queued, or
    /// with `claim` running for this caller; all in one write. Returns the new ones, a list
    /// per list given.
    async fn log(
        &self,
        prepared: Vec<Vec<Prepared>>,
        claim: bool,
    ) -> Result<Vec<Vec<Claimed>>, Error> {
        if prepared.iter().all(Vec::is_empty) {
            return Ok(prepared.into_iter().map(|_| Vec::new()).collect());
        }
        let now_ms = self.now_ms();
        let max_attempts = self.max_attempts;
        self.db
            .write(move |conn| {
                let mut logged = Vec::with_capacity(prepared.len());
                for emails in prepared {
                    let mut new = Vec::with_capacity(emails.len());
                    for (n, mut claimed) in emails {
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
                    logged.push(new);
                }
                Ok(logged)
            })
            .await
    }

    /// The first attempts of emails whose jobs this caller claimed: composed and handed to
    /// the transport as a worker's delivery would (all composed, and by the file transport
    /// written, in one trip to the blocking pool), then the verdicts and their jobs' next
    /// states (done; or queued for a retry after the backoff, dead when out of attempts):
    /// those known after the trip in one write, and each SMTP send's as soon as it is
    /// answered, with those answered meanwhile, so a message accepted waits for no other
    /// to be marked sent.
    async fn first_attempts(&self, claimed: Vec<Claimed>) {
        if claimed.is_empty() {
            return;
        }
        let started = std::time::Instant::now();
        let mut attempts = Vec::with_capacity(claimed.len());
        let mut ready: Vec<(usize, Outcome)> = Vec::new();
        let (mut messages, mut envelopes) = (Vec::new(), Vec::new());
        for (i, c) in claimed.into_iter().enumerate() {
            let Claimed {
                id,
                kind,
                to,
                data,
                job_id,
            } = c;
            match self.envelope(&to) {
                Ok(envelope) => {
                    let (sender, message_id) = (self.sender.clone(), id.clone());
                    let compose: Compose = Box::new(move || {
                        Ok(email::build(kind, &data, &sender, &to, &message_id)?.formatted())
                    });
                    messages.push((id.clone(), compose));
                    envelopes.push((i, envelope));
                }
                Err(e) => ready.push((i, Err(e))),
            }
            attempts.push((id, kind, job_id));
        }
        let handed = self.transport.compose_all(messages).await;
        let mut sending = tokio::task::JoinSet::new();
        for ((i, envelope), handed) in envelopes.into_iter().zip(handed) {
            match handed {
                Handed::NotComposed(e) => ready.push((i, Err(e))),
                Handed::Sent(sent) => ready.push((i, Ok(sent))),
                Handed::Composed(message) => {
                    let (transport, id) = (Arc::clone(&self.transport), attempts[i].0.clone());
                    sending.spawn(async move {
                        (i, Ok(transport.send(&id, &envelope, &message).await))
                    });
                }
            }
        }
        loop {
            if !ready.is_empty()
                && let Err(e) = self
                    .record(&attempts, std::mem::take(&mut ready), started)
                    .await
            {
                // An email whose attempt could not be made or recorded keeps its job
                // claimed until the lease runs out; then it is queued again like any
                // abandoned job.
                tracing::warn!(error = %e, "cannot record emails' first attempts");
            }
            let Some(sent) = sending.join_next().await else {
                return;
            };
            let mut sent = vec![sent];
            while let Some(more) = sending.try_join_next() {
                sent.push(more);
            }
            for s in sent {
                match s {
                    Ok(s) => ready.push(s),
                    // Its job stays claimed until the lease runs out, as above.
                    Err(e) => tracing::error!(error = %e, "sending an email panicked"),
                }
            }
        }
    }

    /// Writes what attempts came to (`ready`: an index into `attempts` and its outcome) and
    /// their jobs' next states in one write.
    async fn record(
        &self,
        attempts: &[(String, EmailKind, i64)],
        ready: Vec<(usize, Outcome)>,
        started: std::time::Instant,
    ) -> Result<(), Error> {
        let last = 1 >= self.max_attempts;
        let now_ms = self.now_ms();
        let verdicts: Vec<Verdict> = ready
            .into_iter()
            .filter_map(|(i, outcome)| {
                let (id, kind, job_id) = attempts.get(i)?.clone();
                Some(match outcome {
                    // Not composed, so not attempted: the job is tried again after the
                    // backoff, as a worker's delivery failing here would be.
                    Err(e) => Verdict {
                        id,
                        kind,
                        job_id,
                        retry: Some(JobFailure::Retry(e.to_string())),
                        attempted: Err(e.to_string()),
                    },
                    Ok(outcome) => Verdict {
                        id,
                        kind,
                        job_id,
                        retry: match &outcome {
                            Err(e) if !e.permanent => Some(JobFailure::Retry(e.reason.clone())),
                            _ => None,
                        },
                        attempted: Ok(super::delivery::verdict(&outcome, last)),
                    },
                })
            })
            .collect();
        let (job_statuses, verdicts) = self
            .db
            .write(move |conn| {
                let statuses = verdicts
                    .iter()
                    .map(|v| {
                        if let Ok((status, error)) = &v.attempted {
                            repo::record_attempt(conn, &v.id, *status, error.as_deref(), now_ms)?;
                        }
                        match &v.retry {
                            Some(failure) => queue::fail(conn, v.job_id, failure, now_ms),
                            None => {
                                queue::complete(conn, v.job_id, now_ms)?;
                                Ok(JobStatus::Done)
                            }
                        }
                    })
                    .collect::<Result<Vec<_>, Error>>()?;
                Ok((statuses, verdicts))
            })
            .await?;
        let elapsed = started.elapsed();
        for (v, job_status) in verdicts.into_iter().zip(job_statuses) {
            let kind = v.kind.as_str();
            match v.attempted {
                Ok((status, error)) => {
                    crate::metric::record::email_attempt(kind, status.as_str());
                    self.log_verdict(&v.id, kind, status, job_status, error.as_deref());
                }
                Err(e) => {
                    tracing::warn!(notification = %v.id, error = %e, "cannot compose an email; will retry");
                }
            }
            crate::metric::record::job_ran(
                JobKind::SendEmail.as_str(),
                job_status.as_str(),
                elapsed,
            );
        }
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
