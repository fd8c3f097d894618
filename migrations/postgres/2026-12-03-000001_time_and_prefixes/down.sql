DROP TABLE pending_backfills;
ALTER TABLE products DROP COLUMN last_occurred_at;
ALTER TABLE actors DROP COLUMN key_history;
ALTER TABLE actors DROP COLUMN gs1_company_prefixes;
ALTER TABLE actors DROP COLUMN registered_at;
ALTER TABLE actors DROP COLUMN registered_seq;
