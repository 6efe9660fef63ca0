//! Email: every turn of a booking is told to the customer. Trigger jobs (user-created,
//! payment-succeeded, payment-failed, booking-expired, booking-cancelled, event-cancelled)
//! are composed into emails that are logged (as the data their templates render, rendered
//! when sent, with the same Message-ID on every attempt) with their `send-email` jobs in one
//! transaction; the trigger makes each email's first attempt itself, its job claimed by it in
//! that transaction (see `outbox`); retries are the jobs', with backoff, parked as dead after
//! `mail.max_attempts`. A resend from the console or API queues its job for the workers.
//!
//! Never twice: each email has a dedupe key per (kind, cause, recipient), so a trigger
//! that runs again renders nothing new, and a delivery job skips an email marked sent. The
//! crash window that remains is between the SMTP server accepting the message and the
//! `sent` mark committing (one SQLite commit, about a millisecond): a crash there sends it
//! again on restart, with the same Message-ID, which receiving servers may use to drop it.
//!
//! Owns the notifications table.

mod compose;
mod delivery;
pub mod email;
pub mod messages;
mod outbox;
pub mod qr;
pub mod repo;
pub mod resend;
mod smtp;
pub mod status;
pub mod summary_repo;
pub mod transport;

pub use compose::local_time;
pub use status::NotificationStatus;

use crate::clock::SharedClock;
use crate::config::MailConfig;
use crate::error::{Conflict, Error};
use crate::jobs::rerun_repo::{self, Rerun};
use crate::jobs::{JobFailure, JobKind, Jobs};
use crate::pagination::{Page, PageRequest};
use crate::store::Sqlite;
use compose::subject;
use email::{EmailKind, Sender};
use repo::{NotificationFilter, NotificationRow};
use std::sync::Arc;
use transport::Transport;

/// The notifier handle.
#[derive(Clone)]
pub struct Notifier {
    db: Sqlite,
    clock: SharedClock,
    transport: Arc<Transport>,
    sender: Sender,
    brand: String,
    footer: String,
    max_attempts: i64,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("transport", &self.transport)
            .finish()
    }
}

impl Notifier {
    /// A notifier for `[mail]`; files go under the data dir.
    pub fn new(
        db: Sqlite,
        clock: SharedClock,
        mail: &MailConfig,
        data_dir: &std::path::Path,
    ) -> Result<Notifier, Error> {
        let from = mail
            .from
            .parse()
            .map_err(|_| Error::invalid("mail.from", "is not an email address"))?;
        let reply_to = match &mail.reply_to {
            Some(r) => Some(
                r.parse()
                    .map_err(|_| Error::invalid("mail.reply_to", "is not an email address"))?,
            ),
            None => None,
        };
        Ok(Notifier {
            db,
            clock,
            transport: Arc::new(Transport::from_config(mail, data_dir)?),
            sender: Sender { from, reply_to },
            brand: mail.operator_name.clone(),
            footer: mail.footer.clone(),
            max_attempts: i64::from(mail.max_attempts),
        })
    }

    fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Registers the trigger handlers and the delivery handler on the queue.
    pub fn register(&self, jobs: &Jobs) {
        for kind in compose::Trigger::KINDS {
            let notifier = self.clone();
            // No worker needs waking: the trigger makes its emails' first attempts itself.
            // A worker's claimed triggers of a kind are handled together: their reads, their
            // logging and their verdicts are one trip each for them all.
            jobs.register_batch(kind.as_str(), move |batch| {
                let notifier = notifier.clone();
                async move {
                    notifier
                        .on_triggers(kind, &batch)
                        .await
                        .into_iter()
                        .map(|outcome| outcome.map_err(JobFailure::Retry))
                        .collect()
                }
            });
        }
        let notifier = self.clone();
        jobs.register_parking(JobKind::SendEmail.as_str(), move |job| {
            let notifier = notifier.clone();
            async move { notifier.deliver(&job).await }
        });
    }
    /// A page of the log.
    pub async fn list(
        &self,
        filter: NotificationFilter,
        page: PageRequest,
    ) -> Result<Page<NotificationRow>, Error> {
        let request = page.clone();
        let rows = self
            .db
            .read(move |conn| repo::list(conn, &filter, &request))
            .await?;
        Ok(Page::from_rows(rows, &page, |n| vec![n.id.clone()]))
    }

    /// Deletes sent emails sent before `before_ms`, a batch per write; returns how many.
    pub async fn prune_sent(&self, before_ms: i64) -> Result<usize, Error> {
        let batch = crate::jobs::PRUNE_BATCH;
        let mut total = 0;
        loop {
            let deleted = self
                .db
                .write(move |conn| repo::delete_sent_before(conn, before_ms, batch))
                .await?;
            total += deleted;
            if deleted < batch as usize {
                return Ok(total);
            }
        }
    }

    /// Queues a failed or dead email again with fresh attempts.
    ///
    /// The checks and both updates run in one write, which the single writer serializes with
    /// the workers' claims and `sent` marks: a delivery finishing meanwhile cannot be
    /// overwritten back to `queued` (and so sent twice by a later retry).
    pub async fn retry(&self, jobs: &Jobs, id: &str) -> Result<NotificationRow, Error> {
        if !crate::ids::looks_like("ntf", id) {
            return Err(Error::NotFound("notification"));
        }
        let (now_ms, nid) = (self.now_ms(), id.to_string());
        let row = self
            .db
            .write(move |conn| {
                let row = repo::by_id(conn, &nid)?.ok_or(Error::NotFound("notification"))?;
                if row.status == NotificationStatus::Sent {
                    return Err(Conflict::AlreadySent.into());
                }
                let key = format!("send-email:{nid}");
                match rerun_repo::rerun_by_dedupe_key(conn, &key, now_ms)? {
                    Rerun::Queued => {}
                    Rerun::Missing => return Err(Error::NotFound("notification job")),
                    Rerun::Running => {
                        return Err(Conflict::EmailSending.into());
                    }
                }
                repo::requeue(conn, &nid, now_ms)?;
                repo::by_id(conn, &nid)?.ok_or(Error::NotFound("notification"))
            })
            .await?;
        jobs.wake();
        Ok(row)
    }

    /// Sends a test email now through the configured transport (`rezerve mail test`).
    pub async fn send_test(&self, to: &str) -> Result<String, Error> {
        let id = crate::ids::new_id("ntf");
        let mut data = email::sample(EmailKind::Test, &self.brand, &self.footer);
        data.name = "there".into();
        data.recipient = to.to_string();
        data.subject = subject(EmailKind::Test, &data);
        let message = email::build(EmailKind::Test, &data, &self.sender, to, &id)?;
        let envelope = self.envelope(to)?;
        self.transport
            .send(&id, &envelope, &message.formatted())
            .await
            .map_err(|e| Error::Unavailable(format!("mail delivery failed: {}", e.reason)))?;
        Ok(id)
    }

    /// Renders a kind with sample data: the whole message (`.eml`) and its HTML.
    pub fn preview(&self, kind: EmailKind, to: &str) -> Result<(Vec<u8>, String, String), Error> {
        let mut data = email::sample(kind, &self.brand, &self.footer);
        data.subject = subject(kind, &data);
        let (html, text) = email::render(kind, &data)?;
        let message = email::build(kind, &data, &self.sender, to, "preview")?;
        Ok((message.formatted(), html, text))
    }
}
