-- A walk-in sold at the box office may give no email: `customer_email` is NULL for such a
-- booking, and no confirmation email is sent. Before, the booking took the clerk's own
-- address, so the clerk received every walk-in's "Your tickets" email. SQLite cannot drop a
-- NOT NULL in place, so the table is rebuilt (the runner turns foreign keys off for this and
-- checks them before the migration commits). Rows keep their ids, so payments, tickets and
-- refunds still point at them; earlier walk-ins keep the address they were sold to.
CREATE TABLE bookings_new (
    id             TEXT PRIMARY KEY,
    event_id       TEXT NOT NULL REFERENCES events (id),
    -- One booking per hold, ever.
    hold_id        TEXT NOT NULL UNIQUE,
    owner_id       TEXT NOT NULL REFERENCES users (id),
    -- Where the tickets go; NULL for a walk-in who gave no email.
    customer_email TEXT,
    booked_by      TEXT NOT NULL REFERENCES users (id),
    status         TEXT NOT NULL CHECK (status IN ('pending_payment', 'confirmed', 'expired', 'failed', 'cancelled', 'refunded')),
    status_reason  TEXT,
    currency       TEXT NOT NULL CHECK (length(currency) = 3),
    total_minor    INTEGER NOT NULL CHECK (total_minor >= 0),
    from_leg       INTEGER NOT NULL CHECK (from_leg >= 0),
    to_leg         INTEGER NOT NULL CHECK (to_leg > from_leg),
    expires_at     INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;

INSERT INTO bookings_new (id, event_id, hold_id, owner_id, customer_email, booked_by, status,
                          status_reason, currency, total_minor, from_leg, to_leg, expires_at,
                          created_at, updated_at)
SELECT id, event_id, hold_id, owner_id, customer_email, booked_by, status, status_reason,
       currency, total_minor, from_leg, to_leg, expires_at, created_at, updated_at
  FROM bookings;

DROP TABLE bookings;
ALTER TABLE bookings_new RENAME TO bookings;

CREATE INDEX bookings_pending ON bookings (status, expires_at);
CREATE INDEX bookings_by_owner ON bookings (owner_id, id);
CREATE INDEX bookings_by_event ON bookings (event_id, status);
