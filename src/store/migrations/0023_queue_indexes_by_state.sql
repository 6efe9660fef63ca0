-- The job queue's and the email log's indexes hold only the rows each query reads, so a change
-- of status moves no entry that nobody reads. `jobs_ready (status, run_at)` had an entry for
-- every job in every state: a job's claim moved its entry from the queued section to the
-- running one, and its end to the done one, which only the hourly prune reads, while the
-- claims read queued jobs only. Now each state's readers have an index of that state alone:
-- an entry when a job enters the state, gone when it leaves.
--   claims, due first:          jobs_due (run_at) of queued jobs
--   a queued job to refresh:    jobs_queued_by_kind (kind, dedupe_key) of queued jobs, so the
--                               look-up reads one event's key range, not every queued job of
--                               the kind (it walked every queued seats-changed job)
--   the lease sweep, start-up:  jobs_leases (locked_until) of running jobs
--   the dead-job count:         jobs_dead (kind) of dead jobs
-- The depth gauge counts each live state through its own index. Done jobs have none: the
-- hourly prune walks the oldest jobs by id and stops at the first created after its cutoff.
DROP INDEX jobs_ready;
DROP INDEX jobs_queued_by_kind;
CREATE INDEX jobs_due ON jobs (run_at) WHERE status = 'queued';
CREATE INDEX jobs_queued_by_kind ON jobs (kind, dedupe_key) WHERE status = 'queued';
CREATE INDEX jobs_leases ON jobs (locked_until) WHERE status = 'running';
CREATE INDEX jobs_dead ON jobs (kind) WHERE status = 'dead';

-- Emails: `notifications_by_status (status, id)` moved each email's entry when it was sent,
-- and was read for the undelivered count and the prune of sent emails only (the log's page
-- reads newest first by id). `notifications_by_recipient (recipient, id)` was read by
-- nothing: the log's filter compares recipients without case, which its entries cannot
-- answer, and each email's entry landed on its customer's own leaf (5 % of the log frames
-- of a flows level).
DROP INDEX notifications_by_status;
DROP INDEX notifications_by_recipient;
CREATE INDEX notifications_undelivered ON notifications (status) WHERE status IN ('failed', 'dead');
CREATE INDEX notifications_sent ON notifications (sent_at) WHERE status = 'sent';

-- An email's data (about 1.1 KiB of JSON: more than a 1 KiB page holds, so a page of its own
-- beside its row's) is stored apart from its row, once. SQLite rewrites a whole row when any
-- column changes, so marking an email sent wrote its data again, on a new overflow page,
-- and the checkpoint copied it again (the log table's rows were 13 % of a flows level's log
-- frames). Rows logged before keep their data in `notifications.data`.
CREATE TABLE notification_bodies (
    id   TEXT PRIMARY KEY REFERENCES notifications (id),
    data TEXT NOT NULL
) STRICT, WITHOUT ROWID;
