//! The queue figures: what the staff dashboard warns about and the depth the metrics show.

use super::depth::Depth;
use crate::error::Error;
use rusqlite::Connection;

/// Jobs out of attempts, waiting for a person to look at them.
pub fn dead_jobs(conn: &Connection) -> Result<i64, Error> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM jobs WHERE status = 'dead'")?
        .query_row([], |r| r.get(0))?)
}

/// Counts queued, running and dead jobs by kind.
pub fn depth(conn: &Connection) -> Result<Vec<Depth>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind, status, count(*) FROM jobs
         WHERE status IN ('queued', 'running', 'dead')
         GROUP BY kind, status",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Depth {
            kind: r.get(0)?,
            status: r.get(1)?,
            count: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
