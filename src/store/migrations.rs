//! Numbered schema migrations, embedded in the binary and applied in order at start-up.
//!
//! The applied version is SQLite's `user_version`. A migration that has landed is never
//! edited: change the schema by adding the next file. A database newer than this build is
//! refused rather than misread.

use crate::error::Error;
use rusqlite::Connection;

/// Every migration, in order; the version of `MIGRATIONS[i]` is `i + 1`.
pub const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_accounts",
        include_str!("migrations/0001_accounts.sql"),
    ),
    ("0002_catalog", include_str!("migrations/0002_catalog.sql")),
    ("0003_jobs", include_str!("migrations/0003_jobs.sql")),
    (
        "0004_bookings",
        include_str!("migrations/0004_bookings.sql"),
    ),
    ("0005_pricing", include_str!("migrations/0005_pricing.sql")),
    (
        "0006_notifications",
        include_str!("migrations/0006_notifications.sql"),
    ),
    (
        "0007_console_sessions",
        include_str!("migrations/0007_console_sessions.sql"),
    ),
    (
        "0008_console_bookings",
        include_str!("migrations/0008_console_bookings.sql"),
    ),
    (
        "0009_no_price_changed_jobs",
        include_str!("migrations/0009_no_price_changed_jobs.sql"),
    ),
    (
        "0010_payments_pending",
        include_str!("migrations/0010_payments_pending.sql"),
    ),
    (
        "0011_seat_changes",
        include_str!("migrations/0011_seat_changes.sql"),
    ),
    (
        "0012_notification_data",
        include_str!("migrations/0012_notification_data.sql"),
    ),
];

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// The version a database is at.
pub fn current_version(conn: &Connection) -> Result<i64, Error> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

/// Applies every pending migration, each in its own transaction; returns the names applied.
pub fn apply(conn: &mut Connection) -> Result<Vec<&'static str>, Error> {
    let current = current_version(conn)?;
    if current > latest_version() {
        return Err(Error::internal(format!(
            "the database is at schema version {current}, newer than this build understands ({}); upgrade rezerve",
            latest_version()
        )));
    }
    let mut applied = Vec::new();
    for (index, (name, sql)) in MIGRATIONS.iter().enumerate() {
        let version = index as i64 + 1;
        if version <= current {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)
            .map_err(|e| Error::internal(format!("migration {name} failed: {e}")))?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(migration = name, "applied migration");
        applied.push(*name);
    }
    Ok(applied)
}
