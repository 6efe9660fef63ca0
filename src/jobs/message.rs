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
    let payload = serde_json::to_string(message).map_err(Error::internal)?;
    queue::enqueue(
        conn,
        &queue::NewJob {
            kind: M::KIND.as_str(),
            payload,
            dedupe_key,
            cause,
            run_at_ms: now_ms,
            max_attempts: queue::DEFAULT_MAX_ATTEMPTS,
        },
        now_ms,
    )
}

/// Enqueues `message` as [`enqueue`] does, unless a job of its kind whose dedupe key starts
/// with `coalesce` is still queued: that one takes the new payload instead (see
/// [`queue::refresh_queued`]). Returns whether a job was added.
pub fn enqueue_or_refresh<M: Message>(
    conn: &Connection,
    message: &M,
    dedupe_key: String,
    coalesce: &str,
    cause: String,
    now_ms: i64,
) -> Result<bool, Error> {
    debug_assert!(dedupe_key.starts_with(coalesce));
    let payload = serde_json::to_string(message).map_err(Error::internal)?;
    if queue::refresh_queued(conn, M::KIND.as_str(), coalesce, &payload, now_ms)? {
        return Ok(false);
    }
    queue::enqueue(
        conn,
        &queue::NewJob {
            kind: M::KIND.as_str(),
            payload,
            dedupe_key: Some(dedupe_key),
            cause,
            run_at_ms: now_ms,
            max_attempts: queue::DEFAULT_MAX_ATTEMPTS,
        },
        now_ms,
    )
}

/// Reads a job's payload as the message of its kind; the error says what was wrong, for the
/// job's `last_error`.
pub fn read<M: Message>(job: &JobRow) -> Result<M, String> {
    serde_json::from_str(&job.payload).map_err(|e| format!("{} payload: {e}", M::KIND.as_str()))
}

/// For each message's unit test: what a producer writes, its consumer reads back as written;
/// and a row stored before the types existed (the same fields; `json!` wrote its keys sorted)
/// reads, and is written again as the same JSON.
#[cfg(test)]
pub(crate) fn reads_back<M>(message: M, stored_before: serde_json::Value)
where
    M: Message + PartialEq + std::fmt::Debug,
{
    let written = serde_json::to_string(&message).expect("writes");
    assert_eq!(serde_json::from_str::<M>(&written).expect("reads"), message);
    let old: M = serde_json::from_str(&stored_before.to_string()).expect("old row reads");
    assert_eq!(old, message, "{stored_before}");
    let again: serde_json::Value = serde_json::from_str(&written).expect("json");
    assert_eq!(again, stored_before, "{}", M::KIND.as_str());
}
