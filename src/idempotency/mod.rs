//! Idempotency keys: the first response to (caller, key) is stored with a hash of the
//! request; the same key with the same request replays it, with another request is a
//! conflict, and while the first is still running a second waits its turn by being refused.
//!
//! Its own module because it serves holds, bookings and payments alike (the HTTP layer's
//! `idempotency::run` wraps a handler in it); owns the idempotency_keys table ([`repo`]).

pub mod repo;

use crate::error::{Conflict, Error};
use rusqlite::Connection;
use sha2::{Digest, Sha256};

pub use repo::{abandon, abandon_unfinished, finish};

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
    match repo::find(conn, owner, key)? {
        None => {
            repo::claim(conn, owner, key, hash, now_ms)?;
            Ok(Begin::Fresh)
        }
        Some(stored) if stored.request_hash != hash => Err(Conflict::IdempotencyConflict.into()),
        Some(repo::StoredKey {
            status: Some(status),
            response: Some(body),
            ..
        }) => Ok(Begin::Replay { status, body }),
        Some(_) => Err(Conflict::IdempotencyInProgress.into()),
    }
}
