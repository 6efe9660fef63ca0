//! The `user-created` message: an account was created, in the transaction that created it;
//! the notifier reads it to send the welcome email.

use crate::jobs::{JobKind, message::Message};
use serde::{Deserialize, Serialize};

/// The payload of a `user-created` job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserCreated {
    pub user_id: String,
    pub email: String,
    pub name: String,
}

impl Message for UserCreated {
    const KIND: JobKind = JobKind::UserCreated;
}

#[cfg(test)]
mod tests {
    use super::UserCreated;

    #[test]
    fn what_account_creation_writes_the_notifier_reads_and_old_rows_still_read() {
        crate::jobs::message::reads_back(
            UserCreated {
                user_id: "usr_1".into(),
                email: "alice@example.com".into(),
                name: "Alice".into(),
            },
            serde_json::json!({"user_id": "usr_1", "email": "alice@example.com", "name": "Alice"}),
        );
    }
}
