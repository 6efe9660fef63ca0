-- Accounts. Times are Unix seconds, UTC.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL COLLATE NOCASE UNIQUE,
    name          TEXT NOT NULL CHECK (length(name) > 0),
    phone         TEXT,
    role          TEXT NOT NULL CHECK (role IN ('customer', 'staff', 'admin')),
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    -- Bumped when a role changes, the account is disabled or the password changes:
    -- tokens carrying an older version are refused.
    token_version INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX users_phone_unique ON users (phone) WHERE phone IS NOT NULL;
