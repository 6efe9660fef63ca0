-- The staff console's booking and door pages.
--
-- Door scans: every ticket code scanned at a door, admitted or not, so a steward sees their
-- last scans (and the result of the scan just made) and an operator can tell what happened
-- at a door. The code itself is not kept: it is the ticket. Times are Unix milliseconds.
CREATE TABLE door_scans (
    id            INTEGER PRIMARY KEY,
    steward_id    TEXT NOT NULL REFERENCES users (id),
    -- The event of the door the scan was made at; NULL when the scanner named none. Not a
    -- foreign key: an API scanner may name any id, and the log outlives a deleted event.
    door_event_id TEXT,
    at            INTEGER NOT NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('admitted', 'already_used', 'refused')),
    -- `admitted`, or the stable code of the refusal: already_checked_in, ticket_invalid,
    -- ticket_void, wrong_event.
    code          TEXT NOT NULL,
    ticket_id     TEXT,
    booking_id    TEXT,
    seat_label    TEXT,
    category      TEXT,
    -- The name on the ticket holder's account, when there is one.
    holder_name   TEXT,
    -- For a ticket used before: when, and who let it in.
    first_used_at INTEGER,
    first_used_by TEXT,
    -- Why, in a sentence a steward reads at a glance.
    detail        TEXT NOT NULL
) STRICT;

CREATE INDEX door_scans_by_steward ON door_scans (steward_id, door_event_id, id);

-- The emails a booking caused (`booking:<id>` and `booking:<id>:<tag>`), for its page in the
-- console: a range over this index rather than a scan of the whole log.
CREATE INDEX notifications_by_cause ON notifications (cause, id);
