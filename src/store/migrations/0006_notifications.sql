-- Outgoing email: one row per message, rendered once and kept, so a retry sends exactly
-- what was rendered and the log shows what each customer was told. Times in Unix ms.
CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    -- queued (not yet tried), failed (will retry), sent, dead (out of attempts).
    status     TEXT NOT NULL CHECK (status IN ('queued', 'failed', 'sent', 'dead')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    -- What caused it: 'user:…', 'booking:…', 'event:…', 'test:…'.
    cause      TEXT NOT NULL,
    -- One email per (cause, kind, recipient), ever: retries and restarts never send twice.
    dedupe_key TEXT NOT NULL UNIQUE,
    -- The whole RFC 5322 message.
    message    BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    sent_at    INTEGER
) STRICT;

CREATE INDEX notifications_by_status ON notifications (status, id);
CREATE INDEX notifications_by_recipient ON notifications (recipient, id);
