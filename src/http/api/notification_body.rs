//! The API's body of a notification log entry, built from the notify domain's row. The
//! schema name (`NotificationRow`) is the published document's, kept as it was when the row
//! was the body.

use crate::clock::at_ms;
use crate::notify::NotificationStatus;
use crate::notify::repo::NotificationRow;
use serde::Serialize;
use time::OffsetDateTime;

/// A notification as the API shows it (without the message itself).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = NotificationRow)]
pub struct NotificationBody {
    pub id: String,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    /// `queued`, `failed` (will retry), `sent` or `dead` (out of attempts, or refused for
    /// good by the mail server; `last_error` has its answer).
    #[schema(value_type = String)]
    pub status: NotificationStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub cause: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub sent_at_ms: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// When the SMTP server accepted it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
}

impl From<NotificationRow> for NotificationBody {
    fn from(n: NotificationRow) -> Self {
        Self {
            created_at: at_ms(n.created_at_ms),
            updated_at: at_ms(n.updated_at_ms),
            sent_at: n.sent_at_ms.map(at_ms),
            id: n.id,
            kind: n.kind,
            recipient: n.recipient,
            subject: n.subject,
            status: n.status,
            attempts: n.attempts,
            last_error: n.last_error,
            cause: n.cause,
            created_at_ms: n.created_at_ms,
            updated_at_ms: n.updated_at_ms,
            sent_at_ms: n.sent_at_ms,
        }
    }
}
