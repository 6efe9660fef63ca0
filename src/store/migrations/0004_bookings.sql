-- The booking saga: bookings from holds, their price snapshot, payments, refunds, tickets,
-- check-ins and idempotency keys. Times are Unix milliseconds, UTC.

CREATE TABLE bookings (
    id             TEXT PRIMARY KEY,
    event_id       TEXT NOT NULL REFERENCES events (id),
    -- One booking per hold, ever.
    hold_id        TEXT NOT NULL UNIQUE,
    owner_id       TEXT NOT NULL REFERENCES users (id),
    customer_email TEXT NOT NULL,
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

CREATE INDEX bookings_pending ON bookings (status, expires_at);
CREATE INDEX bookings_by_owner ON bookings (owner_id, id);
CREATE INDEX bookings_by_event ON bookings (event_id, status);

-- The price snapshot: what the hold quoted, line by line.
CREATE TABLE booking_items (
    booking_id TEXT NOT NULL REFERENCES bookings (id),
    position   INTEGER NOT NULL,
    seat_label TEXT,
    category   TEXT NOT NULL,
    quantity   INTEGER NOT NULL CHECK (quantity > 0),
    unit_minor INTEGER NOT NULL CHECK (unit_minor >= 0),
    PRIMARY KEY (booking_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE payments (
    id              TEXT PRIMARY KEY,
    booking_id      TEXT NOT NULL REFERENCES bookings (id),
    method          TEXT NOT NULL CHECK (method IN ('test', 'cash', 'webhook')),
    status          TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'declined', 'failed')),
    amount_minor    INTEGER NOT NULL CHECK (amount_minor >= 0),
    currency        TEXT NOT NULL,
    -- What the card simulator or gateway calls it; never card numbers.
    provider_ref    TEXT,
    card_last4      TEXT,
    failure_reason  TEXT,
    paid_by         TEXT NOT NULL REFERENCES users (id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;

-- At most one successful payment per booking: a second can never go through.
CREATE UNIQUE INDEX payments_one_success ON payments (booking_id) WHERE status = 'succeeded';
CREATE INDEX payments_by_booking ON payments (booking_id, created_at);

CREATE TABLE refunds (
    id           TEXT PRIMARY KEY,
    payment_id   TEXT NOT NULL UNIQUE REFERENCES payments (id),
    booking_id   TEXT NOT NULL REFERENCES bookings (id),
    amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
    currency     TEXT NOT NULL,
    reason       TEXT NOT NULL,
    created_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE tickets (
    id            TEXT PRIMARY KEY,
    booking_id    TEXT NOT NULL REFERENCES bookings (id),
    event_id      TEXT NOT NULL REFERENCES events (id),
    seat_label    TEXT,
    category      TEXT NOT NULL,
    from_leg      INTEGER NOT NULL,
    to_leg        INTEGER NOT NULL,
    code          TEXT NOT NULL UNIQUE,
    void          INTEGER NOT NULL DEFAULT 0 CHECK (void IN (0, 1)),
    checked_in_at INTEGER,
    checked_in_by TEXT REFERENCES users (id),
    created_at    INTEGER NOT NULL
) STRICT;

CREATE INDEX tickets_by_booking ON tickets (booking_id);
CREATE INDEX tickets_by_event ON tickets (event_id, void);

-- One row per seat and leg a ticket covers. The partial unique index is the last word on
-- "a seat is never sold twice": no two live tickets on one seat-leg, whatever the code did.
CREATE TABLE ticket_legs (
    ticket_id  TEXT NOT NULL REFERENCES tickets (id),
    event_id   TEXT NOT NULL,
    seat_label TEXT NOT NULL,
    leg        INTEGER NOT NULL,
    live       INTEGER NOT NULL DEFAULT 1 CHECK (live IN (0, 1)),
    PRIMARY KEY (ticket_id, leg)
) STRICT, WITHOUT ROWID;

CREATE UNIQUE INDEX ticket_legs_one_live ON ticket_legs (event_id, seat_label, leg) WHERE live = 1;

-- Idempotency-Key replays: the first response to (caller, key), and what the request was.
CREATE TABLE idempotency_keys (
    owner_id     TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    -- NULL while the first request is still being processed.
    status_code  INTEGER,
    response     TEXT,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (owner_id, key)
) STRICT, WITHOUT ROWID;

-- Webhook callbacks already applied (the same callback twice changes nothing).
CREATE TABLE webhook_events (
    provider   TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    payment_id TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (provider, event_id)
) STRICT, WITHOUT ROWID;
