-- How far the relay has moved the hold store's outbox into the seat history: every outbox
-- entry up to `last_seq` is recorded. The hold store numbers its entries in commit order,
-- so a relay pass repeated after a crash skips what this covers instead of giving each row a
-- unique source key: the key and its index entry were about a sixth of what SQLite wrote in
-- the holds level. NULL until the first pass after this migration, which still dedupes by
-- source key (entries numbered before it may have been committed out of order).
CREATE TABLE seat_change_relay (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq INTEGER CHECK (last_seq >= 0)
) STRICT;
INSERT INTO seat_change_relay (id, last_seq) VALUES (1, NULL);
