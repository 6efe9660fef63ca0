//! SQL of the seat history (the `seat_changes` table): one row per change, listing the seats
//! it changed (`' A-1 A-2 '`), so a hold of four seats costs one row, not four. A seat's
//! history is read back as the event's changes whose list holds its label.

use super::history::SeatHistoryEntry;
use super::model::SeatStatus;
use super::repo::status_name;
use crate::error::Error;
use crate::pagination::PageRequest;
use rusqlite::{Connection, named_params};

/// A change of one or more seats of an event, to record.
#[derive(Debug, Clone)]
pub struct NewSeatChange<'a> {
    pub event_id: &'a str,
    /// The seats' labels (printable, no spaces: a seat map's labels are).
    pub seats: &'a [String],
    /// Unix milliseconds.
    pub at_ms: i64,
    pub from: SeatStatus,
    pub to: SeatStatus,
    /// `block`, `unblock`, `hold:<id>`, `booking:<id>`.
    pub cause: &'a str,
    pub actor: Option<&'a str>,
    pub note: Option<&'a str>,
    /// The outbox entry a relayed change came from: recorded once however often it is relayed.
    pub source_key: Option<&'a str>,
}

/// The stored seat list: each label between single spaces.
fn seat_list(seats: &[String]) -> String {
    let mut list = String::with_capacity(seats.iter().map(|s| s.len() + 1).sum::<usize>() + 1);
    list.push(' ');
    for label in seats {
        list.push_str(label);
        list.push(' ');
    }
    list
}

/// Records a change. Nothing is recorded for no seats, for an event deleted meanwhile (a
/// relayed change may outlive its event), or for a source key recorded already.
///
/// The event is looked up first and the row inserted with `VALUES`, not as one `INSERT …
/// SELECT … WHERE EXISTS`: SQLite gives an `INSERT … SELECT` a statement journal, and inside
/// the writer's per-write savepoint each such statement's end walks the whole in-memory
/// sub-journal of that savepoint. The relay records up to thousands of changes in one write,
/// so that walk was quadratic in its batch: half of the SQLite writer's CPU in a profile of
/// the holds level (16 % of the server's). Both statements run in the caller's transaction on
/// the one writer, so the event cannot go between them.
pub fn record(conn: &Connection, change: &NewSeatChange<'_>) -> Result<(), Error> {
    if change.seats.is_empty() {
        return Ok(());
    }
    let event_exists = conn
        .prepare_cached("SELECT 1 FROM events WHERE id = ?1")?
        .exists([change.event_id])?;
    if !event_exists {
        return Ok(());
    }
    conn.prepare_cached(
        "INSERT INTO seat_changes (event_id, at, from_status, to_status, cause, actor, note, seats, seat_count, source_key)
         VALUES (:event, :at, :from, :to, :cause, :actor, :note, :seats, :count, :source)
         ON CONFLICT DO NOTHING",
    )?
    .execute(named_params! {
        ":event": change.event_id,
        ":at": change.at_ms,
        ":from": status_name(change.from),
        ":to": status_name(change.to),
        ":cause": change.cause,
        ":actor": change.actor,
        ":note": change.note,
        ":seats": seat_list(change.seats),
        ":count": change.seats.len() as i64,
        ":source": change.source_key,
    })?;
    Ok(())
}

