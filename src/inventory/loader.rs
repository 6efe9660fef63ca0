//! Rebuilds seat indexes from SQLite: the catalog's seats, categories, stops and blocks.
//! (Sold seats join here when tickets exist.) What it reads of pricing's and booking's
//! tables is in `loader_repo`: reads only, the owners write them.

use super::loader_repo;
use super::seat_index::{CategoryState, EventSeats, SeatInfo};
use crate::catalog::repo;
use crate::error::Error;
use rusqlite::Connection;

/// The index of every event.
pub fn load_all(conn: &Connection) -> Result<Vec<EventSeats>, Error> {
    let mut indexes = Vec::new();
    for id in repo::all_event_ids(conn)? {
        if let Some(ix) = load_one(conn, &id)? {
            indexes.push(ix);
        }
    }
    Ok(indexes)
}

/// The index of one event, if it exists.
pub fn load_one(conn: &Connection, event_id: &str) -> Result<Option<EventSeats>, Error> {
    let Some(event) = repo::event_by_id(conn, event_id)? else {
        return Ok(None);
    };
    let stops: Vec<String> = repo::stops(conn, event_id)?
        .into_iter()
        .map(|s| s.name)
        .collect();
    // The dynamic price where pricing has set one, else the base price.
    let current = loader_repo::current_prices(conn, event_id)?;
    let categories: Vec<CategoryState> = repo::categories(conn, event_id)?
        .into_iter()
        .map(|c| CategoryState {
            price_minor: current.get(&c.category).copied().unwrap_or(c.base_minor),
            name: c.category,
            capacity: c.capacity.unwrap_or(c.seats).max(0) as u32,
            ga_held: 0,
            ga_sold: 0,
        })
        .collect();
    let seats = repo::seats(conn, event_id)?
        .into_iter()
        .map(|s| {
            let category = categories
                .iter()
                .position(|c| c.name == s.category)
                .ok_or_else(|| {
                    Error::internal(format!("seat {} has an unknown category", s.label))
                })?;
            Ok(SeatInfo {
                label: s.label,
                section: s.section,
                row: s.row,
                number: s.number.max(0) as u32,
                category: category as u16,
                flags: s.flags,
                blocked: s.blocked_reason.is_some(),
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let mut ix = EventSeats::new(
        event.id,
        event.currency,
        stops,
        categories,
        seats,
        event.general_admission,
    );
    ix.closed = event.status == crate::catalog::model::EventStatus::Cancelled;
    mark_sold(conn, &mut ix)?;
    Ok(Some(ix))
}

/// Marks what live tickets cover as sold: seat-legs, and general-admission places.
fn mark_sold(conn: &Connection, ix: &mut EventSeats) -> Result<(), Error> {
    for (label, leg) in loader_repo::live_seat_legs(conn, &ix.event_id)? {
        if let Some(seat) = ix.seat_no(&label) {
            let leg = leg as u16;
            ix.mark_sold(seat, leg..leg + 1);
        }
    }
    for (category, sold) in loader_repo::places_sold(conn, &ix.event_id)? {
        if let Some(c) = ix.category_index(&category) {
            ix.categories[c as usize].ga_sold = sold.max(0) as u32;
        }
    }
    Ok(())
}
