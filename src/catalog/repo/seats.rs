//! The `seats` table (an event's seat map, with blocks). A block's or unblock's seat history
//! row is written by `catalog::history_repo`, which owns that table's SQL.

use crate::catalog::model::{SeatFlag, SeatStatus};
use crate::catalog::seat_map::SeatSpec;
use crate::error::Error;
use rusqlite::{Connection, OptionalExtension};

/// A seat of an event.
#[derive(Debug, Clone)]
pub struct SeatRow {
    pub seat_no: i64,
    pub label: String,
    pub section: String,
    pub row: String,
    pub number: i64,
    pub category: String,
    pub flags: Vec<SeatFlag>,
    pub blocked_reason: Option<String>,
}

pub(super) fn insert_seats(
    conn: &Connection,
    event_id: &str,
    seats: &[SeatSpec],
) -> Result<(), Error> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO seats (event_id, seat_no, label, section, row_name, number, category, flags)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for (seat_no, s) in seats.iter().enumerate() {
        stmt.execute(rusqlite::params![
            event_id,
            seat_no as i64,
            s.label,
            s.section,
            s.row,
            s.number,
            s.category,
            SeatFlag::join(&s.flags)
        ])?;
    }
    Ok(())
}

/// Every seat of an event in seat order.
pub fn seats(conn: &Connection, event_id: &str) -> Result<Vec<SeatRow>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT seat_no, label, section, row_name, number, category, flags, blocked_reason
         FROM seats WHERE event_id = ?1 ORDER BY seat_no",
    )?;
    let rows = stmt
        .query_map([event_id], seat_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The seats of one section of an event, in seat order.
pub fn section_seats(
    conn: &Connection,
    event_id: &str,
    section: &str,
) -> Result<Vec<SeatRow>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT seat_no, label, section, row_name, number, category, flags, blocked_reason
         FROM seats WHERE event_id = ?1 AND section = ?2 ORDER BY seat_no",
    )?;
    let rows = stmt
        .query_map([event_id, section], seat_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

fn seat_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SeatRow> {
    let flags: String = r.get(6)?;
    Ok(SeatRow {
        seat_no: r.get(0)?,
        label: r.get(1)?,
        section: r.get(2)?,
        row: r.get(3)?,
        number: r.get(4)?,
        category: r.get(5)?,
        flags: SeatFlag::parse_list(&flags),
        blocked_reason: r.get(7)?,
    })
}

/// Blocks (`reason` set) or unblocks (`None`) seats by label, recording the change (of the
/// seats whose state it changed) in the seat history. Returns the labels that were not found; nothing changes if any are missing.
pub fn set_blocked(
    conn: &Connection,
    event_id: &str,
    labels: &[String],
    reason: Option<&str>,
    actor: &str,
    now_ms: i64,
) -> Result<Vec<String>, Error> {
    let mut current =
        conn.prepare_cached("SELECT blocked_reason FROM seats WHERE event_id = ?1 AND label = ?2")?;
    let mut states = Vec::with_capacity(labels.len());
    let mut missing = Vec::new();
    for label in labels {
        match current
            .query_row(rusqlite::params![event_id, label], |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()?
        {
            Some(state) => states.push((label, state)),
            None => missing.push(label.clone()),
        }
    }
    if !missing.is_empty() {
        return Ok(missing);
    }
    let mut update = conn.prepare_cached(
        "UPDATE seats SET blocked_reason = ?3 WHERE event_id = ?1 AND label = ?2",
    )?;
    let blocking = reason.is_some();
    let mut changed = Vec::with_capacity(states.len());
    for (label, state) in states {
        update.execute(rusqlite::params![event_id, label, reason])?;
        if state.is_some() != blocking {
            changed.push(label.clone());
        }
    }
    let (from, to, cause) = if blocking {
        (SeatStatus::Available, SeatStatus::Blocked, "block")
    } else {
        (SeatStatus::Blocked, SeatStatus::Available, "unblock")
    };
    crate::catalog::history_repo::record(
        conn,
        &crate::catalog::history_repo::NewSeatChange {
            event_id,
            seats: &changed,
            at_ms: now_ms,
            from,
            to,
            cause,
            actor: Some(actor),
            note: reason,
            source_key: None,
        },
    )?;
    Ok(Vec::new())
}

/// The stored name of a seat status.
pub fn status_name(s: SeatStatus) -> &'static str {
    match s {
        SeatStatus::Available => "available",
        SeatStatus::Held => "held",
        SeatStatus::Sold => "sold",
        SeatStatus::Blocked => "blocked",
    }
}
