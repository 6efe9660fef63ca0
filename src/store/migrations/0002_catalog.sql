-- The catalog: venues with reusable seat maps, events, their stops, price categories, seats.
-- Times are Unix seconds, UTC. Money is integer minor units; an event has one currency.

CREATE TABLE venues (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL CHECK (length(name) > 0),
    city       TEXT,
    address    TEXT,
    timezone   TEXT NOT NULL,
    -- The seat map as the admin sent it (validated JSON), copied into each event made here.
    seat_map   TEXT,
    -- General admission capacity per category (JSON object), for venues without seats.
    capacity   TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK ((seat_map IS NULL) <> (capacity IS NULL))
) STRICT;

CREATE TABLE events (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL CHECK (length(name) > 0),
    description       TEXT NOT NULL DEFAULT '',
    category          TEXT NOT NULL CHECK (category IN ('movie', 'concert', 'flight', 'bus', 'train')),
    status            TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    venue_id          TEXT REFERENCES venues (id),
    venue_name        TEXT,
    -- Venue events: the show's start and end. Travel events: departure from the origin and
    -- arrival at the destination (the stops table has every stop's times).
    starts_at         INTEGER NOT NULL,
    ends_at           INTEGER,
    timezone          TEXT NOT NULL,
    currency          TEXT NOT NULL CHECK (length(currency) = 3),
    general_admission INTEGER NOT NULL CHECK (general_admission IN (0, 1)),
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    CHECK (ends_at IS NULL OR ends_at > starts_at)
) STRICT;

CREATE INDEX events_by_start ON events (starts_at, id);
CREATE INDEX events_by_category ON events (category, starts_at, id);

-- Travel events: every stop from origin (idx 0) to destination (last idx). Leg i runs from
-- stop i to stop i + 1; a seat is sold per leg. Venue events have no rows here: one leg.
CREATE TABLE event_stops (
    event_id   TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    idx        INTEGER NOT NULL CHECK (idx >= 0),
    name       TEXT NOT NULL CHECK (length(name) > 0),
    arrives_at INTEGER,
    departs_at INTEGER,
    PRIMARY KEY (event_id, idx)
) STRICT, WITHOUT ROWID;

CREATE INDEX event_stops_by_name ON event_stops (name COLLATE NOCASE, event_id);

CREATE TABLE price_categories (
    event_id   TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    category   TEXT NOT NULL,
    position   INTEGER NOT NULL,
    base_minor INTEGER NOT NULL CHECK (base_minor >= 0),
    -- General admission only: how many may be sold in this category.
    capacity   INTEGER CHECK (capacity IS NULL OR capacity >= 0),
    PRIMARY KEY (event_id, category)
) STRICT, WITHOUT ROWID;

CREATE TABLE seats (
    event_id       TEXT NOT NULL,
    -- The seat's place in the event's seat order: the key of the in-memory seat index.
    seat_no        INTEGER NOT NULL CHECK (seat_no >= 0),
    label          TEXT NOT NULL,
    section        TEXT NOT NULL,
    row_name       TEXT NOT NULL,
    number         INTEGER NOT NULL CHECK (number > 0),
    category       TEXT NOT NULL,
    -- Comma-separated seat flags, e.g. 'aisle,wheelchair_space'.
    flags          TEXT NOT NULL DEFAULT '',
    blocked_reason TEXT,
    PRIMARY KEY (event_id, seat_no),
    UNIQUE (event_id, label),
    FOREIGN KEY (event_id, category) REFERENCES price_categories (event_id, category) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE INDEX seats_by_category ON seats (event_id, category);

-- Every status change of a seat: when, from, to, and what caused it.
CREATE TABLE seat_history (
    id          INTEGER PRIMARY KEY,
    event_id    TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    label       TEXT NOT NULL,
    at          INTEGER NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    -- What did it: 'block', 'unblock', later 'hold:<id>', 'booking:<id>'.
    cause       TEXT NOT NULL,
    actor       TEXT,
    note        TEXT
) STRICT;

CREATE INDEX seat_history_by_seat ON seat_history (event_id, label, id);
