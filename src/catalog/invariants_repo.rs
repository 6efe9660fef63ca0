//! The catalog's invariants, as `rezerve check` verifies them. The schema holds most rules
//! (checks, foreign keys, unique labels); these are the ones that span rows.

use crate::error::Error;
use crate::store::check::Finding;
use rusqlite::Connection;

fn problems(conn: &Connection, sql: &str) -> Result<Vec<String>, Error> {
    Ok(conn
        .prepare(sql)?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?)
}

/// Runs every catalog check.
pub fn check(conn: &Connection) -> Result<Vec<Finding>, Error> {
    Ok(vec![
        Finding::from_problems(
            "every event has a priced category",
            problems(
                conn,
                "SELECT 'event ' || e.id || ' has no price category' FROM events e
                 WHERE NOT EXISTS (SELECT 1 FROM price_categories pc WHERE pc.event_id = e.id)",
            )?,
        ),
        Finding::from_problems(
            "seated events have seats, general admission has capacity",
            problems(
                conn,
                "SELECT 'event ' || e.id || CASE e.general_admission
                          WHEN 1 THEN ' is general admission but has seats or a category without capacity'
                          ELSE ' is seated but has no seats or has a capacity' END
                 FROM events e
                 WHERE (e.general_admission = 1 AND (
                           EXISTS (SELECT 1 FROM seats s WHERE s.event_id = e.id)
                           OR EXISTS (SELECT 1 FROM price_categories pc WHERE pc.event_id = e.id AND pc.capacity IS NULL)))
                    OR (e.general_admission = 0 AND (
                           NOT EXISTS (SELECT 1 FROM seats s WHERE s.event_id = e.id)
                           OR EXISTS (SELECT 1 FROM price_categories pc WHERE pc.event_id = e.id AND pc.capacity IS NOT NULL)))",
            )?,
        ),
        Finding::from_problems(
            "seat numbers are dense",
            problems(
                conn,
                "SELECT 'event ' || event_id || ' has seat numbers with gaps' FROM seats
                 GROUP BY event_id HAVING max(seat_no) + 1 <> count(*)",
            )?,
        ),
        Finding::from_problems(
            "travel routes are complete and in time order",
            problems(
                conn,
                "SELECT 'event ' || e.id || ' (' || e.category || ') has a broken route' FROM events e
                 WHERE (e.category IN ('flight', 'bus', 'train') AND (
                           (SELECT count(*) FROM event_stops s WHERE s.event_id = e.id) < 2
                           OR (SELECT max(idx) + 1 FROM event_stops s WHERE s.event_id = e.id)
                              <> (SELECT count(*) FROM event_stops s WHERE s.event_id = e.id)
                           OR EXISTS (SELECT 1 FROM event_stops a JOIN event_stops b
                                        ON a.event_id = b.event_id AND b.idx = a.idx + 1
                                      WHERE a.event_id = e.id AND b.arrives_at <= a.departs_at)))
                    OR (e.category NOT IN ('flight', 'bus', 'train')
                        AND EXISTS (SELECT 1 FROM event_stops s WHERE s.event_id = e.id))",
            )?,
        ),
    ])
}
