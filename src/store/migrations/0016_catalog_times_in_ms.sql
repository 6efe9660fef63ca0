-- One time unit in the store: the catalog's times were Unix seconds while every other table
-- keeps Unix milliseconds. Events, their stops, venues and the seat history change to
-- milliseconds here (an event's schedule stays on whole seconds: ×1000 is exact).
UPDATE events SET starts_at = starts_at * 1000,
                  ends_at = ends_at * 1000,
                  created_at = created_at * 1000,
                  updated_at = updated_at * 1000;
UPDATE event_stops SET arrives_at = arrives_at * 1000, departs_at = departs_at * 1000;
UPDATE venues SET created_at = created_at * 1000, updated_at = updated_at * 1000;
UPDATE seat_changes SET at = at * 1000;
-- The one job message that carries a catalog time: an event's start, in an event-cancelled
-- job (queued or kept), in the same unit as the table it was copied from.
UPDATE jobs SET payload = json_set(payload, '$.starts_at', json_extract(payload, '$.starts_at') * 1000)
 WHERE kind = 'event-cancelled' AND json_type(payload, '$.starts_at') = 'integer';
