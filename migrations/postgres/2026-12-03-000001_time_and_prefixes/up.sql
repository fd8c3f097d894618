-- What the time rules and the GS1 prefix rule need in O(1) per event (PRODUCT.md §4.1, §5).
-- Times are TEXT, RFC 3339 with nine fraction digits (`2026-03-01T09:30:00.000000000Z`),
-- because `occurred_at` may carry nanoseconds and a PostgreSQL TIMESTAMP keeps only
-- microseconds: a rounded time would let the writer accept what the audit refuses.

-- The seq and occurred_at of each actor's `actor_registered` entry, and the GS1 company
-- prefixes it declared (comma-separated; NULL when none).
ALTER TABLE actors ADD COLUMN registered_seq BIGINT;
ALTER TABLE actors ADD COLUMN registered_at TEXT;
ALTER TABLE actors ADD COLUMN gs1_company_prefixes TEXT;
-- Every key each actor has held, oldest first, as `seq:base64` joined by commas, each seq the
-- entry that registered or rotated to the key: the passport checks each signature with the
-- key of its time.
ALTER TABLE actors ADD COLUMN key_history TEXT;

-- The latest occurred_at among each product's entries.
ALTER TABLE products ADD COLUMN last_occurred_at TEXT;

-- One-off work the server does at start, in Rust, because it needs the events inside the
-- entries' bytes: here, filling the columns above for the actors and products of a database
-- written before them (ledger::backfill). The row is deleted in the transaction that does it.
CREATE TABLE pending_backfills (
    name TEXT PRIMARY KEY NOT NULL
);
INSERT INTO pending_backfills (name) VALUES ('time-rules');
