//! The `seats` table (an event's seat map, with blocks) and the `seat_history` rows a
//! catalog change writes.

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

/// Blocks (`reason` set) or unblocks (`None`) seats by label, recording each change in the
/// seat history. Returns the labels that were not found; nothing changes if any are missing.
pub fn set_blocked(
    conn: &Connection,
    event_id: &str,
    labels: &[String],
    reason: Option<&str>,
    actor: &str,
    now: i64,
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
    for (label, state) in states {
        let was_blocked = state.is_some();
        let blocking = reason.is_some();
        update.execute(rusqlite::params![event_id, label, reason])?;
        if was_blocked != blocking {
            let (from, to, cause) = if blocking {
                (SeatStatus::Available, SeatStatus::Blocked, "block")
            } else {
                (SeatStatus::Blocked, SeatStatus::Available, "unblock")
            };
            record_history(
                conn,
                event_id,
                label,
                now,
                from,
                to,
                cause,
                Some(actor),
                reason,
            )?;
        }
    }
    Ok(Vec::new())
}

/// Appends a seat status change to the history.
#[allow(clippy::too_many_arguments)]
pub fn record_history(
    conn: &Connection,
    event_id: &str,
    label: &str,
    at: i64,
    from: SeatStatus,
    to: SeatStatus,
    cause: &str,
    actor: Option<&str>,
    note: Option<&str>,
) -> Result<(), Error> {
    conn.prepare_cached(
        "INSERT INTO seat_history (event_id, label, at, from_status, to_status, cause, actor, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(rusqlite::params![
        event_id,
        label,
        at,
        status_name(from),
        status_name(to),
        cause,
        actor,
        note
    ])?;
    Ok(())
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
