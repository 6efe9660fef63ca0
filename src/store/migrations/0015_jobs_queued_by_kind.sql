-- While a seats-changed job of an event is still queued, a newer batch refreshes it instead
-- of queueing another (`jobs::repo::refresh_queued`): a look-up by kind among the queued
-- jobs, run by the writer for every batch. 0014 dropped `jobs_by_kind (kind, status)`, and
-- the look-up fell back to `jobs_ready (status, run_at)`: every queued job of every kind
-- (thousands of emails in a rush) scanned and sorted each time, which halved the flows the
-- load bench completes. This index holds queued jobs only: an entry when a job is queued,
-- gone when it is claimed, and none for the done jobs kept for retention.
CREATE INDEX jobs_queued_by_kind ON jobs (kind, id) WHERE status = 'queued';
