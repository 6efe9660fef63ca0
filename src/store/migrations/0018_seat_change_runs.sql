-- Seat history by runs: the changes one write records for one event get consecutive ids, and
-- only the run's first row is in the per-event index, with the run's length. An index entry
-- per change dirtied a few pages of each event's section on every relay pass (a leaf that
-- fills in the middle of the tree is spread over its siblings): 61 % of the WAL frames of
-- the holds level. Rows recorded before this are runs of one.
ALTER TABLE seat_changes ADD COLUMN run_len INTEGER CHECK (run_len > 0);
UPDATE seat_changes SET run_len = 1;
DROP INDEX seat_changes_by_event;
CREATE INDEX seat_changes_runs ON seat_changes (event_id, id, run_len) WHERE run_len IS NOT NULL;
