//! What a rebuild reads of the tables other domains own, read-only: the current prices
//! (pricing's) and what live tickets cover (booking's). Below both domains, the inventory
//! cannot call their repos (they call it), so the queries are here, next to the one reader.

use crate::error::Error;
use rusqlite::Connection;
use std::collections::HashMap;

/// The dynamic price of each category where pricing has set one.
pub fn current_prices(conn: &Connection, event_id: &str) -> Result<HashMap<String, i64>, Error> {
    Ok(conn
        .prepare_cached("SELECT category, price_minor FROM current_prices WHERE event_id = ?1")?
        .query_map([event_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?)
}

/// Every seat-leg a live ticket covers: (seat label, leg).
pub fn live_seat_legs(conn: &Connection, event_id: &str) -> Result<Vec<(String, i64)>, Error> {
    Ok(conn
        .prepare_cached("SELECT seat_label, leg FROM ticket_legs WHERE event_id = ?1 AND live = 1")?
        .query_map([event_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?)
}

/// General-admission places sold per category (live tickets without a seat).
pub fn places_sold(conn: &Connection, event_id: &str) -> Result<Vec<(String, i64)>, Error> {
    Ok(conn
        .prepare_cached(
            "SELECT category, count(*) FROM tickets WHERE event_id = ?1 AND void = 0 AND seat_label IS NULL GROUP BY category",
        )?
        .query_map([event_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?)
}
