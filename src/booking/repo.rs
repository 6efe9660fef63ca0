//! SQL of bookings, their price snapshot, tickets and check-ins.

use super::state::BookingStatus;
use crate::error::{Conflict, Error};
use crate::pagination::PageRequest;
use rusqlite::{Connection, OptionalExtension, named_params};

/// A bookings row.
#[derive(Debug, Clone)]
pub struct BookingRow {
    pub id: String,
    pub event_id: String,
    pub hold_id: String,
    pub owner_id: String,
    /// Where the tickets go; `None` for a walk-in who gave no email.
    pub customer_email: Option<String>,
    pub booked_by: String,
    pub status: BookingStatus,
    pub status_reason: Option<String>,
    pub currency: String,
    pub total_minor: i64,
    pub from_leg: u16,
    pub to_leg: u16,
    pub expires_at_ms: i64,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// One line of the price snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRow {
    pub seat_label: Option<String>,
    pub category: String,
    pub quantity: u32,
    pub unit_minor: i64,
}

const COLUMNS: &str = "id, event_id, hold_id, owner_id, customer_email, booked_by, status, status_reason, currency, total_minor, from_leg, to_leg, expires_at, created_at, updated_at";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<BookingRow> {
    Ok(BookingRow {
        id: r.get(0)?,
        event_id: r.get(1)?,
        hold_id: r.get(2)?,
        owner_id: r.get(3)?,
        customer_email: r.get(4)?,
        booked_by: r.get(5)?,
        status: r.get(6)?,
        status_reason: r.get(7)?,
        currency: r.get(8)?,
        total_minor: r.get(9)?,
        from_leg: r.get::<_, i64>(10)? as u16,
        to_leg: r.get::<_, i64>(11)? as u16,
        expires_at_ms: r.get(12)?,
        created_at_ms: r.get(13)?,
        updated_at_ms: r.get(14)?,
    })
}

/// Inserts a booking and its items; a hold booked before is a conflict.
pub fn insert(conn: &Connection, b: &BookingRow, items: &[ItemRow]) -> Result<(), Error> {
    let inserted = conn
        .prepare_cached(&format!(
            "INSERT INTO bookings ({COLUMNS}) VALUES (:id, :event, :hold, :owner, :email, :by, :status, NULL,
                 :currency, :total, :from, :to, :expires, :now, :now)
             ON CONFLICT (hold_id) DO NOTHING"
        ))?
        .execute(named_params! {
            ":id": b.id, ":event": b.event_id, ":hold": b.hold_id, ":owner": b.owner_id,
            ":email": b.customer_email, ":by": b.booked_by, ":status": b.status.as_str(),
            ":currency": b.currency, ":total": b.total_minor, ":from": b.from_leg, ":to": b.to_leg,
            ":expires": b.expires_at_ms, ":now": b.created_at_ms,
        })?;
    if inserted == 0 {
        return Err(Conflict::HoldAlreadyBooked.into());
    }
    let mut stmt = conn.prepare_cached(
        "INSERT INTO booking_items (booking_id, position, seat_label, category, quantity, unit_minor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (position, item) in items.iter().enumerate() {
        stmt.execute(rusqlite::params![
            b.id,
            position as i64,
            item.seat_label,
            item.category,
            item.quantity,
            item.unit_minor
        ])?;
    }
    Ok(())
}

/// One booking.
pub fn by_id(conn: &Connection, id: &str) -> Result<Option<BookingRow>, Error> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM bookings WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

/// The booking made from a hold, if any (a hold is booked at most once).
pub fn by_hold(conn: &Connection, hold_id: &str) -> Result<Option<BookingRow>, Error> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM bookings WHERE hold_id = ?1"
        ))?
        .query_row([hold_id], from_row)
        .optional()?)
}

/// A booking's price snapshot, in order.
pub fn items(conn: &Connection, booking_id: &str) -> Result<Vec<ItemRow>, Error> {
    Ok(conn
        .prepare_cached(
            "SELECT seat_label, category, quantity, unit_minor FROM booking_items WHERE booking_id = ?1 ORDER BY position",
        )?
        .query_map([booking_id], |r| {
            Ok(ItemRow { seat_label: r.get(0)?, category: r.get(1)?, quantity: r.get(2)?, unit_minor: r.get(3)? })
        })?
        .collect::<Result<Vec<_>, _>>()?)
}

/// Moves a booking from `from` to `to` (checked by the state machine); false if its status
/// changed in between (someone else won the race).
pub fn set_status(
    conn: &Connection,
    id: &str,
    from: BookingStatus,
    to: BookingStatus,
    reason: Option<&str>,
    now_ms: i64,
) -> Result<bool, Error> {
    from.to(to)?;
    Ok(conn
        .prepare_cached(
            "UPDATE bookings SET status = ?3, status_reason = ?4, updated_at = ?5 WHERE id = ?1 AND status = ?2",
        )?
        .execute(rusqlite::params![id, from.as_str(), to.as_str(), reason, now_ms])?
        > 0)
}

