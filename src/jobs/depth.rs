//! How deep the queue is: live jobs counted by kind and status, for the metrics scrape and
//! the operator. One grouped count over the `jobs_ready (status, run_at)` index, so it
//! costs the live jobs, not the done ones that pile up behind them.

use super::Jobs;
use crate::error::Error;
use rusqlite::Connection;

/// Live jobs of one kind in one status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Depth {
    pub kind: String,
    /// `queued`, `running` or `dead`.
    pub status: String,
    pub count: i64,
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

impl Jobs {
    /// Live jobs by kind and status.
    pub async fn depth(&self) -> Result<Vec<Depth>, Error> {
        self.database().read(depth).await
    }
}
