-- Ticket codes out of the unique index. A code is the ticket's signed claims
-- (`RZ1.<payload>.<signature>`, about 200 bytes), and its payload names the ticket id, so
-- two tickets cannot share one: the index enforced nothing the id does not. It cost the most
-- of any index in a flows rush: entries of about 200 bytes in an order unrelated to time, so
-- every ticket written dirtied a leaf of its own, split leaves often, and the checkpoint
-- copied each of them back (8.6 % of the WAL frames of a flows level and 21 % of the
-- distinct pages it dirtied; 256 clients, 10 s of log, lead 2026-12-07). A code typed into
-- the console's search is now found by the ticket id in its payload and compared whole
-- (`booking::repo::ticket_by_code`). SQLite cannot drop a UNIQUE in place, so the table is
-- rebuilt (the runner turns foreign keys off for this and checks them before the migration
-- commits); rows keep their ids, so ticket legs and door scans still point at them.
CREATE TABLE tickets_new (
    id            TEXT PRIMARY KEY,
    booking_id    TEXT NOT NULL REFERENCES bookings (id),
    event_id      TEXT NOT NULL REFERENCES events (id),
    seat_label    TEXT,
    category      TEXT NOT NULL,
    from_leg      INTEGER NOT NULL,
    to_leg        INTEGER NOT NULL,
    code          TEXT NOT NULL,
    void          INTEGER NOT NULL DEFAULT 0 CHECK (void IN (0, 1)),
    checked_in_at INTEGER,
    checked_in_by TEXT REFERENCES users (id),
    created_at    INTEGER NOT NULL
) STRICT;

INSERT INTO tickets_new (id, booking_id, event_id, seat_label, category, from_leg, to_leg,
                         code, void, checked_in_at, checked_in_by, created_at)
SELECT id, booking_id, event_id, seat_label, category, from_leg, to_leg, code, void,
       checked_in_at, checked_in_by, created_at
  FROM tickets;

DROP TABLE tickets;
ALTER TABLE tickets_new RENAME TO tickets;

CREATE INDEX tickets_by_booking ON tickets (booking_id);
CREATE INDEX tickets_by_event ON tickets (event_id, void);
