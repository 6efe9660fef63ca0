//! The queue's vocabulary: a job to enqueue, a jobs row, the backoff between attempts. The
//! SQL over the jobs table (enqueue inside a caller's transaction, claim, finish, retry,
//! park as dead) is in `repo.rs`, re-exported here so callers keep one name for the queue.

pub use super::read_repo::{causes, counts, list};
pub use super::repo::{
    by_id, claim, claim_batch, complete, complete_all, delete_done_before, enqueue,
    enqueue_claimed, fail, refresh_queued, release, requeue_abandoned, requeue_all_running, retry,
};

/// Attempts before a job is parked as dead, unless the enqueuer says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: i64 = 8;
/// How long a claimed job may run before it counts as abandoned.
pub const LEASE_MS: i64 = 5 * 60 * 1000;

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub kind: &'a str,
    pub payload: String,
    pub dedupe_key: Option<String>,
    pub cause: String,
    pub run_at_ms: i64,
    pub max_attempts: i64,
}

/// A jobs row (the API's body is built from it in `http::api`).
#[derive(Debug, Clone)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub dedupe_key: Option<String>,
    pub cause: String,
    pub status: super::JobStatus,
    /// When it runs next (or ran last).
    pub run_at_ms: i64,
    pub attempts: i64,
    pub max_attempts: i64,
    pub last_error: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// The delay before attempt `attempts + 1`: 1 s, 2 s, 4 s, … capped at one hour.
pub fn backoff_ms(attempts: i64) -> i64 {
    let exponent = attempts.clamp(1, 13) - 1;
    (1000_i64 << exponent).min(3_600_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps_at_an_hour() {
        assert_eq!(backoff_ms(1), 1000);
        assert_eq!(backoff_ms(2), 2000);
        assert_eq!(backoff_ms(5), 16_000);
        assert_eq!(backoff_ms(40), 3_600_000);
    }
}
