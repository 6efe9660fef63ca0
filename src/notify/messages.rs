//! The `send-email` message: one logged email to deliver, queued by the outbox in the write
//! that logs it and read by delivery, which finds the rendered message by its id.

use crate::jobs::{JobKind, message::Message};
use serde::{Deserialize, Serialize};

/// The payload of a `send-email` job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendEmail {
    pub notification_id: String,
}

impl Message for SendEmail {
    const KIND: JobKind = JobKind::SendEmail;
}

#[cfg(test)]
mod tests {
    use super::SendEmail;

    #[test]
    fn what_the_outbox_writes_delivery_reads_and_old_rows_still_read() {
        crate::jobs::message::reads_back(
            SendEmail {
                notification_id: "ntf_1".into(),
            },
            serde_json::json!({"notification_id": "ntf_1"}),
        );
    }
}
