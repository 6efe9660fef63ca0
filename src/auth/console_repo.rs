//! SQL of the console_sessions table: plain functions over a connection or transaction.

use super::role::Role;
use crate::error::Error;
use rusqlite::{Connection, OptionalExtension, named_params};

/// A new session row.
#[derive(Debug, Clone)]
pub struct NewSessionRow {
    pub id_hash: String,
    pub user_id: String,
    pub csrf_token: String,
    pub token_version: i64,
    pub now_ms: i64,
    pub expires_at_ms: i64,
}

/// A session joined with its account, as the checks need it.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub csrf_token: String,
    pub last_seen_at_ms: i64,
    pub expires_at_ms: i64,
}

/// Inserts a session.
pub fn insert(conn: &Connection, row: &NewSessionRow) -> Result<(), Error> {
    conn.prepare_cached(
        "INSERT INTO console_sessions
             (id_hash, user_id, csrf_token, token_version, created_at, last_seen_at, expires_at)
         VALUES (:id, :user, :csrf, :ver, :now, :now, :expires)",
    )?
    .execute(named_params! {
        ":id": row.id_hash, ":user": row.user_id, ":csrf": row.csrf_token,
        ":ver": row.token_version, ":now": row.now_ms, ":expires": row.expires_at_ms,
    })?;
    Ok(())
}

/// The session with this id hash, if its account is still enabled at the version the
/// session began with (a password, role or disabled change since revokes it, also when
/// another process — the CLI — made the change).
pub fn live(conn: &Connection, id_hash: &str) -> Result<Option<SessionRow>, Error> {
    Ok(conn
        .prepare_cached(
            "SELECT u.id, u.email, u.name, u.role, s.csrf_token, s.last_seen_at, s.expires_at
             FROM console_sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id_hash = ?1 AND u.disabled = 0 AND u.token_version = s.token_version",
        )?
        .query_row([id_hash], |r| {
            let role: String = r.get(3)?;
            Ok(SessionRow {
                user_id: r.get(0)?,
                email: r.get(1)?,
                name: r.get(2)?,
                role: role.parse().unwrap_or(Role::Customer),
                csrf_token: r.get(4)?,
                last_seen_at_ms: r.get(5)?,
                expires_at_ms: r.get(6)?,
            })
        })
        .optional()?)
}

/// Records activity on a session (the idle timeout counts from here).
pub fn touch(conn: &Connection, id_hash: &str, now_ms: i64) -> Result<(), Error> {
    conn.prepare_cached("UPDATE console_sessions SET last_seen_at = ?2 WHERE id_hash = ?1")?
        .execute(rusqlite::params![id_hash, now_ms])?;
    Ok(())
}

/// Ends one session.
pub fn delete(conn: &Connection, id_hash: &str) -> Result<(), Error> {
    conn.prepare_cached("DELETE FROM console_sessions WHERE id_hash = ?1")?
        .execute([id_hash])?;
    Ok(())
}

/// Ends every session of an account.
pub fn delete_for_user(conn: &Connection, user_id: &str) -> Result<usize, Error> {
    Ok(conn
        .prepare_cached("DELETE FROM console_sessions WHERE user_id = ?1")?
        .execute([user_id])?)
}

/// Deletes sessions past their absolute or idle end.
pub fn delete_ended(conn: &Connection, now_ms: i64, idle_ms: i64) -> Result<usize, Error> {
    Ok(conn
        .prepare_cached(
            "DELETE FROM console_sessions WHERE expires_at <= ?1 OR last_seen_at + ?2 <= ?1",
        )?
        .execute(rusqlite::params![now_ms, idle_ms])?)
}
