-- One time unit in the store, continued: accounts and console sessions kept Unix seconds.
-- They change to milliseconds like every other table (×1000 is exact).
UPDATE users SET created_at = created_at * 1000, updated_at = updated_at * 1000;
UPDATE console_sessions SET created_at = created_at * 1000,
                            last_seen_at = last_seen_at * 1000,
                            expires_at = expires_at * 1000;
