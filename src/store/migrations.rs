//! Numbered schema migrations, embedded in the binary and applied in order at start-up.
//!
//! The applied version is SQLite's `user_version`. A migration that has landed is never
//! edited: change the schema by adding the next file. A database newer than this build is
//! refused rather than misread.

use crate::error::Error;
use rusqlite::{Connection, OptionalExtension};

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
    (
        "0013_walk_in_bookings",
        include_str!("migrations/0013_walk_in_bookings.sql"),
    ),
    (
        "0014_jobs_without_kind_index",
        include_str!("migrations/0014_jobs_without_kind_index.sql"),
    ),
    (
        "0015_jobs_queued_by_kind",
        include_str!("migrations/0015_jobs_queued_by_kind.sql"),
    ),
    (
        "0016_catalog_times_in_ms",
        include_str!("migrations/0016_catalog_times_in_ms.sql"),
    ),
    (
        "0017_account_times_in_ms",
        include_str!("migrations/0017_account_times_in_ms.sql"),
    ),
    (
        "0018_seat_change_runs",
        include_str!("migrations/0018_seat_change_runs.sql"),
    ),
    (
        "0020_bookings_status_out_of_indexes",
        include_str!("migrations/0020_bookings_status_out_of_indexes.sql"),
    ),
    (
        "0021_seat_change_relay",
        include_str!("migrations/0021_seat_change_relay.sql"),
    ),
    (
        "0022_ticket_codes_without_an_index",
        include_str!("migrations/0022_ticket_codes_without_an_index.sql"),
    ),
    (
        "0023_queue_indexes_by_state",
        include_str!("migrations/0023_queue_indexes_by_state.sql"),
    ),
    (
        "0024_job_payloads_written_once",
        include_str!("migrations/0024_job_payloads_written_once.sql"),
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
///
/// Foreign keys are off while migrations run: SQLite changes a column's constraints only by
/// rebuilding its table, and dropping a table others reference is refused while they are on
/// (its own documented recipe). Each migration must leave every reference whole: it is
/// checked before the migration commits, and one that breaks any is rolled back.
pub fn apply(conn: &mut Connection) -> Result<Vec<&'static str>, Error> {
    apply_these(conn, MIGRATIONS)
}

fn apply_these(
    conn: &mut Connection,
    migrations: &[(&'static str, &str)],
) -> Result<Vec<&'static str>, Error> {
    let current = current_version(conn)?;
    let latest = migrations.len() as i64;
    if current > latest {
        return Err(Error::internal(format!(
            "the database is at schema version {current}, newer than this build understands ({latest}); upgrade rezerve"
        )));
    }
    let keys_on: bool = conn.pragma_query_value(None, "foreign_keys", |row| row.get(0))?;
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let applied = apply_from(conn, current, migrations);
    conn.pragma_update(None, "foreign_keys", keys_on)?;
    applied
}

fn apply_from(
    conn: &mut Connection,
    current: i64,
    migrations: &[(&'static str, &str)],
) -> Result<Vec<&'static str>, Error> {
    let mut applied = Vec::new();
    for (index, (name, sql)) in migrations.iter().enumerate() {
        let version = index as i64 + 1;
        if version <= current {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)
            .map_err(|e| Error::internal(format!("migration {name} failed: {e}")))?;
        let broken: Option<String> = tx
            .query_row("PRAGMA foreign_key_check", [], |row| row.get(0))
            .optional()?;
        if let Some(table) = broken {
            return Err(Error::internal(format!(
                "migration {name} failed: it leaves a row of {table} pointing at nothing"
            )));
        }
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(migration = name, "applied migration");
        applied.push(*name);
    }
    Ok(applied)
}

/// For tests of the schema's indexes: the plan SQLite picks for `query`, its steps joined.
#[cfg(test)]
pub(crate) fn query_plan(conn: &Connection, query: &str) -> String {
    conn.prepare(&format!("EXPLAIN QUERY PLAN {query}"))
        .expect("prepares")
        .query_map([], |r| r.get::<_, String>(3))
        .expect("reads")
        .collect::<Result<Vec<_>, _>>()
        .expect("plan")
        .join("; ")
}

#[cfg(test)]
mod tests;
