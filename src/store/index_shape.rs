//! Tests of the bookings table's indexes (migration 0020), here with the store's other SQL:
//! a payment changes a booking's status in a commit of its own, so an index keyed on the
//! status is written twice per paid booking, in two commits; the queries by event and by
//! expiry still find their index. And of the tickets table's (migration 0022): no index of
//! ticket codes.

use rusqlite::Connection;

fn migrated() -> Connection {
    let mut conn = Connection::open_in_memory().expect("opens");
    crate::store::migrations::apply(&mut conn).expect("migrates");
    conn
}

fn strings(conn: &Connection, sql: &str, param: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).expect("prepares");
    stmt.query_map([param], |r| r.get::<_, String>(0))
        .expect("queries")
        .collect::<Result<Vec<_>, _>>()
        .expect("rows")
}

#[test]
fn no_index_of_bookings_is_keyed_on_the_status() {
    let conn = migrated();
    let indexes = strings(
        &conn,
        "SELECT name FROM pragma_index_list(?1) WHERE origin = 'c'",
        "bookings",
    );
    assert!(
        indexes.contains(&"bookings_by_event".to_string()),
        "{indexes:?}"
    );
    for index in indexes {
        let columns = strings(&conn, "SELECT name FROM pragma_index_info(?1)", &index);
        assert!(
            !columns.iter().any(|c| c == "status"),
            "{index} is keyed on {columns:?}: a payment moves its entry"
        );
    }
}

#[test]
fn the_queries_by_event_and_by_expiry_use_an_index() {
    let conn = migrated();
    let plans = [
        (
            "SELECT id FROM bookings WHERE event_id = ?1 AND status IN (SELECT value FROM json_each('[\"confirmed\"]')) ORDER BY id",
            "bookings_by_event",
        ),
        (
            "SELECT count(*) FROM bookings WHERE event_id = ?1 AND status IN ('cancelled', 'refunded') AND status_reason = 'x'",
            "bookings_by_event",
        ),
        (
            "SELECT id FROM bookings WHERE status = 'pending_payment' AND expires_at <= ?1 ORDER BY expires_at LIMIT 10",
            "bookings_pending",
        ),
    ];
    for (sql, index) in plans {
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .expect("prepares");
        let plan = stmt
            .query_map(["evt_1"], |r| r.get::<_, String>(3))
            .expect("plans")
            .collect::<Result<Vec<_>, _>>()
            .expect("rows")
            .join("; ");
        assert!(plan.contains(&format!("INDEX {index}")), "{sql}: {plan}");
    }
}

#[test]
fn no_index_of_tickets_holds_their_codes() {
    let conn = migrated();
    let indexes = strings(&conn, "SELECT name FROM pragma_index_list(?1)", "tickets");
    assert!(
        indexes.contains(&"tickets_by_event".to_string()),
        "{indexes:?}"
    );
    for index in indexes {
        let columns = strings(&conn, "SELECT name FROM pragma_index_info(?1)", &index);
        assert!(
            !columns.iter().any(|c| c == "code"),
            "{index} is keyed on {columns:?}: every ticket would dirty a leaf of its own"
        );
    }
}