/// Filters of the booking list.
#[derive(Debug, Clone, Default)]
pub struct BookingFilter {
    /// Only this owner's bookings (customers see only their own).
    pub owner_id: Option<String>,
    pub event_id: Option<String>,
    pub status: Option<BookingStatus>,
    pub email: Option<String>,
    pub created_from_ms: Option<i64>,
    pub created_to_ms: Option<i64>,
}

/// A page of bookings, newest first.
pub fn list(
    conn: &Connection,
    f: &BookingFilter,
    page: &PageRequest,
) -> Result<Vec<BookingRow>, Error> {
    let before = page.after.as_ref().map(|k| k[0].clone());
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM bookings
             WHERE (:owner IS NULL OR owner_id = :owner) AND (:event IS NULL OR event_id = :event)
               AND (:status IS NULL OR status = :status) AND (:email IS NULL OR customer_email = :email COLLATE NOCASE)
               AND (:from IS NULL OR created_at >= :from) AND (:to IS NULL OR created_at < :to)
               AND (:before IS NULL OR id < :before)
             ORDER BY id DESC LIMIT :limit"
        ))?
        .query_map(
            named_params! {
                ":owner": f.owner_id, ":event": f.event_id, ":status": f.status.map(BookingStatus::as_str),
                ":email": f.email, ":from": f.created_from_ms, ":to": f.created_to_ms, ":before": before,
                ":limit": page.fetch_limit(),
            },
            from_row,
        )?
        .collect::<Result<Vec<_>, _>>()?)
}

/// A page of bookings for a staff search, newest first: `text` is part of the customer's
/// email, part of the name on the account with that email, or part of a booking id (people
/// read out its end: the start of a time-ordered id is the same for a minute's bookings).
pub fn search(conn: &Connection, text: &str, page: &PageRequest) -> Result<Vec<BookingRow>, Error> {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let before = page.after.as_ref().map(|k| k[0].clone());
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM bookings
             WHERE (customer_email LIKE :like ESCAPE '\\' OR id LIKE :like ESCAPE '\\'
                    OR customer_email IN (SELECT email FROM users WHERE name LIKE :like ESCAPE '\\'))
               AND (:before IS NULL OR id < :before)
             ORDER BY id DESC LIMIT :limit"
        ))?
        .query_map(
            named_params! {
                ":like": format!("%{escaped}%"),
                ":before": before, ":limit": page.fetch_limit(),
            },
            from_row,
        )?
        .collect::<Result<Vec<_>, _>>()?)
}

/// Pending bookings whose time is up.
pub fn overdue(conn: &Connection, now_ms: i64, limit: i64) -> Result<Vec<BookingRow>, Error> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM bookings WHERE status = 'pending_payment' AND expires_at <= ?1 ORDER BY expires_at LIMIT ?2"
        ))?
        .query_map(rusqlite::params![now_ms, limit], from_row)?
        .collect::<Result<Vec<_>, _>>()?)
}

/// The hold ids of confirmed bookings among `hold_ids`.
pub fn confirmed_holds(conn: &Connection) -> Result<Vec<String>, Error> {
    Ok(conn
        .prepare_cached("SELECT hold_id FROM bookings WHERE status = 'confirmed'")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<Vec<_>, _>>()?)
}

/// Every booking of an event in one of `statuses`.
pub fn of_event(
    conn: &Connection,
    event_id: &str,
    statuses: &[BookingStatus],
) -> Result<Vec<BookingRow>, Error> {
    let names: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    let json = serde_json::to_string(&names).map_err(Error::internal)?;
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM bookings WHERE event_id = ?1 AND status IN (SELECT value FROM json_each(?2)) ORDER BY id"
        ))?
        .query_map(rusqlite::params![event_id, json], from_row)?
        .collect::<Result<Vec<_>, _>>()?)
}

/// A tickets row.
#[derive(Debug, Clone)]
pub struct TicketRow {
    pub id: String,
    pub booking_id: String,
    pub event_id: String,
    pub seat_label: Option<String>,
    pub category: String,
    pub from_leg: u16,
    pub to_leg: u16,
    pub code: String,
    pub void: bool,
    pub checked_in_at_ms: Option<i64>,
    pub checked_in_by: Option<String>,
}

const TICKET_COLUMNS: &str = "id, booking_id, event_id, seat_label, category, from_leg, to_leg, code, void, checked_in_at, checked_in_by";

fn ticket_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TicketRow> {
    Ok(TicketRow {
        id: r.get(0)?,
        booking_id: r.get(1)?,
        event_id: r.get(2)?,
        seat_label: r.get(3)?,
        category: r.get(4)?,
        from_leg: r.get::<_, i64>(5)? as u16,
        to_leg: r.get::<_, i64>(6)? as u16,
        code: r.get(7)?,
        void: r.get(8)?,
        checked_in_at_ms: r.get(9)?,
        checked_in_by: r.get(10)?,
    })
}

