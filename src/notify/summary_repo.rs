//! The email figures the staff dashboard warns about.

use crate::error::Error;
use rusqlite::Connection;

/// Emails not delivered: (failing and still retried, dead after every attempt).
pub fn undelivered(conn: &Connection) -> Result<(i64, i64), Error> {
    Ok(conn
        .prepare_cached(
            "SELECT coalesce(sum(status = 'failed'), 0), coalesce(sum(status = 'dead'), 0)
             FROM notifications WHERE status IN ('failed', 'dead')",
        )?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?)
}
