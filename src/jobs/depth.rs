//! How deep the queue is: live jobs counted by kind and status, for the metrics scrape and
//! the operator. Grouped counts (`summary_repo::depth`) over the indexes of queued, running
//! and dead jobs, so it costs the live jobs, not the done ones that pile up behind them.

use super::{JobStatus, Jobs};
use crate::error::Error;

/// Live jobs of one kind in one status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Depth {
    pub kind: String,
    /// Queued, running or dead.
    pub status: JobStatus,
    pub count: i64,
}

impl Jobs {
    /// Live jobs by kind and status.
    pub async fn depth(&self) -> Result<Vec<Depth>, Error> {
        self.database().read(super::summary_repo::depth).await
    }
}
