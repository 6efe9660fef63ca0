//! The queue figures the staff dashboard warns about.

use crate::error::Error;
use rusqlite::Connection;

/// Jobs out of attempts, waiting for a person to look at them.
pub fn dead_jobs(conn: &Connection) -> Result<i64, Error> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM jobs WHERE status = 'dead'")?
        .query_row([], |r| r.get(0))?)
}
