//! SQL of the door: the scan log and the present / total count of an event.

use crate::error::Error;
use rusqlite::{Connection, OptionalExtension, named_params};

/// One scan as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanRow {
    pub id: i64,
    pub steward_id: String,
    pub door_event_id: Option<String>,
    pub at_ms: i64,
    /// `admitted`, `already_used` or `refused`.
    pub outcome: String,
    pub code: String,
    pub ticket_id: Option<String>,
    pub booking_id: Option<String>,
    pub seat_label: Option<String>,
    pub category: Option<String>,
    pub holder_name: Option<String>,
    pub first_used_at_ms: Option<i64>,
    pub first_used_by: Option<String>,
    pub detail: String,
}

const COLUMNS: &str = "id, steward_id, door_event_id, at, outcome, code, ticket_id, booking_id, seat_label, category, holder_name, first_used_at, first_used_by, detail";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ScanRow> {
    Ok(ScanRow {
        id: r.get(0)?,
        steward_id: r.get(1)?,
        door_event_id: r.get(2)?,
        at_ms: r.get(3)?,
        outcome: r.get(4)?,
        code: r.get(5)?,
        ticket_id: r.get(6)?,
        booking_id: r.get(7)?,
        seat_label: r.get(8)?,
        category: r.get(9)?,
        holder_name: r.get(10)?,
        first_used_at_ms: r.get(11)?,
        first_used_by: r.get(12)?,
        detail: r.get(13)?,
    })
}

/// Logs a scan; `s.id` is ignored and the new id returned.
pub fn insert_scan(conn: &Connection, s: &ScanRow) -> Result<i64, Error> {
    conn.prepare_cached(
        "INSERT INTO door_scans (steward_id, door_event_id, at, outcome, code, ticket_id, booking_id,
             seat_label, category, holder_name, first_used_at, first_used_by, detail)
         VALUES (:steward, :door, :at, :outcome, :code, :ticket, :booking, :seat, :category, :holder,
             :first_at, :first_by, :detail)",
    )?
    .execute(named_params! {
        ":steward": s.steward_id, ":door": s.door_event_id, ":at": s.at_ms, ":outcome": s.outcome,
        ":code": s.code, ":ticket": s.ticket_id, ":booking": s.booking_id, ":seat": s.seat_label,
        ":category": s.category, ":holder": s.holder_name, ":first_at": s.first_used_at_ms,
        ":first_by": s.first_used_by, ":detail": s.detail,
    })?;
    Ok(conn.last_insert_rowid())
}

/// One of a steward's scans (another steward's scan is not theirs to see).
pub fn scan_of(conn: &Connection, steward_id: &str, id: i64) -> Result<Option<ScanRow>, Error> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM door_scans WHERE id = ?1 AND steward_id = ?2"
        ))?
        .query_row(rusqlite::params![id, steward_id], from_row)
        .optional()?)
}

/// A steward's latest scans at one door, newest first.
pub fn recent_scans(
    conn: &Connection,
    steward_id: &str,
    door_event_id: &str,
    limit: i64,
) -> Result<Vec<ScanRow>, Error> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM door_scans WHERE steward_id = ?1 AND door_event_id = ?2
             ORDER BY id DESC LIMIT ?3"
        ))?
        .query_map(
            rusqlite::params![steward_id, door_event_id, limit],
            from_row,
        )?
        .collect::<Result<Vec<_>, _>>()?)
}

/// An event's tickets that are in (checked in) and that count (not void): (present, total).
pub fn attendance(conn: &Connection, event_id: &str) -> Result<(i64, i64), Error> {
    Ok(conn
        .prepare_cached(
            "SELECT coalesce(sum(checked_in_at IS NOT NULL), 0), count(*)
             FROM tickets WHERE event_id = ?1 AND void = 0",
        )?
        .query_row([event_id], |r| Ok((r.get(0)?, r.get(1)?)))?)
}
