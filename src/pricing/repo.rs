//! SQL of pricing rules, current prices and price history.

use super::rule::Rule;
use crate::error::Error;
use crate::pagination::PageRequest;
use rusqlite::{Connection, OptionalExtension};
use std::collections::HashMap;

/// The stored rule of an event category, if an admin set one.
pub fn category_rule(conn: &Connection, category: &str) -> Result<Option<Rule>, Error> {
    let json: Option<String> = conn
        .prepare_cached("SELECT rule FROM pricing_rules WHERE category = ?1")?
        .query_row([category], |r| r.get(0))
        .optional()?;
    json.map(|j| serde_json::from_str(&j).map_err(Error::internal))
        .transpose()
}

/// An event's own rule, if it has one.
pub fn event_rule(conn: &Connection, event_id: &str) -> Result<Option<Rule>, Error> {
    let json: Option<String> = conn
        .prepare_cached("SELECT rule FROM pricing_overrides WHERE event_id = ?1")?
        .query_row([event_id], |r| r.get(0))
        .optional()?;
    json.map(|j| serde_json::from_str(&j).map_err(Error::internal))
        .transpose()
}

/// The rule that prices an event: its own, else its category's, else the default.
pub fn effective_rule(conn: &Connection, event_id: &str, category: &str) -> Result<Rule, Error> {
    Ok(match event_rule(conn, event_id)? {
        Some(rule) => rule,
        None => category_rule(conn, category)?.unwrap_or_else(|| Rule::default_for(category)),
    })
}

/// Stores a category rule.
pub fn put_category_rule(
    conn: &Connection,
    category: &str,
    rule: &Rule,
    now_ms: i64,
) -> Result<(), Error> {
    conn.prepare_cached(
        "INSERT INTO pricing_rules (category, rule, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (category) DO UPDATE SET rule = excluded.rule, updated_at = excluded.updated_at",
    )?
    .execute(rusqlite::params![category, serde_json::to_string(rule).map_err(Error::internal)?, now_ms])?;
    Ok(())
}

/// Stores (`Some`) or removes (`None`) an event's own rule.
pub fn put_event_rule(
    conn: &Connection,
    event_id: &str,
    rule: Option<&Rule>,
    now_ms: i64,
) -> Result<(), Error> {
    match rule {
        Some(rule) => conn
            .prepare_cached(
                "INSERT INTO pricing_overrides (event_id, rule, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (event_id) DO UPDATE SET rule = excluded.rule, updated_at = excluded.updated_at",
            )?
            .execute(rusqlite::params![event_id, serde_json::to_string(rule).map_err(Error::internal)?, now_ms])?,
        None => conn
            .prepare_cached("DELETE FROM pricing_overrides WHERE event_id = ?1")?
            .execute([event_id])?,
    };
    Ok(())
}

/// Current prices of an event by category, with the sequence they were computed at.
pub fn current(conn: &Connection, event_id: &str) -> Result<HashMap<String, (i64, u64)>, Error> {
    Ok(conn
        .prepare_cached(
            "SELECT category, price_minor, seq FROM current_prices WHERE event_id = ?1",
        )?
        .query_map([event_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                (r.get::<_, i64>(1)?, r.get::<_, i64>(2)?.max(0) as u64),
            ))
        })?
        .collect::<Result<HashMap<_, _>, _>>()?)
}

/// Sets a category's current price.
pub fn set_current(
    conn: &Connection,
    event_id: &str,
    category: &str,
    price_minor: i64,
    seq: u64,
    now_ms: i64,
) -> Result<(), Error> {
    conn.prepare_cached(
        "INSERT INTO current_prices (event_id, category, price_minor, seq, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (event_id, category) DO UPDATE SET price_minor = excluded.price_minor, seq = excluded.seq,
                                                        updated_at = excluded.updated_at",
    )?
    .execute(rusqlite::params![event_id, category, price_minor, seq as i64, now_ms])?;
    Ok(())
}

/// One price change as stored.
#[derive(Debug, Clone)]
pub struct HistoryRow {
    pub id: i64,
    pub category: String,
    pub old_minor: i64,
    pub new_minor: i64,
    pub occupancy: f64,
    /// What moved it: `seats-changed`, `base-price`, `rules`, `time`.
    pub cause: String,
    pub at_ms: i64,
}

/// Appends a price change.
pub fn record(conn: &Connection, event_id: &str, row: &HistoryRow) -> Result<(), Error> {
    conn.prepare_cached(
        "INSERT INTO price_history (event_id, category, old_minor, new_minor, occupancy, cause, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(rusqlite::params![
        event_id,
        row.category,
        row.old_minor,
        row.new_minor,
        row.occupancy,
        row.cause,
        row.at_ms
    ])?;
    Ok(())
}

/// A page of an event's price history, newest first.
pub fn history(
    conn: &Connection,
    event_id: &str,
    page: &PageRequest,
) -> Result<Vec<HistoryRow>, Error> {
    let before: Option<i64> = match &page.after {
        Some(k) => Some(
            k[0].parse()
                .map_err(|_| Error::invalid("cursor", "is not a cursor this list handed out"))?,
        ),
        None => None,
    };
    Ok(conn
        .prepare_cached(
            "SELECT id, category, old_minor, new_minor, occupancy, cause, at FROM price_history
             WHERE event_id = ?1 AND (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?3",
        )?
        .query_map(
            rusqlite::params![event_id, before, page.fetch_limit()],
            |r| {
                Ok(HistoryRow {
                    id: r.get(0)?,
                    category: r.get(1)?,
                    old_minor: r.get(2)?,
                    new_minor: r.get(3)?,
                    occupancy: r.get(4)?,
                    cause: r.get(5)?,
                    at_ms: r.get(6)?,
                })
            },
        )?
        .collect::<Result<Vec<_>, _>>()?)
}

/// Scheduled events that start after `now_ms`, with their category (for time-based repricing).
pub fn upcoming_events(conn: &Connection, now_ms: i64) -> Result<Vec<String>, Error> {
    Ok(conn
        .prepare_cached("SELECT id FROM events WHERE status = 'scheduled' AND starts_at > ?1")?
        .query_map([now_ms], |r| r.get(0))?
        .collect::<Result<Vec<_>, _>>()?)
}
