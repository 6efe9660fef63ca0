//! The `events` table: an event is inserted with its stops, categories and seats in one
//! transaction; listed, edited, cancelled and deleted here.

use crate::auth::repo::escape_like;
use crate::catalog::event_input::NewEvent;
use crate::catalog::model::EventStatus;
use crate::error::{Conflict, Error};
use crate::pagination::PageRequest;
use rusqlite::{Connection, OptionalExtension, named_params};

/// An events row.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub category: String,
    pub status: EventStatus,
    pub venue_id: Option<String>,
    pub venue_name: Option<String>,
    pub starts_at_ms: i64,
    pub ends_at_ms: Option<i64>,
    pub timezone: String,
    pub currency: String,
    pub general_admission: bool,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
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
        starts_at_ms: r.get(7)?,
        ends_at_ms: r.get(8)?,
        timezone: r.get(9)?,
        currency: r.get(10)?,
        general_admission: r.get(11)?,
        created_at_ms: r.get(12)?,
        updated_at_ms: r.get(13)?,
    })
}

/// Inserts an event with its stops, categories and seats.
pub fn insert_event(conn: &Connection, id: &str, e: &NewEvent, now_ms: i64) -> Result<(), Error> {
    conn.prepare_cached(
        "INSERT INTO events (id, name, description, category, status, venue_id, venue_name, starts_at, ends_at,
                             timezone, currency, general_admission, created_at, updated_at)
         VALUES (:id, :name, :description, :category, 'scheduled', :venue_id, :venue_name, :starts_at, :ends_at,
                 :timezone, :currency, :ga, :now, :now)",
    )?
    .execute(named_params! {
        ":id": id, ":name": e.name, ":description": e.description, ":category": e.category.as_str(),
        ":venue_id": e.venue_id, ":venue_name": e.venue_name, ":starts_at": e.starts_at_ms,
        ":ends_at": e.ends_at_ms, ":timezone": e.timezone, ":currency": e.currency,
        ":ga": e.seats.is_empty(), ":now": now_ms,
    })?;
    super::stops::insert_stops(conn, id, &e.stops)?;
    super::categories::insert_categories(conn, id, &e.categories)?;
    super::seats::insert_seats(conn, id, &e.seats)?;
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
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub q: Option<String>,
    pub origin: Option<String>,
    pub destination: Option<String>,
    pub status: Option<EventStatus>,
}

/// A page of events by start time. `origin`/`destination` match any stop on the route, in
/// that order, so a search from an intermediate stop finds the bus that passes through it;
/// an origin needs a later stop to travel to (nothing leaves from the last stop).
pub fn list_events(
    conn: &Connection,
    f: &EventFilter,
    page: &PageRequest,
) -> Result<Vec<EventRow>, Error> {
    let (after_t, after_id) = match &page.after {
        Some(k) => (
            // The cursor holds the start in whole seconds.
            Some(
                k[0].parse::<i64>()
                    .ok()
                    .and_then(|s| s.checked_mul(1000))
                    .ok_or_else(|| {
                        Error::invalid("cursor", "is not a cursor this list handed out")
                    })?,
            ),
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
                ":category": f.category, ":status": f.status, ":from": f.from_ms, ":to": f.to_ms, ":q": q,
                ":origin": f.origin, ":destination": f.destination,
                ":after_t": after_t, ":after_id": after_id, ":limit": page.fetch_limit(),
            },
            event_from_row,
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Writes back an event's editable columns.
pub fn update_event(conn: &Connection, e: &EventRow) -> Result<(), Error> {
    conn.prepare_cached(
        "UPDATE events SET name = :name, description = :description, starts_at = :starts_at,
                ends_at = :ends_at, timezone = :timezone, updated_at = :updated_at
         WHERE id = :id",
    )?
    .execute(named_params! {
        ":id": e.id, ":name": e.name, ":description": e.description, ":starts_at": e.starts_at_ms,
        ":ends_at": e.ends_at_ms, ":timezone": e.timezone, ":updated_at": e.updated_at_ms,
    })?;
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
            Err(Conflict::EventHasBookings.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Every event id, oldest first (for rebuilding the seat index).
pub fn all_event_ids(conn: &Connection) -> Result<Vec<String>, Error> {
    Ok(conn
        .prepare_cached("SELECT id FROM events ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<Vec<_>, _>>()?)
}

/// Marks an event cancelled; false if it was already.
pub fn mark_cancelled(conn: &Connection, id: &str, now_ms: i64) -> Result<bool, Error> {
    Ok(conn
        .prepare_cached(
            "UPDATE events SET status = 'cancelled', updated_at = ?2 WHERE id = ?1 AND status != 'cancelled'",
        )?
        .execute(rusqlite::params![id, now_ms])?
        > 0)
}

/// The ids of the events of these event categories (their rules changed).
pub fn event_ids_in_categories(
    conn: &Connection,
    categories: &[&str],
) -> Result<Vec<String>, Error> {
    let json = serde_json::to_string(categories).map_err(Error::internal)?;
    Ok(conn
        .prepare_cached(
            "SELECT id FROM events WHERE category IN (SELECT value FROM json_each(?1))",
        )?
        .query_map([json], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?)
}
