//! Where an email stands, as the `notifications.status` column stores it.

crate::store::text_enum::text_enum! {
    /// An email's state in the delivery log.
    pub enum NotificationStatus {
        /// Logged and waiting for its `send-email` job.
        Queued = "queued",
        /// The last attempt failed; it will be retried.
        Failed = "failed",
        /// The SMTP server accepted it; it is never sent again.
        Sent = "sent",
        /// Out of attempts, or refused for good by the mail server: not retried on its own.
        Dead = "dead",
    }
}

impl NotificationStatus {
    /// Whether an admin's retry may queue it again (it was not delivered and is not waiting).
    pub fn retryable(self) -> bool {
        matches!(self, NotificationStatus::Failed | NotificationStatus::Dead)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_notification_status_reads_back_as_written() {
        crate::store::text_enum::assert_reads_back(super::NotificationStatus::ALL);
    }
}
