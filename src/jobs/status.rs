//! Where a job stands in the queue, as the `jobs.status` column stores it.

crate::store::text_enum::text_enum! {
    /// A job's state: waiting (or waiting to retry), claimed by a worker, finished, or out of
    /// attempts.
    pub enum JobStatus {
        /// Waiting for its `run_at`, first time or after a failed attempt.
        Queued = "queued",
        /// Claimed by a worker until its lease runs out.
        Running = "running",
        /// Finished.
        Done = "done",
        /// Out of attempts, or refused for good: waits for an operator.
        Dead = "dead",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_job_status_reads_back_as_written() {
        crate::store::text_enum::assert_reads_back(super::JobStatus::ALL);
    }
}