/// Inserts a ticket and the seat-legs it covers; the unique index refuses a seat-leg that
/// a live ticket already has.
pub fn insert_ticket(conn: &Connection, t: &TicketRow, now_ms: i64) -> Result<(), Error> {
    conn.prepare_cached(&format!(
        "INSERT INTO tickets ({TICKET_COLUMNS}, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, NULL, NULL, ?9)"
    ))?
    .execute(rusqlite::params![t.id, t.booking_id, t.event_id, t.seat_label, t.category, t.from_leg, t.to_leg, t.code, now_ms])?;
    if let Some(label) = &t.seat_label {
        let mut legs = conn.prepare_cached(
            "INSERT INTO ticket_legs (ticket_id, event_id, seat_label, leg, live) VALUES (?1, ?2, ?3, ?4, 1)",
        )?;
        for leg in t.from_leg..t.to_leg {
            legs.execute(rusqlite::params![t.id, t.event_id, label, leg])
                .map_err(|e| match e {
                    rusqlite::Error::SqliteFailure(f, _)
                        if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                    {
                        Error::SeatUnavailable {
                            seats: vec![label.clone()],
                        }
                    }
                    other => other.into(),
                })?;
        }
    }
    Ok(())
}

/// A booking's tickets.
pub fn tickets(conn: &Connection, booking_id: &str) -> Result<Vec<TicketRow>, Error> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE booking_id = ?1 ORDER BY id"
        ))?
        .query_map([booking_id], ticket_from_row)?
        .collect::<Result<Vec<_>, _>>()?)
}

/// A booking's tickets in the order they were issued (its confirmation's order), void or
/// not.
pub fn tickets_as_issued(conn: &Connection, booking_id: &str) -> Result<Vec<TicketRow>, Error> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE booking_id = ?1 ORDER BY rowid"
        ))?
        .query_map([booking_id], ticket_from_row)?
        .collect::<Result<Vec<_>, _>>()?)
}

/// One ticket.
pub fn ticket(conn: &Connection, id: &str) -> Result<Option<TicketRow>, Error> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE id = ?1"
        ))?
        .query_row([id], ticket_from_row)
        .optional()?)
}

/// The ticket with exactly this code. Codes have no index (migration 0022): the ticket id
/// in the code's payload finds the row, and the row's code must then equal `code` whole, so
/// a code altered anywhere, signature included, finds nothing.
pub fn ticket_by_code(conn: &Connection, code: &str) -> Result<Option<TicketRow>, Error> {
    let Some(id) = super::tickets::ticket_id_of(code) else {
        return Ok(None);
    };
    Ok(ticket(conn, &id)?.filter(|t| t.code == code))
}

/// Voids a booking's tickets and frees their seat-legs.
pub fn void_tickets(conn: &Connection, booking_id: &str) -> Result<(), Error> {
    conn.prepare_cached(
        "UPDATE ticket_legs SET live = 0 WHERE ticket_id IN (SELECT id FROM tickets WHERE booking_id = ?1)",
    )?
    .execute([booking_id])?;
    conn.prepare_cached("UPDATE tickets SET void = 1 WHERE booking_id = ?1")?
        .execute([booking_id])?;
    Ok(())
}

/// Records the first scan of a ticket; false if it was scanned before.
pub fn check_in(conn: &Connection, ticket_id: &str, by: &str, now_ms: i64) -> Result<bool, Error> {
    Ok(conn
        .prepare_cached(
            "UPDATE tickets SET checked_in_at = ?3, checked_in_by = ?2 WHERE id = ?1 AND checked_in_at IS NULL AND void = 0",
        )?
        .execute(rusqlite::params![ticket_id, by, now_ms])?
        > 0)
}

/// How many bookings of an event ended (cancelled or refunded) for `reason`.
pub fn count_ended_for(conn: &Connection, event_id: &str, reason: &str) -> Result<i64, Error> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM bookings
             WHERE event_id = ?1 AND status IN ('cancelled', 'refunded') AND status_reason = ?2",
        )?
        .query_row(rusqlite::params![event_id, reason], |r| r.get(0))?)
}

/// Cancelled events that still have live bookings: cancellations left half done (by a
/// version that ran them on the request alone, or a booking that slipped in meanwhile).
pub fn half_cancelled_events(conn: &Connection) -> Result<Vec<String>, Error> {
    Ok(conn
        .prepare_cached(
            "SELECT e.id FROM events e WHERE e.status = 'cancelled'
               AND EXISTS (SELECT 1 FROM bookings b WHERE b.event_id = e.id
                             AND b.status IN ('pending_payment', 'confirmed'))",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<Vec<_>, _>>()?)
}
