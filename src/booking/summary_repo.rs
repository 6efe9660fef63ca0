//! The door figures the staff dashboard shows.

use crate::error::Error;
use rusqlite::Connection;

/// Tickets checked in at or after `since_ms`.
pub fn checkins_since(conn: &Connection, since_ms: i64) -> Result<i64, Error> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM tickets WHERE checked_in_at >= ?1")?
        .query_row([since_ms], |r| r.get(0))?)
}
