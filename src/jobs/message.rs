//! A job's payload as a type: each kind has one serde struct, owned by the domain that owns
//! the idea, which its producers enqueue and its consumer reads back. The kind comes from the
//! type, so a payload cannot be enqueued under another kind's name.

use super::JobKind;
use super::queue::{self, JobRow};
use crate::error::Error;
use rusqlite::Connection;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The payload of one job kind.
pub trait Message: Serialize + DeserializeOwned {
    /// The kind its jobs are stored under.
    const KIND: JobKind;
}

/// Enqueues `message` in the caller's transaction to run now with the default attempts;
/// `false` if its dedupe key was queued before.
pub fn enqueue<M: Message>(
    conn: &Connection,
    message: &M,
    dedupe_key: Option<String>,
    cause: String,
    now_ms: i64,
) -> Result<bool, Error> {
    queue::enqueue_now(conn, M::KIND, message, dedupe_key, cause, now_ms)
}

/// Reads a job's payload as the message of its kind; the error says what was wrong, for the
/// job's `last_error`.
pub fn read<M: Message>(job: &JobRow) -> Result<M, String> {
    serde_json::from_str(&job.payload).map_err(|e| format!("{} payload: {e}", M::KIND.as_str()))
}
