-- A booking's status out of the indexes a payment would move it in. With the status in
-- `bookings_by_event (event_id, status)`, confirming a booking took its entry out of the
-- event's pending entries and put it among the confirmed ones, and `bookings_pending
-- (status, expires_at)` kept every confirmed booking, at the end of a section nobody reads
-- past start-up. In a flows rush each SQLite commit carries books and confirmations of
-- different events, so a confirmation dirtied a leaf of `bookings_by_event` that the
-- booking's own insert had already written in an earlier commit: the index was 11 % of the
-- WAL frames of the flows level (256 clients, strace over 3 s).
--
-- Now the per-event index is the event alone: a booking gets its entry once, when it is
-- made, and a change of status leaves it. The queries by event and status (an event's
-- cancellation, its live bookings) read the event's entries and check each row's status:
-- an event has at most a few thousand bookings, and these run once per cancellation or
-- page view. The expiry sweep's index holds pending bookings only: an entry when a booking
-- is made, gone when it is paid, failed or expired.
DROP INDEX bookings_by_event;
CREATE INDEX bookings_by_event ON bookings (event_id);
DROP INDEX bookings_pending;
CREATE INDEX bookings_pending ON bookings (expires_at) WHERE status = 'pending_payment';
