//! SQL of the users table: plain functions over a connection or transaction.

use super::role::Role;
use crate::error::{Conflict, Error};
use crate::pagination::PageRequest;
use rusqlite::{Connection, OptionalExtension, named_params};

/// A users row.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub phone: Option<String>,
    pub role: Role,
    pub password_hash: String,
    pub disabled: bool,
    pub token_version: i64,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

const COLUMNS: &str =
    "id, email, name, phone, role, password_hash, disabled, token_version, created_at, updated_at";

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<UserRow> {
    let role: String = row.get(4)?;
    Ok(UserRow {
        id: row.get(0)?,
        email: row.get(1)?,
        name: row.get(2)?,
        phone: row.get(3)?,
        role: role.parse::<Role>().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, e.into())
        })?,
        password_hash: row.get(5)?,
        disabled: row.get(6)?,
        token_version: row.get(7)?,
        created_at_ms: row.get(8)?,
        updated_at_ms: row.get(9)?,
    })
}

/// Inserts a user; a taken email or phone is a conflict with its own code.
pub fn insert(conn: &Connection, user: &UserRow) -> Result<(), Error> {
    conn
        .prepare_cached(
            "INSERT INTO users (id, email, name, phone, role, password_hash, disabled, token_version, created_at, updated_at)
             VALUES (:id, :email, :name, :phone, :role, :hash, :disabled, :ver, :created, :updated)",
        )?
        .execute(named_params! {
            ":id": user.id, ":email": user.email, ":name": user.name, ":phone": user.phone,
            ":role": user.role.as_str(), ":hash": user.password_hash, ":disabled": user.disabled,
            ":ver": user.token_version, ":created": user.created_at_ms, ":updated": user.updated_at_ms,
        })
        .map_err(unique_violation)?;
    Ok(())
}

/// A taken email or phone as a conflict with its own code; anything else as it is.
fn unique_violation(error: rusqlite::Error) -> Error {
    match error {
        rusqlite::Error::SqliteFailure(e, Some(msg))
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            if msg.contains("users.email") {
                Conflict::EmailTaken.into()
            } else if msg.contains("users.phone") {
                Conflict::PhoneTaken.into()
            } else {
                Error::internal(msg)
            }
        }
        other => other.into(),
    }
}

/// The user with this email (case-insensitive).
pub fn by_email(conn: &Connection, email: &str) -> Result<Option<UserRow>, Error> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM users WHERE email = ?1"))?
        .query_row([email], from_row)
        .optional()?)
}

/// The user with this id.
pub fn by_id(conn: &Connection, id: &str) -> Result<Option<UserRow>, Error> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM users WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

/// The token version and disabled flag of a user, for token checks.
pub fn access(conn: &Connection, id: &str) -> Result<Option<(i64, bool)>, Error> {
    Ok(conn
        .prepare_cached("SELECT token_version, disabled FROM users WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Filters for the admin's user list.
#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    pub role: Option<Role>,
    /// Case-insensitive substring of email or name.
    pub q: Option<String>,
}

/// A page of users ordered by id (ids are time-ordered, so this is creation order).
pub fn list(
    conn: &Connection,
    filter: &UserFilter,
    page: &PageRequest,
) -> Result<Vec<UserRow>, Error> {
    let after = page.after.as_ref().map(|a| a[0].clone());
    let q = filter.q.as_ref().map(|q| format!("%{}%", escape_like(q)));
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM users
         WHERE (:role IS NULL OR role = :role)
           AND (:q IS NULL OR email LIKE :q ESCAPE '\\' OR name LIKE :q ESCAPE '\\')
           AND (:after IS NULL OR id > :after)
         ORDER BY id LIMIT :limit"
    ))?;
    let rows = stmt
        .query_map(
            named_params! {
                ":role": filter.role.map(Role::as_str), ":q": q, ":after": after,
                ":limit": page.fetch_limit(),
            },
            from_row,
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Escapes `%`, `_` and `\` so a search string matches literally inside LIKE.
pub fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Writes back the mutable columns of a user; a phone another account has is a conflict.
pub fn update(conn: &Connection, user: &UserRow) -> Result<(), Error> {
    conn.prepare_cached(
        "UPDATE users SET name = :name, phone = :phone, role = :role, password_hash = :hash,
                disabled = :disabled, token_version = :ver, updated_at = :updated
         WHERE id = :id",
    )?
    .execute(named_params! {
        ":id": user.id, ":name": user.name, ":phone": user.phone, ":role": user.role.as_str(),
        ":hash": user.password_hash, ":disabled": user.disabled, ":ver": user.token_version,
        ":updated": user.updated_at_ms,
    })
    .map_err(unique_violation)?;
    Ok(())
}

/// The oldest admin account, enabled or not (ids are time-ordered).
pub fn first_admin(conn: &Connection) -> Result<Option<UserRow>, Error> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM users WHERE role = 'admin' ORDER BY id LIMIT 1"
        ))?
        .query_row([], from_row)
        .optional()?)
}

/// How many enabled admins exist.
pub fn count_active_admins(conn: &Connection) -> Result<i64, Error> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0")?
        .query_row([], |r| r.get(0))?)
}

/// How many accounts exist.
pub fn count(conn: &Connection) -> Result<i64, Error> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM users")?
        .query_row([], |r| r.get(0))?)
}
