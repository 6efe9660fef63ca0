-- An email is stored as what it says (the kind's data as JSON, a few hundred bytes) and
-- rendered when it is sent, with the same Message-ID on every attempt, instead of as the
-- whole rendered message (about 10 KiB with its QR images) written to the database and,
-- at the checkpoint, again, and once more whenever the row's status changed. Rows written
-- before keep their rendered message and `data` NULL; newer rows have an empty `message`.
ALTER TABLE notifications ADD COLUMN data TEXT;
