//! Figures across bookings: the door figures the staff dashboard shows, and the live
//! bookings an event cancellation would end.

use super::state::BookingStatus;
use crate::error::Error;
use rusqlite::Connection;

/// Tickets checked in at or after `since_ms`.
pub fn checkins_since(conn: &Connection, since_ms: i64) -> Result<i64, Error> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM tickets WHERE checked_in_at >= ?1")?
        .query_row([since_ms], |r| r.get(0))?)
}

/// An event's live bookings of one status and currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveBookings {
    pub status: BookingStatus,
    pub bookings: i64,
    /// Seats or general-admission places they cover.
    pub places: i64,
    pub total_minor: i64,
    pub currency: String,
}

/// An event's pending and confirmed bookings, by status and currency.
pub fn live_bookings_of_event(
    conn: &Connection,
    event_id: &str,
) -> Result<Vec<LiveBookings>, Error> {
    Ok(conn
        .prepare_cached(
            "SELECT b.status, count(*),
                    coalesce(sum((SELECT sum(i.quantity) FROM booking_items i WHERE i.booking_id = b.id)), 0),
                    coalesce(sum(b.total_minor), 0), b.currency
             FROM bookings b
             WHERE b.event_id = ?1 AND b.status IN ('pending_payment', 'confirmed')
             GROUP BY b.status, b.currency ORDER BY b.status, b.currency",
        )?
        .query_map([event_id], |r| {
            Ok(LiveBookings {
                status: r.get(0)?,
                bookings: r.get(1)?,
                places: r.get(2)?,
                total_minor: r.get(3)?,
                currency: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?)
}
