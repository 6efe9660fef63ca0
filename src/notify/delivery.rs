//! Delivery: one logged email handed to the transport, its attempt recorded. Never twice: an
//! email marked sent is skipped, so a retried or recovered job does not send it again.

use super::messages::SendEmail;
use super::{NotificationStatus, Notifier, email, repo};
use crate::error::Error;
use crate::jobs::{JobFailure, JobRow, message};
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
        let message = match message {
            repo::Stored::Rendered(message) => message,
            repo::Stored::Data(data) => {
                email::render_stored(&row.kind, &data, &self.sender, &row.recipient, &id)
                    .map_err(|e| e.to_string())?
            }
        };
        let outcome = self.transport.send(&id, &envelope, &message).await;
        let now_ms = self.now_ms();
        let (status, error) = match &outcome {
            Ok(()) => (NotificationStatus::Sent, None),
            Err(e) if e.permanent => (
                NotificationStatus::Dead,
                Some(format!("refused for good: {}", e.reason)),
            ),
            Err(e) if job.attempts >= job.max_attempts => {
                (NotificationStatus::Dead, Some(e.reason.clone()))
            }
            Err(e) => (NotificationStatus::Failed, Some(e.reason.clone())),
        };
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
                tracing::warn!(notification = %row.id, kind = %row.kind, error = %reason, "email refused for good; not retried");
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
