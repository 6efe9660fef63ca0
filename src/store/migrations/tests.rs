//! Tests of the migration runner and of migrations that move data.

use super::*;

/// A clerk, an event and a confirmed booking, in columns schema versions 12 to 21 all have.
const A_BOOKING: &str = "
    INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at)
      VALUES ('usr_1', 'clerk@example.test', 'Clerk', 'staff', 'x', 0, 0);
    INSERT INTO events (id, name, category, starts_at, timezone, currency, general_admission,
                        created_at, updated_at)
      VALUES ('evt_1', 'Show', 'concert', 100, 'UTC', 'INR', 0, 0, 0);
    INSERT INTO bookings (id, event_id, hold_id, owner_id, customer_email, booked_by, status,
                          currency, total_minor, from_leg, to_leg, expires_at, created_at,
                          updated_at)
      VALUES ('bkg_1', 'evt_1', 'hld_1', 'usr_1', 'guest@example.test', 'usr_1', 'confirmed',
              'INR', 500, 0, 1, 0, 0, 0);";

#[test]
fn a_migration_that_leaves_a_reference_broken_is_rolled_back() {
    let mut conn = Connection::open_in_memory().expect("memory db");
    let steps: &[(&'static str, &str)] = &[
        (
            "parent_and_child",
            "CREATE TABLE parent (id TEXT PRIMARY KEY) STRICT;
             CREATE TABLE child (parent_id TEXT NOT NULL REFERENCES parent (id)) STRICT;
             INSERT INTO parent VALUES ('p1'); INSERT INTO child VALUES ('p1');",
        ),
        // A rebuild that forgets to copy the rows back.
        (
            "lossy_rebuild",
            "CREATE TABLE parent_new (id TEXT PRIMARY KEY) STRICT;
             DROP TABLE parent; ALTER TABLE parent_new RENAME TO parent;",
        ),
    ];
    let err = apply_these(&mut conn, steps).expect_err("the lossy rebuild is refused");
    assert!(
        err.to_string().contains("lossy_rebuild") && err.to_string().contains("child"),
        "{err}"
    );
    assert_eq!(current_version(&conn).expect("version"), 1);
    let parents: i64 = conn
        .query_row("SELECT count(*) FROM parent", [], |r| r.get(0))
        .expect("parent kept");
    assert_eq!(parents, 1);
}

#[test]
fn the_walk_in_rebuild_keeps_every_booking_and_what_points_at_it() {
    let mut conn = Connection::open_in_memory().expect("memory db");
    conn.pragma_update(None, "foreign_keys", "ON")
        .expect("keys on");
    apply_these(&mut conn, &MIGRATIONS[..12]).expect("up to 0012");
    conn.execute_batch(A_BOOKING)
        .expect("a clerk, an event and a booking");
    conn.execute_batch(
        "INSERT INTO payments (id, booking_id, method, status, amount_minor, currency,
                               paid_by, created_at, updated_at)
           VALUES ('pay_1', 'bkg_1', 'cash', 'succeeded', 500, 'INR', 'usr_1', 0, 0);
         INSERT INTO tickets (id, booking_id, event_id, category, from_leg, to_leg, code,
                              created_at)
           VALUES ('tkt_1', 'bkg_1', 'evt_1', 'standard', 0, 1, 'code-1', 0);",
    )
    .expect("rows of a 0012 database");

    // 0013 alone: later migrations are not this test's subject.
    assert_eq!(
        apply_these(&mut conn, &MIGRATIONS[..13]).expect("0013"),
        ["0013_walk_in_bookings"]
    );

    let email: Option<String> = conn
        .query_row(
            "SELECT customer_email FROM bookings WHERE id = 'bkg_1'",
            [],
            |r| r.get(0),
        )
        .expect("booking kept");
    assert_eq!(email.as_deref(), Some("guest@example.test"));
    let on: bool = conn
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .expect("pragma");
    assert!(on, "foreign keys are on again after the migrations");
    // References still hold, and are still enforced; a walk-in needs no email now.
    conn.execute(
        "INSERT INTO payments (id, booking_id, method, status, amount_minor, currency,
                               paid_by, created_at, updated_at)
           VALUES ('pay_2', 'bkg_gone', 'cash', 'failed', 1, 'INR', 'usr_1', 0, 0)",
        [],
    )
    .expect_err("a payment of no booking is refused");
    conn.execute(
        "INSERT INTO bookings (id, event_id, hold_id, owner_id, booked_by, status, currency,
                               total_minor, from_leg, to_leg, expires_at, created_at,
                               updated_at)
           VALUES ('bkg_2', 'evt_1', 'hld_2', 'usr_1', 'usr_1', 'confirmed', 'INR', 500, 0,
                   1, 0, 0, 0)",
        [],
    )
    .expect("a walk-in without an email");
    let indexes: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'bookings'
               AND name LIKE 'bookings_%'",
            [],
            |r| r.get(0),
        )
        .expect("indexes");
    assert_eq!(indexes, 3);
}
#[test]
fn the_catalog_times_move_from_seconds_to_milliseconds() {
    let mut conn = Connection::open_in_memory().expect("memory db");
    apply_these(&mut conn, &MIGRATIONS[..15]).expect("up to 0015");
    conn.execute_batch(
        "INSERT INTO venues (id, name, timezone, capacity, created_at, updated_at)
           VALUES ('ven_1', 'Hall', 'UTC', '{\"standard\": 10}', 1799000000, 1799000001);
         INSERT INTO events (id, name, category, starts_at, ends_at, timezone, currency,
                             general_admission, created_at, updated_at)
           VALUES ('evt_1', 'Show', 'concert', 1799586000, 1799593200, 'UTC', 'INR', 1,
                   1799000002, 1799000003),
                  ('evt_2', 'Bus', 'bus', 1799600000, NULL, 'UTC', 'INR', 1, 5, 6);
         INSERT INTO event_stops (event_id, idx, name, arrives_at, departs_at)
           VALUES ('evt_2', 0, 'Delhi', NULL, 1799600000),
                  ('evt_2', 1, 'Agra', 1799610000, 1799610600),
                  ('evt_2', 2, 'Jaipur', 1799620000, NULL);
         INSERT INTO seat_changes (event_id, at, from_status, to_status, cause, seats,
                                   seat_count)
           VALUES ('evt_1', 1799000100, 'available', 'blocked', 'block', ' A-1 ', 1);
         INSERT INTO jobs (kind, payload, cause, run_at, max_attempts, created_at, updated_at)
           VALUES ('event-cancelled',
                   '{\"event_id\":\"evt_1\",\"name\":\"Show\",\"starts_at\":1799586000,\"holders\":[]}',
                   'event:evt_1', 1799000000123, 5, 1799000000123, 1799000000123),
                  ('seats-changed', '{\"event_id\":\"evt_1\",\"starts_at\":7}', 'event:evt_1',
                   1799000000123, 5, 1799000000123, 1799000000123);",
    )
    .expect("rows of a 0015 database");

    assert_eq!(
        apply_these(&mut conn, &MIGRATIONS[..16]).expect("0016"),
        ["0016_catalog_times_in_ms"]
    );

    let ints = |sql: &str| -> Vec<Option<i64>> {
        let mut stmt = conn.prepare(sql).expect("query");
        let n = stmt.column_count();
        stmt.query_row([], |r| (0..n).map(|i| r.get(i)).collect())
            .expect("row")
    };
    assert_eq!(
        ints("SELECT created_at, updated_at FROM venues"),
        [Some(1_799_000_000_000), Some(1_799_000_001_000)]
    );
    assert_eq!(
        ints("SELECT starts_at, ends_at, created_at, updated_at FROM events WHERE id = 'evt_1'"),
        [
            Some(1_799_586_000_000),
            Some(1_799_593_200_000),
            Some(1_799_000_002_000),
            Some(1_799_000_003_000)
        ]
    );
    assert_eq!(
        ints("SELECT starts_at, ends_at FROM events WHERE id = 'evt_2'"),
        [Some(1_799_600_000_000), None]
    );
    assert_eq!(
        ints(
            "SELECT group_concat(coalesce(arrives_at, 0) || ':' || coalesce(departs_at, 0), ' ')
                    IS '0:1799600000000 1799610000000:1799610600000 1799620000000:0'
               FROM (SELECT * FROM event_stops ORDER BY idx)"
        ),
        [Some(1)],
        "every stop's times, an origin's missing arrival and a destination's missing departure kept"
    );
    assert_eq!(
        ints("SELECT at FROM seat_changes"),
        [Some(1_799_000_100_000)]
    );
    assert_eq!(
        ints(
            "SELECT json_extract(payload, '$.starts_at'), run_at FROM jobs
              WHERE kind = 'event-cancelled'"
        ),
        [Some(1_799_586_000_000), Some(1_799_000_000_123)],
        "the message's start follows its event's; the queue's own times were ms already"
    );
    assert_eq!(
        ints("SELECT json_extract(payload, '$.starts_at') FROM jobs WHERE kind = 'seats-changed'"),
        [Some(7)],
        "no other kind of message is touched"
    );
}
#[test]
fn the_account_times_move_from_seconds_to_milliseconds() {
    let mut conn = Connection::open_in_memory().expect("memory db");
    apply_these(&mut conn, &MIGRATIONS[..16]).expect("up to 0016");
    conn.execute_batch(
        "INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at)
           VALUES ('usr_1', 'clerk@example.test', 'Clerk', 'staff', 'x', 1799000000,
                   1799000500);
         INSERT INTO console_sessions (id_hash, user_id, csrf_token, token_version,
                                       created_at, last_seen_at, expires_at)
           VALUES ('h1', 'usr_1', 'c', 0, 1799000600, 1799000660, 1799029400);",
    )
    .expect("rows of a 0016 database");

    assert_eq!(
        apply_these(&mut conn, &MIGRATIONS[..17]).expect("0017"),
        ["0017_account_times_in_ms"]
    );

    let user: (i64, i64) = conn
        .query_row("SELECT created_at, updated_at FROM users", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("user kept");
    assert_eq!(user, (1_799_000_000_000, 1_799_000_500_000));
    let session: (i64, i64, i64) = conn
        .query_row(
            "SELECT created_at, last_seen_at, expires_at FROM console_sessions",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("session kept");
    assert_eq!(
        session,
        (1_799_000_600_000, 1_799_000_660_000, 1_799_029_400_000)
    );
}

#[test]
fn tickets_lose_the_index_of_their_codes_and_keep_their_rows() {
    let mut conn = Connection::open_in_memory().expect("memory db");
    apply_these(&mut conn, &MIGRATIONS[..20]).expect("up to 0021");
    conn.execute_batch(A_BOOKING)
        .expect("a clerk, an event and a booking");
    conn.execute_batch(
        "INSERT INTO tickets (id, booking_id, event_id, seat_label, category, from_leg,
                              to_leg, code, checked_in_at, checked_in_by, created_at)
           VALUES ('tkt_1', 'bkg_1', 'evt_1', 'A-1', 'standard', 0, 1, 'RZ1.x.y', 7,
                   'usr_1', 5);
         INSERT INTO ticket_legs (ticket_id, event_id, seat_label, leg)
           VALUES ('tkt_1', 'evt_1', 'A-1', 0);",
    )
    .expect("rows of a 0021 database");

    assert_eq!(
        apply_these(&mut conn, &MIGRATIONS[..21]).expect("0022"),
        ["0022_ticket_codes_without_an_index"]
    );

    let ticket: (String, String, i64, String, i64) = conn
        .query_row(
            "SELECT seat_label, code, checked_in_at, checked_in_by, created_at
               FROM tickets WHERE id = 'tkt_1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .expect("ticket kept");
    assert_eq!(
        ticket,
        ("A-1".into(), "RZ1.x.y".into(), 7, "usr_1".into(), 5)
    );
    // The legs still point at it, and a leg of no ticket is still refused.
    conn.execute(
        "INSERT INTO ticket_legs (ticket_id, event_id, seat_label, leg)
           VALUES ('tkt_gone', 'evt_1', 'A-2', 0)",
        [],
    )
    .expect_err("a leg of no ticket is refused");
    let mut indexes: Vec<String> = conn
        .prepare("SELECT name FROM pragma_index_list('tickets') ORDER BY name")
        .expect("prepares")
        .query_map([], |r| r.get(0))
        .expect("indexes")
        .collect::<Result<_, _>>()
        .expect("names");
    indexes.sort();
    assert_eq!(
        indexes,
        [
            "sqlite_autoindex_tickets_1",
            "tickets_by_booking",
            "tickets_by_event"
        ]
    );
}

#[test]
fn jobs_keep_their_payloads_and_causes_beside_their_rows() {
    let mut conn = Connection::open_in_memory().expect("memory db");
    apply_these(&mut conn, &MIGRATIONS[..22]).expect("up to 0023");
    conn.execute_batch(
        "INSERT INTO jobs (id, kind, payload, dedupe_key, cause, status, run_at, attempts,
                           max_attempts, last_error, created_at, updated_at)
           VALUES (7, 'send-email', '{\"n\":1}', 'send-email:ntf_1', 'booking:bkg_1', 'dead',
                   5, 8, 8, 'refused', 1, 9);",
    )
    .expect("a job of a 0023 database");

    assert_eq!(
        apply_these(&mut conn, &MIGRATIONS[..23]).expect("0024"),
        ["0024_job_payloads_written_once"]
    );

    let job: (String, String, String, String, i64, String) = conn
        .query_row(
            "SELECT jobs.kind, payload, cause, status, attempts, last_error
               FROM jobs JOIN job_payloads USING (id) WHERE id = 7",
            [],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .expect("job kept");
    assert_eq!(
        job,
        (
            "send-email".into(),
            r#"{"n":1}"#.into(),
            "booking:bkg_1".into(),
            "dead".into(),
            8,
            "refused".into()
        )
    );
    // Its dedupe key still admits no second job.
    conn.execute(
        "INSERT INTO jobs (kind, dedupe_key, run_at, max_attempts, created_at, updated_at)
           VALUES ('send-email', 'send-email:ntf_1', 0, 8, 0, 0)",
        [],
    )
    .expect_err("the key is taken");
}
