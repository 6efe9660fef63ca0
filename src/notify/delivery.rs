//! Delivery: one logged email handed to the transport, its attempt recorded. Never twice: an
//! email marked sent is skipped, so a retried or recovered job does not send it again.

use super::messages::SendEmail;
use super::transport::SendFailure;
use super::{NotificationStatus, Notifier, email, repo};
use crate::error::Error;
use crate::jobs::{JobFailure, JobRow, JobStatus, message};
use lettre::address::Envelope;

impl Notifier {
    /// Delivers one logged email (the `send-email` handler). A temporary failure retries it
    /// later; a permanent refusal (SMTP 5xx: the mailbox does not exist) marks the email dead
    /// at once, with the server's answer as its error. Its job is then done, not dead: the
    /// delivery ran and has its verdict, and a dead job means the queue needs the operator
    /// (retrying it would only ask the mail server the same question). A mail server that
    /// refuses everything shows as rising failures on the emails, not as one silent job.
    pub async fn deliver(&self, job: &JobRow) -> Result<(), JobFailure> {
        let SendEmail {
            notification_id: id,
        } = message::read(job)?;
        let lookup = id.clone();
        let Some((row, message)) = self
            .db
            .read(move |conn| repo::with_message(conn, &lookup))
            .await
            .map_err(|e| e.to_string())?
        else {
            return Ok(()); // nothing to send
        };
        if row.status == NotificationStatus::Sent {
            return Ok(()); // sent before a crash or a retry: never twice
        }
        let envelope = self.envelope(&row.recipient).map_err(|e| e.to_string())?;
        let (sender, kind, to, message_id) = (
            self.sender.clone(),
            row.kind.clone(),
            row.recipient.clone(),
            id.clone(),
        );
        let outcome = self
            .transport
            .send_composed(&id, &envelope, move || match message {
                repo::Stored::Rendered(message) => Ok(message),
                repo::Stored::Data(data) => {
                    email::render_stored(&kind, &data, &sender, &to, &message_id)
                }
            })
            .await
            .map_err(|e| e.to_string())?;
        let (status, error) = verdict(&outcome, job.attempts >= job.max_attempts);
        let now_ms = self.now_ms();
        let recorded = error.clone();
        self.db
            .write(move |conn| repo::record_attempt(conn, &id, status, recorded.as_deref(), now_ms))
            .await
            .map_err(|e| e.to_string())?;
        crate::metric::record::email_attempt(
            super::email::EmailKind::label(&row.kind),
            status.as_str(),
        );
        match (outcome, error) {
            (Ok(()), _) => Ok(()),
            (Err(e), Some(reason)) if e.permanent => {
                self.log_verdict(&row.id, &row.kind, status, JobStatus::Done, Some(&reason));
                Ok(())
            }
            (Err(e), _) => Err(JobFailure::Retry(e.reason)),
        }
    }

    pub(super) fn envelope(&self, to: &str) -> Result<Envelope, Error> {
        let to: lettre::Address = to
            .parse()
            .map_err(|_| Error::invalid("recipient", "is not an email address"))?;
        Envelope::new(Some(self.sender.from.email.clone()), vec![to]).map_err(Error::internal)
    }
}

/// What an attempt makes of its email, and the error to record: sent; dead when refused for
/// good or when it was the `last` attempt; failed, to be tried again, otherwise.
pub(super) fn verdict(
    outcome: &Result<(), SendFailure>,
    last: bool,
) -> (NotificationStatus, Option<String>) {
    match outcome {
        Ok(()) => (NotificationStatus::Sent, None),
        Err(e) if e.permanent => (
            NotificationStatus::Dead,
            Some(format!("refused for good: {}", e.reason)),
        ),
        Err(e) if last => (NotificationStatus::Dead, Some(e.reason.clone())),
        Err(e) => (NotificationStatus::Failed, Some(e.reason.clone())),
    }
}
