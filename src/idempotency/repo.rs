//! SQL of the idempotency_keys table.

use crate::error::Error;
use rusqlite::{Connection, OptionalExtension};

/// A claimed key: the hash of the request that claimed it, and its answer once there is one.
#[derive(Debug, Clone)]
pub struct StoredKey {
    pub request_hash: String,
    pub status: Option<u16>,
    pub response: Option<String>,
}

/// A key as stored, if it was claimed.
pub fn find(conn: &Connection, owner: &str, key: &str) -> Result<Option<StoredKey>, Error> {
    Ok(conn
        .prepare_cached("SELECT request_hash, status_code, response FROM idempotency_keys WHERE owner_id = ?1 AND key = ?2")?
        .query_row(rusqlite::params![owner, key], |r| {
            Ok(StoredKey {
                request_hash: r.get(0)?,
                status: r.get(1)?,
                response: r.get(2)?,
            })
        })
        .optional()?)
}

/// Claims a key for a request with this hash, unanswered so far.
pub fn claim(
    conn: &Connection,
    owner: &str,
    key: &str,
    hash: &str,
    now_ms: i64,
) -> Result<(), Error> {
    conn.prepare_cached(
        "INSERT INTO idempotency_keys (owner_id, key, request_hash, status_code, response, created_at)
         VALUES (?1, ?2, ?3, NULL, NULL, ?4)",
    )?
    .execute(rusqlite::params![owner, key, hash, now_ms])?;
    Ok(())
}

/// Stores the response to a claimed key.
pub fn finish(
    conn: &Connection,
    owner: &str,
    key: &str,
    status: u16,
    body: &str,
) -> Result<(), Error> {
    conn.prepare_cached("UPDATE idempotency_keys SET status_code = ?3, response = ?4 WHERE owner_id = ?1 AND key = ?2")?
        .execute(rusqlite::params![owner, key, status, body])?;
    Ok(())
}

/// Frees every key whose request a crash interrupted (claimed, never answered), so the
/// client's retry runs again instead of being told "still in progress" forever. Only at
/// start-up, when no request can be running.
pub fn abandon_unfinished(conn: &Connection) -> Result<usize, Error> {
    Ok(conn
        .prepare_cached("DELETE FROM idempotency_keys WHERE status_code IS NULL")?
        .execute([])?)
}

/// Frees a claimed key whose request failed in a way worth retrying (a 5xx).
pub fn abandon(conn: &Connection, owner: &str, key: &str) -> Result<(), Error> {
    conn.prepare_cached(
        "DELETE FROM idempotency_keys WHERE owner_id = ?1 AND key = ?2 AND status_code IS NULL",
    )?
    .execute(rusqlite::params![owner, key])?;
    Ok(())
}
