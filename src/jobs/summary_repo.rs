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
    // One count per state, each through the index of that state's jobs (migration 0023).
    let mut stmt = conn.prepare_cached(
        "SELECT kind, 'queued', count(*) FROM jobs WHERE status = 'queued' GROUP BY kind
         UNION ALL
         SELECT kind, 'running', count(*) FROM jobs WHERE status = 'running' GROUP BY kind
         UNION ALL
         SELECT kind, 'dead', count(*) FROM jobs WHERE status = 'dead' GROUP BY kind",
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