/// A page of one seat's history, oldest first.
pub fn page(
    conn: &Connection,
    event_id: &str,
    label: &str,
    after: Option<i64>,
    page: &PageRequest,
) -> Result<Vec<SeatHistoryEntry>, Error> {
    let rows = conn
        .prepare_cached(
            "SELECT id, at, from_status, to_status, cause, actor, note FROM seat_changes
             WHERE event_id = :event AND (:after IS NULL OR id > :after)
               AND instr(seats, ' ' || :label || ' ') > 0
             ORDER BY id LIMIT :limit",
        )?
        .query_map(
            named_params! {
                ":event": event_id, ":label": label, ":after": after, ":limit": page.fetch_limit(),
            },
            |r| {
                Ok(SeatHistoryEntry {
                    id: r.get(0)?,
                    at: super::model::at(r.get(1)?),
                    from: r.get(2)?,
                    to: r.get(3)?,
                    cause: r.get(4)?,
                    actor: r.get(5)?,
                    note: r.get(6)?,
                })
            },
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Seats of an event put on hold since `since_ms` (Unix milliseconds).
pub fn seats_held_since(conn: &Connection, event_id: &str, since_ms: i64) -> Result<i64, Error> {
    Ok(conn
        .prepare_cached(
            "SELECT coalesce(sum(seat_count), 0) FROM seat_changes
             WHERE event_id = ?1 AND to_status = 'held' AND at >= ?2",
        )?
        .query_row(rusqlite::params![event_id, since_ms], |r| r.get(0))?)
}

/// Whether the event has a seat with this label.
pub fn seat_exists(conn: &Connection, event_id: &str, label: &str) -> Result<bool, Error> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM seats WHERE event_id = ?1 AND label = ?2)")?
        .query_row(rusqlite::params![event_id, label], |r| r.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::migrations::MIGRATIONS;

    fn history_of(conn: &Connection, label: &str) -> Vec<(String, String, String)> {
        let request = PageRequest {
            limit: 50,
            after: None,
        };
        page(conn, "evt_1", label, None, &request)
            .expect("reads")
            .into_iter()
            .map(|e| (e.from, e.to, e.cause))
            .collect()
    }

    /// A database with the per-seat history of before migration 0011 keeps every seat's
    /// history across it, a relayed hold of two seats becoming one change of both.
    #[test]
    fn the_per_seat_history_becomes_one_change_per_hold() {
        let conn = Connection::open_in_memory().expect("opens");
        // The old rows stand alone: no events or seats rows behind them.
        conn.pragma_update(None, "foreign_keys", "OFF")
            .expect("foreign keys off");
        let at = MIGRATIONS
            .iter()
            .position(|(name, _)| *name == "0011_seat_changes")
            .expect("migration 0011");
        let (ten, from_0011) = MIGRATIONS.split_at(at);
        let last = &from_0011[0];
        for (_, sql) in ten {
            conn.execute_batch(sql).expect("an older migration applies");
        }
        conn.execute_batch(
            "INSERT INTO seat_history (id, event_id, label, at, from_status, to_status, cause, actor, note, source_key) VALUES
               (1, 'evt_1', 'A-1', 100, 'available', 'blocked', 'block', 'usr_a', 'broken', NULL),
               (2, 'evt_1', 'A-2', 200, 'available', 'held', 'hold:hld_1', 'usr_c', NULL, 'outbox:7:A-2'),
               (3, 'evt_1', 'A-11', 200, 'available', 'held', 'hold:hld_1', 'usr_c', NULL, 'outbox:7:A-11'),
               (4, 'evt_1', 'A-2', 300, 'held', 'available', 'hold:hld_1', NULL, NULL, 'outbox:12:A-2'),
               (5, 'evt_1', 'A-11', 300, 'held', 'available', 'hold:hld_1', NULL, NULL, 'outbox:12:A-11');",
        )
        .expect("old rows");
        conn.execute_batch(last.1).expect("0011 applies");

        let count: i64 = conn
            .query_row("SELECT count(*) FROM seat_changes", [], |r| r.get(0))
            .expect("counts");
        assert_eq!(count, 3, "the block, the hold, the release");
        let (seats, keys): (String, String) = conn
            .query_row(
                "SELECT group_concat(seats, '|'), group_concat(source_key, '|') FROM
                   (SELECT seats, source_key FROM seat_changes WHERE source_key IS NOT NULL ORDER BY id)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("reads");
        assert!(
            seats.contains(" A-2 ") && seats.contains(" A-11 "),
            "{seats}"
        );
        assert_eq!(keys, "outbox:7|outbox:12");
        let s = |v: &str| v.to_string();
        let held = (s("available"), s("held"), s("hold:hld_1"));
        let released = (s("held"), s("available"), s("hold:hld_1"));
        assert_eq!(history_of(&conn, "A-2"), [held.clone(), released.clone()]);
        assert_eq!(history_of(&conn, "A-11"), [held, released]);
        assert_eq!(
            history_of(&conn, "A-1"),
            [(s("available"), s("blocked"), s("block"))],
            "A-1 is blocked, never held, though A-11 starts with it"
        );
        assert_eq!(seats_held_since(&conn, "evt_1", 0).expect("counts"), 2);
        assert_eq!(seats_held_since(&conn, "evt_1", 201).expect("counts"), 0);
    }
}
