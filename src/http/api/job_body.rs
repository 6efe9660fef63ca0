//! The API's body of a queued job, built from the job queue's row. The schema name
//! (`JobRow`) is the published document's, kept as it was when the row was the body.

use crate::clock::at_ms;
use crate::jobs::{JobRow, JobStatus};
use serde::Serialize;
use time::OffsetDateTime;

/// A jobs row.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = JobRow)]
pub struct JobBody {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub dedupe_key: Option<String>,
    pub cause: String,
    #[schema(value_type = String)]
    pub status: JobStatus,
    pub run_at_ms: i64,
    pub attempts: i64,
    pub max_attempts: i64,
    pub last_error: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    /// When it runs next (or ran last).
    #[serde(with = "time::serde::rfc3339")]
    pub run_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<JobRow> for JobBody {
    fn from(j: JobRow) -> Self {
        Self {
            run_at: at_ms(j.run_at_ms),
            created_at: at_ms(j.created_at_ms),
            updated_at: at_ms(j.updated_at_ms),
            id: j.id,
            kind: j.kind,
            payload: j.payload,
            dedupe_key: j.dedupe_key,
            cause: j.cause,
            status: j.status,
            run_at_ms: j.run_at_ms,
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            last_error: j.last_error,
            created_at_ms: j.created_at_ms,
            updated_at_ms: j.updated_at_ms,
        }
    }
}
