//! The `event_stops` table: the stops of a travel event, in order.

use crate::catalog::event_input::StopSpec;
use crate::error::Error;
use rusqlite::Connection;

/// A stop of a travel event.
#[derive(Debug, Clone)]
pub struct StopRow {
    pub idx: i64,
    pub name: String,
    pub arrives_at_ms: Option<i64>,
    pub departs_at_ms: Option<i64>,
}

pub(super) fn insert_stops(
    conn: &Connection,
    event_id: &str,
    stops: &[StopSpec],
) -> Result<(), Error> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO event_stops (event_id, idx, name, arrives_at, departs_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (idx, stop) in stops.iter().enumerate() {
        stmt.execute(rusqlite::params![
            event_id,
            idx as i64,
            stop.name,
            stop.arrives_at_ms,
            stop.departs_at_ms
        ])?;
    }
    Ok(())
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
                arrives_at_ms: r.get(2)?,
                departs_at_ms: r.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Moves the origin's departure or the destination's arrival of a travel event.
pub fn update_stop_times(
    conn: &Connection,
    event_id: &str,
    idx: i64,
    arrives_at_ms: Option<i64>,
    departs_at_ms: Option<i64>,
) -> Result<(), Error> {
    conn.prepare_cached(
        "UPDATE event_stops SET arrives_at = ?3, departs_at = ?4 WHERE event_id = ?1 AND idx = ?2",
    )?
    .execute(rusqlite::params![
        event_id,
        idx,
        arrives_at_ms,
        departs_at_ms
    ])?;
    Ok(())
}
