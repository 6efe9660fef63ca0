//! SQL of the seat history (the `seat_changes` table): one row per change, listing the seats
//! it changed (`' A-1 A-2 '`), so a hold of four seats costs one row, not four. One write's
//! rows of an event are a run of consecutive ids, indexed by the run's first row. A seat's
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
pub fn record(conn: &Connection, change: &NewSeatChange<'_>) -> Result<(), Error> {
    record_all(conn, std::slice::from_ref(change))
}

/// Records changes as [`record`] does, each event's in the order given, as one run of
/// consecutive ids per event: only a run's first row is in the per-event index
/// (`seat_changes_runs`, with the run's length), the rest are found by id from it.
///
/// An entry per change in a per-event index dirtied, on every relay pass, a few pages of
/// each event's section of it (a leaf filling up in the middle of the tree makes SQLite
/// spread it over its siblings): in the holds level that index was 61 % of the WAL frames.
/// A run costs one entry per event per pass instead.
///
/// The event is looked up first and the rows inserted with `VALUES`, not as one `INSERT …
/// SELECT … WHERE EXISTS`: SQLite gives an `INSERT … SELECT` a statement journal, and inside
/// the writer's per-write savepoint each such statement's end walks the whole in-memory
/// sub-journal of that savepoint. The relay records up to thousands of changes in one write,
/// so that walk was quadratic in its batch: half of the SQLite writer's CPU in a profile of
/// the holds level (16 % of the server's). Every statement runs in the caller's transaction
/// on the one writer, so the event cannot go between them, and a run's rows get consecutive
/// ids (a row skipped for its source key takes none).
pub fn record_all(conn: &Connection, changes: &[NewSeatChange<'_>]) -> Result<(), Error> {
    let mut by_event: Vec<(&str, Vec<&NewSeatChange<'_>>)> = Vec::new();
    for change in changes.iter().filter(|c| !c.seats.is_empty()) {
        match by_event
            .iter_mut()
            .find(|(event, _)| *event == change.event_id)
        {
            Some((_, run)) => run.push(change),
            None => by_event.push((change.event_id, vec![change])),
        }
    }
    for (event_id, run) in by_event {
        record_run(conn, event_id, &run)?;
    }
    Ok(())
}

/// Records one event's changes as one run (see [`record_all`]).
fn record_run(conn: &Connection, event_id: &str, run: &[&NewSeatChange<'_>]) -> Result<(), Error> {
    let event_exists = conn
        .prepare_cached("SELECT 1 FROM events WHERE id = ?1")?
        .exists([event_id])?;
    if !event_exists {
        return Ok(());
    }
    let mut insert = conn.prepare_cached(
        "INSERT INTO seat_changes (event_id, at, from_status, to_status, cause, actor, note, seats, seat_count, source_key, run_len)
         VALUES (:event, :at, :from, :to, :cause, :actor, :note, :seats, :count, :source, :run_len)
         ON CONFLICT DO NOTHING",
    )?;
    // The run's first row, and the length it was given: the rest of the run, as if none of
    // it were recorded already (only a relay pass repeated after a crash finds some that are).
    let mut first: Option<(i64, usize)> = None;
    let mut inserted = 0;
    for (i, change) in run.iter().enumerate() {
        let run_len = match first {
            None => Some((run.len() - i) as i64),
            Some(_) => None,
        };
        let rows = insert.execute(named_params! {
            ":event": event_id,
            ":at": change.at_ms,
            ":from": status_name(change.from),
            ":to": status_name(change.to),
            ":cause": change.cause,
            ":actor": change.actor,
            ":note": change.note,
            ":seats": seat_list(change.seats),
            ":count": change.seats.len() as i64,
            ":source": change.source_key,
            ":run_len": run_len,
        })?;
        if rows == 0 {
            continue;
        }
        inserted += 1;
        if first.is_none() {
            first = Some((conn.last_insert_rowid(), run.len() - i));
        }
    }
    if let Some((id, given)) = first
        && given != inserted
    {
        conn.prepare_cached("UPDATE seat_changes SET run_len = ?2 WHERE id = ?1")?
            .execute(rusqlite::params![id, inserted as i64])?;
    }
    Ok(())
}

/// The last outbox sequence the relay recorded, if it has recorded by sequence yet (see
/// migration 0021).
pub fn relayed_up_to(conn: &Connection) -> Result<Option<u64>, Error> {
    let last: Option<i64> = conn
        .prepare_cached("SELECT last_seq FROM seat_change_relay WHERE id = 1")?
        .query_row([], |r| r.get(0))?;
    Ok(last.map(|s| s.max(0) as u64))
}

/// Records that every outbox entry up to `seq` is in the history, in the write that
/// recorded them.
pub fn set_relayed_up_to(conn: &Connection, seq: u64) -> Result<(), Error> {
    let seq = i64::try_from(seq).map_err(Error::internal)?;
    conn.prepare_cached(
        "UPDATE seat_change_relay SET last_seq = max(coalesce(last_seq, 0), ?1) WHERE id = 1",
    )?
    .execute([seq])?;
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
            "SELECT c.id, c.at, c.from_status, c.to_status, c.cause, c.actor, c.note
             FROM seat_changes AS r CROSS JOIN seat_changes AS c
               ON c.id BETWEEN r.id AND r.id + r.run_len - 1
             WHERE r.event_id = :event AND r.run_len IS NOT NULL
               AND (:after IS NULL OR r.id + r.run_len > :after)
               AND (:after IS NULL OR c.id > :after) AND c.event_id = :event
               AND instr(c.seats, ' ' || :label || ' ') > 0
             ORDER BY r.id, c.id LIMIT :limit",
            // Runs are disjoint and in id order, so this is the order of ids, and SQLite
            // walks it from the index and the rowids without sorting.
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
            "SELECT coalesce(sum(c.seat_count), 0)
             FROM seat_changes AS r CROSS JOIN seat_changes AS c
               ON c.id BETWEEN r.id AND r.id + r.run_len - 1
             WHERE r.event_id = ?1 AND r.run_len IS NOT NULL
               AND c.event_id = ?1 AND c.to_status = 'held' AND c.at >= ?2",
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

    fn migration(name: &str) -> &'static str {
        MIGRATIONS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, sql)| *sql)
            .expect("the migration exists")
    }

    fn history_of(conn: &Connection, label: &str) -> Vec<(String, String, String)> {
        history_in(conn, "evt_1", label)
    }

    /// One seat's history in one event, oldest first, as (from, to, cause).
    fn history_in(conn: &Connection, event: &str, label: &str) -> Vec<(String, String, String)> {
        let request = PageRequest {
            limit: 50,
            after: None,
        };
        page(conn, event, label, None, &request)
            .expect("reads")
            .into_iter()
            .map(|e| (e.from, e.to, e.cause))
            .collect()
    }

    /// The relay's mark starts unknown (the first pass dedupes by source key) and only
    /// grows: a pass repeated after a crash, with a lower highest entry, cannot move it back
    /// and let entries it covers be recorded again.
    #[test]
    fn the_relay_mark_starts_unknown_and_only_grows() {
        let conn = Connection::open_in_memory().expect("opens");
        for (_, sql) in MIGRATIONS {
            conn.execute_batch(sql).expect("a migration applies");
        }
        assert_eq!(relayed_up_to(&conn).expect("reads"), None);
        set_relayed_up_to(&conn, 12).expect("marks");
        assert_eq!(relayed_up_to(&conn).expect("reads"), Some(12));
        set_relayed_up_to(&conn, 7).expect("marks");
        assert_eq!(relayed_up_to(&conn).expect("reads"), Some(12));
        set_relayed_up_to(&conn, 20).expect("marks");
        assert_eq!(relayed_up_to(&conn).expect("reads"), Some(20));
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
        // The history is read by runs since 0018, which keeps every row.
        conn.execute_batch(migration("0018_seat_change_runs"))
            .expect("0018 applies");

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

    fn relayed<'a>(
        event_id: &'a str,
        seats: &'a [String],
        held: bool,
        key: &'a str,
    ) -> NewSeatChange<'a> {
        let (from, to) = if held {
            (SeatStatus::Available, SeatStatus::Held)
        } else {
            (SeatStatus::Held, SeatStatus::Available)
        };
        NewSeatChange {
            event_id,
            seats,
            at_ms: 1_799_000_000_000,
            from,
            to,
            cause: "hold:hld_1",
            actor: None,
            note: None,
            source_key: Some(key),
        }
    }

    /// A history recorded before migration 0018 (a change per index entry) reads the same
    /// after it, and what is recorded after it joins it in order: a relay pass's changes of
    /// one event as one run, an entry recorded already skipped (a pass repeated after a
    /// crash) even inside a run, and nothing read twice or in another event's history.
    #[test]
    fn the_history_before_runs_reads_the_same_and_runs_follow_it() {
        let mut conn = Connection::open_in_memory().expect("opens");
        let before = MIGRATIONS
            .iter()
            .position(|(name, _)| *name == "0018_seat_change_runs")
            .expect("migration 0018");
        for (_, sql) in &MIGRATIONS[..before] {
            conn.execute_batch(sql).expect("an older migration applies");
        }
        conn.pragma_update(None, "user_version", before as i64)
            .expect("version");
        conn.execute_batch(
            "INSERT INTO events (id, name, category, starts_at, timezone, currency,
                                 general_admission, created_at, updated_at)
               VALUES ('evt_1', 'Show', 'concert', 1799586000000, 'UTC', 'INR', 1, 1, 1),
                      ('evt_2', 'Gig', 'concert', 1799586000000, 'UTC', 'INR', 1, 1, 1);
             INSERT INTO seat_changes (event_id, at, from_status, to_status, cause, actor, note,
                                       seats, seat_count, source_key) VALUES
               ('evt_1', 100, 'available', 'blocked', 'block', 'usr_a', 'broken', ' A-1 ', 1, NULL),
               ('evt_1', 200, 'available', 'held', 'hold:hld_1', NULL, NULL, ' A-2 A-11 ', 2, 'outbox:7'),
               ('evt_2', 250, 'available', 'held', 'hold:hld_2', NULL, NULL, ' A-2 ', 1, 'outbox:8'),
               ('evt_1', 300, 'held', 'available', 'hold:hld_1', NULL, NULL, ' A-2 A-11 ', 2, 'outbox:12');",
        )
        .expect("rows of a 0017 database");
        let applied = crate::store::migrations::apply(&mut conn).expect("0018 applies");
        assert_eq!(applied.first(), Some(&"0018_seat_change_runs"));

        let s = |v: &str| v.to_string();
        let held = (s("available"), s("held"), s("hold:hld_1"));
        let released = (s("held"), s("available"), s("hold:hld_1"));
        let blocked = (s("available"), s("blocked"), s("block"));
        assert_eq!(history_of(&conn, "A-2"), [held.clone(), released.clone()]);
        assert_eq!(history_of(&conn, "A-1"), std::slice::from_ref(&blocked));

        let a2 = [s("A-2")];
        let b1 = [s("B-1")];
        // A pass repeated after a crash: outbox:12 is recorded already, in the middle of
        // evt_1's run, and evt_2's changes come before and between evt_1's.
        let pass = [
            relayed("evt_2", &b1, true, "outbox:20"),
            relayed("evt_1", &a2, true, "outbox:21"),
            relayed("evt_2", &b1, false, "outbox:22"),
            relayed("evt_1", &a2, false, "outbox:12"),
            relayed("evt_1", &a2, false, "outbox:23"),
        ];
        record_all(&conn, &pass).expect("records");
        record_all(&conn, &pass).expect("records nothing twice");
        record(
            &conn,
            &NewSeatChange {
                source_key: None,
                cause: "block",
                from: SeatStatus::Available,
                to: SeatStatus::Blocked,
                ..relayed("evt_1", &a2, true, "")
            },
        )
        .expect("records a block");
        assert_eq!(
            history_of(&conn, "A-2"),
            [held.clone(), released.clone(), held, released, blocked]
        );
        let runs: i64 = conn
            .query_row(
                "SELECT count(*) FROM seat_changes WHERE run_len IS NOT NULL AND id > 4",
                [],
                |r| r.get(0),
            )
            .expect("counts");
        assert_eq!(runs, 3, "one run per event of the pass, one for the block");
        let evt_2: Vec<String> = history_in(&conn, "evt_2", "A-2")
            .into_iter()
            .map(|(_, _, cause)| cause)
            .collect();
        assert_eq!(evt_2, ["hold:hld_2"]);
        assert_eq!(seats_held_since(&conn, "evt_1", 0).expect("counts"), 3);
        assert_eq!(seats_held_since(&conn, "evt_2", 0).expect("counts"), 2);
        let b1_history: Vec<String> = history_in(&conn, "evt_2", "B-1")
            .into_iter()
            .map(|(_, to, _)| to)
            .collect();
        assert_eq!(b1_history, ["held", "available"]);
    }
}
