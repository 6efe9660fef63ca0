-- Dynamic pricing: rules per event category (and per event), the current price of each
-- price category, and the history of every change. Times are Unix milliseconds, UTC.

CREATE TABLE pricing_rules (
    category   TEXT PRIMARY KEY CHECK (category IN ('movie', 'concert', 'flight', 'bus', 'train')),
    rule       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE pricing_overrides (
    event_id   TEXT PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    rule       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE current_prices (
    event_id    TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    category    TEXT NOT NULL,
    price_minor INTEGER NOT NULL CHECK (price_minor >= 0),
    -- The inventory sequence this price was computed at: an older one never overwrites it.
    seq         INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (event_id, category)
) STRICT, WITHOUT ROWID;

CREATE TABLE price_history (
    id         INTEGER PRIMARY KEY,
    event_id   TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    category   TEXT NOT NULL,
    old_minor  INTEGER NOT NULL,
    new_minor  INTEGER NOT NULL,
    occupancy  REAL NOT NULL,
    cause      TEXT NOT NULL,
    at         INTEGER NOT NULL
) STRICT;

CREATE INDEX price_history_by_event ON price_history (event_id, id);
