//! SQL of the catalog tables: plain functions over a connection or transaction.

use super::event_input::{CategorySpec, NewEvent, StopSpec};
use super::model::{SeatFlag, SeatStatus};
use super::seat_map::SeatSpec;
use crate::auth::repo::escape_like;
use crate::error::Error;
use crate::pagination::PageRequest;
use rusqlite::{Connection, OptionalExtension, named_params};

/// An events row.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub category: String,
    pub status: String,
    pub venue_id: Option<String>,
    pub venue_name: Option<String>,
    pub starts_at: i64,
    pub ends_at: Option<i64>,
    pub timezone: String,
    pub currency: String,
    pub general_admission: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

const EVENT_COLUMNS: &str = "e.id, e.name, e.description, e.category, e.status, e.venue_id, e.venue_name, e.starts_at, e.ends_at, e.timezone, e.currency, e.general_admission, e.created_at, e.updated_at";

fn event_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<EventRow> {
    Ok(EventRow {
        id: r.get(0)?,
        name: r.get(1)?,
        description: r.get(2)?,
        category: r.get(3)?,
        status: r.get(4)?,
        venue_id: r.get(5)?,
        venue_name: r.get(6)?,
        starts_at: r.get(7)?,
        ends_at: r.get(8)?,
        timezone: r.get(9)?,
        currency: r.get(10)?,
        general_admission: r.get(11)?,
        created_at: r.get(12)?,
        updated_at: r.get(13)?,
    })
}

/// A price category with its seat counts.
#[derive(Debug, Clone)]
pub struct CategoryRow {
    pub category: String,
    pub base_minor: i64,
    /// General admission capacity; seated categories count their seats instead.
    pub capacity: Option<i64>,
    pub seats: i64,
    pub blocked: i64,
}

/// A stop of a travel event.
#[derive(Debug, Clone)]
pub struct StopRow {
    pub idx: i64,
    pub name: String,
    pub arrives_at: Option<i64>,
    pub departs_at: Option<i64>,
}

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

/// Inserts an event with its stops, categories and seats.
pub fn insert_event(conn: &Connection, id: &str, e: &NewEvent, now: i64) -> Result<(), Error> {
    conn.prepare_cached(
        "INSERT INTO events (id, name, description, category, status, venue_id, venue_name, starts_at, ends_at,
                             timezone, currency, general_admission, created_at, updated_at)
         VALUES (:id, :name, :description, :category, 'scheduled', :venue_id, :venue_name, :starts_at, :ends_at,
                 :timezone, :currency, :ga, :now, :now)",
    )?
    .execute(named_params! {
        ":id": id, ":name": e.name, ":description": e.description, ":category": e.category.as_str(),
        ":venue_id": e.venue_id, ":venue_name": e.venue_name, ":starts_at": e.starts_at,
        ":ends_at": e.ends_at, ":timezone": e.timezone, ":currency": e.currency,
        ":ga": e.seats.is_empty(), ":now": now,
    })?;
    insert_stops(conn, id, &e.stops)?;
    insert_categories(conn, id, &e.categories)?;
    insert_seats(conn, id, &e.seats)?;
    Ok(())
}

fn insert_stops(conn: &Connection, event_id: &str, stops: &[StopSpec]) -> Result<(), Error> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO event_stops (event_id, idx, name, arrives_at, departs_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (idx, stop) in stops.iter().enumerate() {
        stmt.execute(rusqlite::params![
            event_id,
            idx as i64,
            stop.name,
            stop.arrives_at,
            stop.departs_at
        ])?;
    }
    Ok(())
}

fn insert_categories(
    conn: &Connection,
    event_id: &str,
    categories: &[CategorySpec],
) -> Result<(), Error> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO price_categories (event_id, category, position, base_minor, capacity) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (position, c) in categories.iter().enumerate() {
        stmt.execute(rusqlite::params![
            event_id,
            c.category,
            position as i64,
            c.base_minor,
            c.capacity
        ])?;
    }
    Ok(())
}

fn insert_seats(conn: &Connection, event_id: &str, seats: &[SeatSpec]) -> Result<(), Error> {
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

/// One event.
pub fn event_by_id(conn: &Connection, id: &str) -> Result<Option<EventRow>, Error> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS} FROM events e WHERE e.id = ?1"
        ))?
        .query_row([id], event_from_row)
        .optional()?)
}

/// Filters of the public event list.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub category: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub q: Option<String>,
    pub origin: Option<String>,
    pub destination: Option<String>,
    /// `scheduled` or `cancelled`.
    pub status: Option<String>,
}

