-- The durable job queue (transactional outbox): a job is written in the same transaction as
-- the change that causes it, so it exists if and only if its cause was committed.
-- Times are Unix milliseconds, UTC.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    -- At most one job per dedupe key, ever: retries of a cause never enqueue twice.
    dedupe_key   TEXT UNIQUE,
    -- What caused the job, e.g. 'user:usr_…', 'hold:hld_…', 'event:evt_…'.
    cause        TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'dead')),
    run_at       INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts INTEGER NOT NULL CHECK (max_attempts > 0),
    last_error   TEXT,
    -- A running job's lease: past it, a crashed worker's job is queued again.
    locked_until INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX jobs_ready ON jobs (status, run_at);
CREATE INDEX jobs_by_kind ON jobs (kind, status);

-- Seat history rows relayed from the hold store carry the outbox entry they came from, so a
-- relay that runs twice after a crash records nothing twice.
ALTER TABLE seat_history ADD COLUMN source_key TEXT;
CREATE UNIQUE INDEX seat_history_source ON seat_history (source_key) WHERE source_key IS NOT NULL;
