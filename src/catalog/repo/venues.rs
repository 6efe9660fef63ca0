//! The `venues` table.

use crate::error::Error;
use crate::pagination::PageRequest;
use rusqlite::{Connection, OptionalExtension};

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
    pub created_at_ms: i64,
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
        created_at_ms: r.get(7)?,
    })
}

/// Inserts a venue.
pub fn insert_venue(conn: &Connection, v: &VenueRow) -> Result<(), Error> {
    conn.prepare_cached(
        "INSERT INTO venues (id, name, city, address, timezone, seat_map, capacity, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
    )?
    .execute(rusqlite::params![v.id, v.name, v.city, v.address, v.timezone, v.seat_map, v.capacity, v.created_at_ms])?;
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
