//! Idempotency keys: the first response to (caller, key) is stored with a hash of the
//! request; the same key with the same request replays it, with another request is a
//! conflict, and while the first is still running a second waits its turn by being refused.

use crate::error::Error;
use rusqlite::{Connection, OptionalExtension};
use sha2::{Digest, Sha256};

/// What to do with a request that carries a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// First time: process it, then [`finish`].
    Fresh,
    /// Seen and answered: send this again.
    Replay { status: u16, body: String },
}

/// The longest key accepted.
pub const MAX_KEY_LEN: usize = 200;

/// A hash of what was asked: method, path and body.
pub fn request_hash(method: &str, path: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(method.as_bytes());
    hasher.update([0]);
    hasher.update(path.as_bytes());
    hasher.update([0]);
    hasher.update(body);
    hex::encode(hasher.finalize())
}

/// Claims a key for a request, or says how it was answered before.
pub fn begin(
    conn: &Connection,
    owner: &str,
    key: &str,
    hash: &str,
    now_ms: i64,
) -> Result<Begin, Error> {
    let found: Option<(String, Option<u16>, Option<String>)> = conn
        .prepare_cached("SELECT request_hash, status_code, response FROM idempotency_keys WHERE owner_id = ?1 AND key = ?2")?
        .query_row(rusqlite::params![owner, key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    match found {
        None => {
            conn.prepare_cached(
                "INSERT INTO idempotency_keys (owner_id, key, request_hash, status_code, response, created_at)
                 VALUES (?1, ?2, ?3, NULL, NULL, ?4)",
            )?
            .execute(rusqlite::params![owner, key, hash, now_ms])?;
            Ok(Begin::Fresh)
        }
        Some((stored, _, _)) if stored != hash => Err(Error::conflict(
            "idempotency_conflict",
            "this Idempotency-Key was used with a different request",
        )),
        Some((_, Some(status), Some(body))) => Ok(Begin::Replay { status, body }),
        Some(_) => Err(Error::conflict(
            "idempotency_in_progress",
            "a request with this Idempotency-Key is still being processed; retry shortly",
        )),
    }
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
