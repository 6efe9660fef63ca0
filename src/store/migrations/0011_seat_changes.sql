-- Seat history, one row per change instead of one per seat: a hold of four seats is one row
-- that lists them. Under a sales rush the row (and the two index entries) per seat was most
-- of what the writer did for the history. A seat's history is the event's changes whose
-- list holds its label; labels are printable and have no spaces, so the list is the labels
-- between single spaces, with one before the first and one after the last (' A-1 A-2 ').
CREATE TABLE seat_changes (
    id          INTEGER PRIMARY KEY,
    event_id    TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    -- What did it: 'block', 'unblock', 'hold:<id>', 'booking:<id>'.
    cause       TEXT NOT NULL,
    actor       TEXT,
    note        TEXT,
    seats       TEXT NOT NULL CHECK (seats LIKE ' % '),
    seat_count  INTEGER NOT NULL CHECK (seat_count > 0),
    -- The hold store's outbox entry a relayed change came from ('outbox:<seq>'), so a relay
    -- that runs twice after a crash records nothing twice.
    source_key  TEXT
) STRICT;

CREATE INDEX seat_changes_by_event ON seat_changes (event_id, id);
CREATE UNIQUE INDEX seat_changes_source ON seat_changes (source_key) WHERE source_key IS NOT NULL;

-- The rows of one relayed outbox entry ('outbox:<seq>:<label>') become that entry's change;
-- every other row (a block, a refund) becomes a change of its one seat. In history order.
INSERT INTO seat_changes (event_id, at, from_status, to_status, cause, actor, note, seats, seat_count, source_key)
SELECT event_id, min(at), from_status, to_status, cause, actor, note,
       ' ' || group_concat(label, ' ') || ' ', count(*),
       CASE WHEN source_key IS NULL THEN NULL
            ELSE substr(source_key, 1, 6 + instr(substr(source_key, 8), ':')) END
FROM seat_history
GROUP BY CASE WHEN source_key IS NULL THEN 'row:' || id
              ELSE substr(source_key, 1, 6 + instr(substr(source_key, 8), ':')) END
ORDER BY min(id);

DROP TABLE seat_history;
