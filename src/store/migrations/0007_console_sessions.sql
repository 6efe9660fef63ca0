-- Staff console sessions. The cookie carries a random id; only its SHA-256 is stored, so a
-- copy of the database does not sign anyone in. Times are Unix seconds, UTC.
CREATE TABLE console_sessions (
    id_hash       TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The per-session CSRF token every state-changing form must carry.
    csrf_token    TEXT NOT NULL,
    -- The account's token_version when the session began: a password, role or disabled
    -- change bumps it, and a session with an older version is no longer valid.
    token_version INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    -- The absolute end; the idle limit is checked against last_seen_at.
    expires_at    INTEGER NOT NULL,
    CHECK (expires_at >= created_at)
) STRICT;

CREATE INDEX console_sessions_user ON console_sessions (user_id);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
