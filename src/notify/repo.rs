//! SQL of the notification log.

use super::NotificationStatus;
use crate::error::Error;
use crate::pagination::PageRequest;
use rusqlite::{Connection, OptionalExtension, named_params};

/// A notification log row, without the message itself (the API's body is built from it in
/// `http::api`).
#[derive(Debug, Clone)]
pub struct NotificationRow {
    pub id: String,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub status: NotificationStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub cause: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    /// When the SMTP server accepted it.
    pub sent_at_ms: Option<i64>,
}

const COLUMNS: &str = "id, kind, recipient, subject, status, attempts, last_error, cause, created_at, updated_at, sent_at";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<NotificationRow> {
    Ok(NotificationRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        recipient: r.get(2)?,
        subject: r.get(3)?,
        status: r.get(4)?,
        attempts: r.get(5)?,
        last_error: r.get(6)?,
        cause: r.get(7)?,
        created_at_ms: r.get(8)?,
        updated_at_ms: r.get(9)?,
        sent_at_ms: r.get(10)?,
    })
}

/// A rendered email to log and send.
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub id: String,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub cause: String,
    pub dedupe_key: String,
    /// What the email says ([`super::email::EmailData`] as JSON): rendered when it is sent.
    pub data: String,
}

/// What is stored to send: the data to render (rows since migration 0012) or, for rows
/// written before, the rendered message.
#[derive(Debug, Clone)]
pub enum Stored {
    Data(String),
    Rendered(Vec<u8>),
}

/// Logs an email unless one with its dedupe key exists; returns whether it is new.
pub fn insert(conn: &Connection, n: &NewNotification, now_ms: i64) -> Result<bool, Error> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO notifications (id, kind, recipient, subject, status, attempts, cause, dedupe_key, message, data, created_at, updated_at)
             VALUES (:id, :kind, :to, :subject, 'queued', 0, :cause, :dedupe, X'', :data, :now, :now)
             ON CONFLICT (dedupe_key) DO NOTHING",
        )?
        .execute(named_params! {
            ":id": n.id, ":kind": n.kind, ":to": n.recipient, ":subject": n.subject, ":cause": n.cause,
            ":dedupe": n.dedupe_key, ":data": n.data, ":now": now_ms,
        })?
        > 0)
}

/// One notification and what is stored to send.
pub fn with_message(
    conn: &Connection,
    id: &str,
) -> Result<Option<(NotificationRow, Stored)>, Error> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS}, data, message FROM notifications WHERE id = ?1"
        ))?
        .query_row([id], |r| {
            let stored = match r.get::<_, Option<String>>(11)? {
                Some(data) => Stored::Data(data),
                None => Stored::Rendered(r.get(12)?),
            };
            Ok((from_row(r)?, stored))
        })
        .optional()?)
}

/// One notification.
pub fn by_id(conn: &Connection, id: &str) -> Result<Option<NotificationRow>, Error> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM notifications WHERE id = ?1"
        ))?
        .query_row([id], from_row)
        .optional()?)
}

/// Records the outcome of a delivery attempt.
pub fn record_attempt(
    conn: &Connection,
    id: &str,
    status: NotificationStatus,
    error: Option<&str>,
    now_ms: i64,
) -> Result<(), Error> {
    conn.prepare_cached(
        "UPDATE notifications SET status = ?2, attempts = attempts + 1, last_error = ?3, updated_at = ?4,
                sent_at = CASE WHEN ?2 = 'sent' THEN ?4 ELSE sent_at END
         WHERE id = ?1",
    )?
    .execute(rusqlite::params![id, status, error, now_ms])?;
    Ok(())
}

/// Marks a notification queued again (an admin's retry).
pub fn requeue(conn: &Connection, id: &str, now_ms: i64) -> Result<(), Error> {
    conn.prepare_cached(
        "UPDATE notifications SET status = 'queued', updated_at = ?2 WHERE id = ?1",
    )?
    .execute(rusqlite::params![id, now_ms])?;
    Ok(())
}

/// Filters of the notification log.
#[derive(Debug, Clone, Default)]
pub struct NotificationFilter {
    pub status: Option<NotificationStatus>,
    pub kind: Option<String>,
    pub recipient: Option<String>,
    pub cause: Option<String>,
}

/// A page of the log, newest first.
pub fn list(
    conn: &Connection,
    f: &NotificationFilter,
    page: &PageRequest,
) -> Result<Vec<NotificationRow>, Error> {
    let before = page.after.as_ref().map(|k| k[0].clone());
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM notifications
             WHERE (:status IS NULL OR status = :status) AND (:kind IS NULL OR kind = :kind)
               AND (:to IS NULL OR recipient = :to COLLATE NOCASE) AND (:cause IS NULL OR cause = :cause)
               AND (:before IS NULL OR id < :before)
             ORDER BY id DESC LIMIT :limit"
        ))?
        .query_map(
            named_params! { ":status": f.status, ":kind": f.kind, ":to": f.recipient, ":cause": f.cause,
                            ":before": before, ":limit": page.fetch_limit() },
            from_row,
        )?
        .collect::<Result<Vec<_>, _>>()?)
}

/// The emails a booking caused (`booking:<id>` and `booking:<id>:<tag>`), oldest first.
pub fn of_booking(conn: &Connection, booking_id: &str) -> Result<Vec<NotificationRow>, Error> {
    let cause = format!("booking:{booking_id}");
    // `;` sorts right after `:`, so the range holds exactly the tagged causes.
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM notifications
             WHERE cause = ?1 OR (cause > ?2 AND cause < ?3) ORDER BY created_at, id"
        ))?
        .query_map(
            rusqlite::params![cause, format!("{cause}:"), format!("{cause};")],
            from_row,
        )?
        .collect::<Result<Vec<_>, _>>()?)
}

/// Deletes up to `limit` sent emails sent before `before_ms`; returns how many.
pub fn delete_sent_before(conn: &Connection, before_ms: i64, limit: i64) -> Result<usize, Error> {
    Ok(conn
        .prepare_cached(
            "DELETE FROM notifications WHERE id IN (SELECT id FROM notifications
                 WHERE status = 'sent' AND sent_at < ?1 LIMIT ?2)",
        )?
        .execute(rusqlite::params![before_ms, limit])?)
}