/// A page of events by start time. `origin`/`destination` match any stop on the route, in
/// that order, so a search from an intermediate stop finds the bus that passes through it;
/// an origin needs a later stop to travel to (nothing leaves from the last stop).
pub fn list_events(
    conn: &Connection,
    f: &EventFilter,
    page: &PageRequest,
) -> Result<Vec<EventRow>, Error> {
    let (after_t, after_id) =
        match &page.after {
            Some(k) => (
                Some(k[0].parse::<i64>().map_err(|_| {
                    Error::invalid("cursor", "is not a cursor this list handed out")
                })?),
                Some(k[1].clone()),
            ),
            None => (None, None),
        };
    let q = f.q.as_ref().map(|q| format!("%{}%", escape_like(q)));
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM events e
         WHERE (:category IS NULL OR e.category = :category)
           AND (:status IS NULL OR e.status = :status)
           AND (:from IS NULL OR e.starts_at >= :from)
           AND (:to IS NULL OR e.starts_at < :to)
           AND (:q IS NULL OR e.name LIKE :q ESCAPE '\\' OR e.venue_name LIKE :q ESCAPE '\\'
                OR EXISTS (SELECT 1 FROM event_stops s WHERE s.event_id = e.id AND s.name LIKE :q ESCAPE '\\'))
           AND (:origin IS NULL OR EXISTS (
                SELECT 1 FROM event_stops a JOIN event_stops b ON b.event_id = a.event_id AND b.idx > a.idx
                WHERE a.event_id = e.id AND a.name = :origin COLLATE NOCASE
                  AND (:destination IS NULL OR b.name = :destination COLLATE NOCASE)))
           AND (:destination IS NULL OR EXISTS (
                SELECT 1 FROM event_stops b WHERE b.event_id = e.id AND b.name = :destination COLLATE NOCASE AND b.idx > 0))
           AND (:after_t IS NULL OR (e.starts_at, e.id) > (:after_t, :after_id))
         ORDER BY e.starts_at, e.id
         LIMIT :limit"
    ))?;
    let rows = stmt
        .query_map(
            named_params! {
                ":category": f.category, ":status": f.status, ":from": f.from, ":to": f.to, ":q": q,
                ":origin": f.origin, ":destination": f.destination,
                ":after_t": after_t, ":after_id": after_id, ":limit": page.fetch_limit(),
            },
            event_from_row,
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// An event's price categories in display order, with seat counts.
pub fn categories(conn: &Connection, event_id: &str) -> Result<Vec<CategoryRow>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT pc.category, pc.base_minor, pc.capacity,
                (SELECT count(*) FROM seats s WHERE s.event_id = pc.event_id AND s.category = pc.category),
                (SELECT count(*) FROM seats s WHERE s.event_id = pc.event_id AND s.category = pc.category
                                                AND s.blocked_reason IS NOT NULL)
         FROM price_categories pc WHERE pc.event_id = ?1 ORDER BY pc.position",
    )?;
    let rows = stmt
        .query_map([event_id], |r| {
            Ok(CategoryRow {
                category: r.get(0)?,
                base_minor: r.get(1)?,
                capacity: r.get(2)?,
                seats: r.get(3)?,
                blocked: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// An event's price categories in display order with zero seat counts, without counting
/// its seats (a pass over all of them per category): for base prices, and for views whose
/// counts come from the live index.
pub fn categories_uncounted(conn: &Connection, event_id: &str) -> Result<Vec<CategoryRow>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT category, base_minor, capacity FROM price_categories
         WHERE event_id = ?1 ORDER BY position",
    )?;
    let rows = stmt
        .query_map([event_id], |r| {
            Ok(CategoryRow {
                category: r.get(0)?,
                base_minor: r.get(1)?,
                capacity: r.get(2)?,
                seats: 0,
                blocked: 0,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// A travel event's stops, origin first.
pub fn stops(conn: &Connection, event_id: &str) -> Result<Vec<StopRow>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT idx, name, arrives_at, departs_at FROM event_stops WHERE event_id = ?1 ORDER BY idx",
    )?;
    let rows = stmt
        .query_map([event_id], |r| {
            Ok(StopRow {
                idx: r.get(0)?,
                name: r.get(1)?,
                arrives_at: r.get(2)?,
                departs_at: r.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
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

/// Writes back an event's editable columns.
pub fn update_event(conn: &Connection, e: &EventRow) -> Result<(), Error> {
    conn.prepare_cached(
        "UPDATE events SET name = :name, description = :description, starts_at = :starts_at,
                ends_at = :ends_at, timezone = :timezone, updated_at = :updated_at
         WHERE id = :id",
    )?
    .execute(named_params! {
        ":id": e.id, ":name": e.name, ":description": e.description, ":starts_at": e.starts_at,
        ":ends_at": e.ends_at, ":timezone": e.timezone, ":updated_at": e.updated_at,
    })?;
    Ok(())
}

/// Moves the origin's departure or the destination's arrival of a travel event.
pub fn update_stop_times(
    conn: &Connection,
    event_id: &str,
    idx: i64,
    arrives_at: Option<i64>,
    departs_at: Option<i64>,
) -> Result<(), Error> {
    conn.prepare_cached(
        "UPDATE event_stops SET arrives_at = ?3, departs_at = ?4 WHERE event_id = ?1 AND idx = ?2",
    )?
    .execute(rusqlite::params![event_id, idx, arrives_at, departs_at])?;
    Ok(())
}

/// Sets a category's base price.
pub fn set_base_price(
    conn: &Connection,
    event_id: &str,
    category: &str,
    base_minor: i64,
) -> Result<(), Error> {
    conn.prepare_cached(
        "UPDATE price_categories SET base_minor = ?3 WHERE event_id = ?1 AND category = ?2",
    )?
    .execute(rusqlite::params![event_id, category, base_minor])?;
    Ok(())
}

/// Sets a general-admission category's capacity.
pub fn set_capacity(
    conn: &Connection,
    event_id: &str,
    category: &str,
    capacity: u32,
) -> Result<(), Error> {
    conn.prepare_cached(
        "UPDATE price_categories SET capacity = ?3 WHERE event_id = ?1 AND category = ?2",
    )?
    .execute(rusqlite::params![event_id, category, capacity])?;
    Ok(())
}

/// Deletes an event and everything that hangs off it. Bookings ever made for it (expired,
/// cancelled and refunded ones too) keep it: the schema's foreign keys refuse, and this says
/// so as a conflict rather than a failure.
pub fn delete_event(conn: &Connection, event_id: &str) -> Result<bool, Error> {
    conn.prepare_cached("DELETE FROM seats WHERE event_id = ?1")?
        .execute([event_id])?;
    match conn
        .prepare_cached("DELETE FROM events WHERE id = ?1")?
        .execute([event_id])
    {
        Ok(n) => Ok(n > 0),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
        {
            Err(Error::conflict(
                "event_has_bookings",
                "this event has bookings on record (expired, cancelled or refunded ones count too), so it cannot be deleted; cancel it instead, which keeps them",
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// A venues row.
#[derive(Debug, Clone)]
pub struct VenueRow {
    pub id: String,
    pub name: String,
    pub city: Option<String>,
    pub address: Option<String>,
    pub timezone: String,
    pub seat_map: Option<String>,
    pub capacity: Option<String>,
    pub created_at: i64,
}

fn venue_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<VenueRow> {
    Ok(VenueRow {
        id: r.get(0)?,
        name: r.get(1)?,
        city: r.get(2)?,
        address: r.get(3)?,
        timezone: r.get(4)?,
        seat_map: r.get(5)?,
        capacity: r.get(6)?,
        created_at: r.get(7)?,
    })
}

/// Inserts a venue.
pub fn insert_venue(conn: &Connection, v: &VenueRow) -> Result<(), Error> {
    conn.prepare_cached(
        "INSERT INTO venues (id, name, city, address, timezone, seat_map, capacity, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
    )?
    .execute(rusqlite::params![v.id, v.name, v.city, v.address, v.timezone, v.seat_map, v.capacity, v.created_at])?;
    Ok(())
}

/// One venue.
pub fn venue_by_id(conn: &Connection, id: &str) -> Result<Option<VenueRow>, Error> {
    Ok(conn
        .prepare_cached("SELECT id, name, city, address, timezone, seat_map, capacity, created_at FROM venues WHERE id = ?1")?
        .query_row([id], venue_from_row)
        .optional()?)
}

/// A page of venues in creation order.
pub fn list_venues(conn: &Connection, page: &PageRequest) -> Result<Vec<VenueRow>, Error> {
    let after = page.after.as_ref().map(|a| a[0].clone());
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, city, address, timezone, seat_map, capacity, created_at FROM venues
         WHERE (?1 IS NULL OR id > ?1) ORDER BY id LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(rusqlite::params![after, page.fetch_limit()], venue_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Every event id, oldest first (for rebuilding the seat index).
pub fn all_event_ids(conn: &Connection) -> Result<Vec<String>, Error> {
    Ok(conn
        .prepare_cached("SELECT id FROM events ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<Vec<_>, _>>()?)
}

/// Marks an event cancelled; false if it was already.
pub fn mark_cancelled(conn: &Connection, id: &str, now_s: i64) -> Result<bool, Error> {
    Ok(conn
        .prepare_cached(
            "UPDATE events SET status = 'cancelled', updated_at = ?2 WHERE id = ?1 AND status != 'cancelled'",
        )?
        .execute(rusqlite::params![id, now_s])?
        > 0)
}
