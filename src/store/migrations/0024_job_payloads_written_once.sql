-- A job's payload and cause are stored once, apart from its row. SQLite rewrites a whole row
-- when any column changes, and a job's row changes when it is claimed and when it is done:
-- a payment's job carried about 300 bytes of payload and cause through both, and a flows
-- level's `jobs` rows were 2.5–2.7 log frames per paid flow. What changes (status, attempts,
-- lease, times, the last error) stays in `jobs` beside what the queue's indexes read (kind,
-- dedupe key); what never changes after the enqueue is here. A queued job's payload is
-- replaced only when a later change refreshes it (`repo::refresh_queued`).
CREATE TABLE job_payloads (
    id      INTEGER PRIMARY KEY REFERENCES jobs (id),
    payload TEXT NOT NULL,
    -- What caused the job, e.g. 'user:usr_…', 'booking:bkg_…', 'event:evt_…'.
    cause   TEXT NOT NULL
) STRICT;

INSERT INTO job_payloads (id, payload, cause) SELECT id, payload, cause FROM jobs;
ALTER TABLE jobs DROP COLUMN payload;
ALTER TABLE jobs DROP COLUMN cause;
