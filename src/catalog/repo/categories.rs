//! The `price_categories` table: an event's categories with their base prices, capacities
//! (general admission) and seat counts.

use crate::catalog::event_input::CategorySpec;
use crate::error::Error;
use rusqlite::Connection;

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

pub(super) fn insert_categories(
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
        .query_map([event_id], category_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// category, base_minor, capacity, seats, blocked.
fn category_row(r: &rusqlite::Row) -> rusqlite::Result<CategoryRow> {
    Ok(CategoryRow {
        category: r.get(0)?,
        base_minor: r.get(1)?,
        capacity: r.get(2)?,
        seats: r.get(3)?,
        blocked: r.get(4)?,
    })
}

/// An event's price categories in display order with zero seat counts, without counting
/// its seats (a pass over all of them per category): for base prices, and for views whose
/// counts come from the live index.
pub fn categories_uncounted(conn: &Connection, event_id: &str) -> Result<Vec<CategoryRow>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT category, base_minor, capacity, 0, 0 FROM price_categories
         WHERE event_id = ?1 ORDER BY position",
    )?;
    let rows = stmt
        .query_map([event_id], category_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Sets a category's base price, or a general-admission category's capacity, or both
/// (`None` keeps the value).
pub fn update_category(
    conn: &Connection,
    event_id: &str,
    category: &str,
    base_minor: Option<i64>,
    capacity: Option<u32>,
) -> Result<(), Error> {
    conn.prepare_cached(
        "UPDATE price_categories SET base_minor = COALESCE(?3, base_minor), \
         capacity = COALESCE(?4, capacity) WHERE event_id = ?1 AND category = ?2",
    )?
    .execute(rusqlite::params![event_id, category, base_minor, capacity])?;
    Ok(())
}
