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
///
/// Its data goes to `notification_bodies`, written once: the row, rewritten whole at each
/// change of status, stays small (migration 0023).
pub fn insert(conn: &Connection, n: &NewNotification, now_ms: i64) -> Result<bool, Error> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO notifications (id, kind, recipient, subject, status, attempts, cause, dedupe_key, message, created_at, updated_at)
             VALUES (:id, :kind, :to, :subject, 'queued', 0, :cause, :dedupe, X'', :now, :now)
             ON CONFLICT (dedupe_key) DO NOTHING",
        )?
        .execute(named_params! {
            ":id": n.id, ":kind": n.kind, ":to": n.recipient, ":subject": n.subject, ":cause": n.cause,
            ":dedupe": n.dedupe_key, ":now": now_ms,
        })?
        > 0;
    if inserted {
        conn.prepare_cached("INSERT INTO notification_bodies (id, data) VALUES (?1, ?2)")?
            .execute([&n.id, &n.data])?;
    }
    Ok(inserted)
}

/// One notification and what is stored to send.
pub fn with_message(
    conn: &Connection,
    id: &str,
) -> Result<Option<(NotificationRow, Stored)>, Error> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS}, coalesce((SELECT data FROM notification_bodies WHERE id = ?1), data),
                    message
               FROM notifications WHERE id = ?1"
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

/// Deletes up to `limit` sent emails sent before `before_ms`, with their data; returns how
/// many.
pub fn delete_sent_before(conn: &Connection, before_ms: i64, limit: i64) -> Result<usize, Error> {
    let ids = conn
        .prepare_cached(
            "SELECT id FROM notifications WHERE status = 'sent' AND sent_at < ?1 LIMIT ?2",
        )?
        .query_map(rusqlite::params![before_ms, limit], |r| {
            r.get::<_, String>(0)
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut body = conn.prepare_cached("DELETE FROM notification_bodies WHERE id = ?1")?;
    let mut row = conn.prepare_cached("DELETE FROM notifications WHERE id = ?1")?;
    for id in &ids {
        body.execute([id])?;
        row.execute([id])?;
    }
    Ok(ids.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log() -> Connection {
        let mut conn = Connection::open_in_memory().expect("opens");
        conn.pragma_update(None, "foreign_keys", "ON")
            .expect("keys on");
        crate::store::migrations::apply(&mut conn).expect("migrates");
        conn
    }

    fn email(id: &str) -> NewNotification {
        NewNotification {
            id: id.into(),
            kind: "booking-confirmed".into(),
            recipient: "a@example.test".into(),
            subject: "Your tickets".into(),
            cause: format!("booking:{id}"),
            dedupe_key: format!("booking-confirmed:{id}"),
            data: format!(r#"{{"id":"{id}"}}"#),
        }
    }

    fn data_of(conn: &Connection, id: &str) -> Option<String> {
        match with_message(conn, id).expect("reads")?.1 {
            Stored::Data(data) => Some(data),
            Stored::Rendered(_) => None,
        }
    }

    /// An email's data is written once, apart from its row: marking it sent rewrites the
    /// small row only. Rows logged before keep their data in the row and still read; the
    /// prune takes an email's data with it.
    #[test]
    fn an_emails_data_stays_apart_from_its_row_and_goes_with_it() {
        let conn = log();
        assert!(insert(&conn, &email("ntf_1"), 1).expect("logs"));
        assert!(!insert(&conn, &email("ntf_1"), 2).expect("logs once"));
        let in_row: Option<String> = conn
            .query_row(
                "SELECT data FROM notifications WHERE id = 'ntf_1'",
                [],
                |r| r.get(0),
            )
            .expect("row");
        assert_eq!(in_row, None);
        record_attempt(&conn, "ntf_1", NotificationStatus::Sent, None, 3).expect("sent");
        assert_eq!(
            data_of(&conn, "ntf_1").as_deref(),
            Some(r#"{"id":"ntf_1"}"#)
        );

        conn.execute(
            "INSERT INTO notifications (id, kind, recipient, subject, status, attempts, cause,
                                        dedupe_key, message, data, created_at, updated_at)
             VALUES ('ntf_0', 'welcome', 'b@example.test', 'Hi', 'queued', 0, 'user:u',
                     'welcome:user:u', X'', '{\"old\":1}', 0, 0)",
            [],
        )
        .expect("a row logged before 0023");
        assert_eq!(data_of(&conn, "ntf_0").as_deref(), Some(r#"{"old":1}"#));

        assert_eq!(delete_sent_before(&conn, 4, 10).expect("prunes"), 1);
        let bodies: i64 = conn
            .query_row("SELECT count(*) FROM notification_bodies", [], |r| r.get(0))
            .expect("count");
        assert_eq!(bodies, 0);
        assert!(with_message(&conn, "ntf_1").expect("reads").is_none());
        assert!(with_message(&conn, "ntf_0").expect("reads").is_some());
    }

    /// An email's send moves no index entry but the one of the state it enters: no index of
    /// the log is keyed on the status or the recipient (migration 0023), and the undelivered
    /// count and the prune of sent emails read the index of their rows only.
    #[test]
    fn a_send_moves_no_entry_and_the_readers_by_status_have_their_index() {
        let conn = log();
        let strings = |sql: &str, param: &str| -> Vec<String> {
            conn.prepare(sql)
                .expect("prepares")
                .query_map([param], |r| r.get(0))
                .expect("reads")
                .collect::<Result<_, _>>()
                .expect("rows")
        };
        for index in strings(
            "SELECT name FROM pragma_index_list(?1) WHERE partial = 0",
            "notifications",
        ) {
            let columns = strings("SELECT name FROM pragma_index_info(?1)", &index);
            assert!(
                !columns.iter().any(|c| c == "status" || c == "recipient"),
                "{index} is keyed on {columns:?}"
            );
        }
        let plan = |query: &str| crate::store::migrations::query_plan(&conn, query);
        let undelivered =
            plan("SELECT count(*) FROM notifications WHERE status IN ('failed', 'dead')");
        assert!(
            undelivered.contains("INDEX notifications_undelivered"),
            "{undelivered}"
        );
        let prune =
            plan("SELECT id FROM notifications WHERE status = 'sent' AND sent_at < 5 LIMIT 3");
        assert!(prune.contains("INDEX notifications_sent"), "{prune}");
    }
}
