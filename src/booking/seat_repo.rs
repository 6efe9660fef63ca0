//! SQL of the tickets on one seat or one event's seat map: which seats are in the hall already
//! and who bought a seat, for the console's seat map and seat page.

use super::repo::{BookingRow, TicketRow};
use crate::error::Error;
use rusqlite::Connection;

/// Labels of seats whose live ticket has been scanned in, on any leg of `from_leg..to_leg`.
pub fn checked_in_labels(
    conn: &Connection,
    event_id: &str,
    from_leg: u16,
    to_leg: u16,
) -> Result<Vec<String>, Error> {
    Ok(conn
        .prepare_cached(
            "SELECT seat_label FROM tickets
             WHERE event_id = ?1 AND void = 0 AND checked_in_at IS NOT NULL
               AND seat_label IS NOT NULL AND from_leg < ?3 AND to_leg > ?2",
        )?
        .query_map(rusqlite::params![event_id, from_leg, to_leg], |r| r.get(0))?
        .collect::<Result<Vec<_>, _>>()?)
}

/// Every ticket ever issued for a seat (void ones too), newest first, with its booking.
pub fn tickets_for_seat(
    conn: &Connection,
    event_id: &str,
    label: &str,
) -> Result<Vec<(TicketRow, BookingRow)>, Error> {
    let ids: Vec<String> = conn
        .prepare_cached(
            "SELECT id FROM tickets WHERE event_id = ?1 AND seat_label = ?2
             ORDER BY created_at DESC, id DESC LIMIT 50",
        )?
        .query_map(rusqlite::params![event_id, label], |r| r.get(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(ticket) = super::repo::ticket(conn, &id)?
            && let Some(booking) = super::repo::by_id(conn, &ticket.booking_id)?
        {
            out.push((ticket, booking));
        }
    }
    Ok(out)
}
