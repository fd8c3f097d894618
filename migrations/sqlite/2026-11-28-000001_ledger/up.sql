-- The log: one row per entry, in seq order. `bytes` are the exact JCS entry bytes that the
-- leaf hash covers; the other columns are indexes into them. `seq` is the rowid (INTEGER
-- PRIMARY KEY), so the log is stored in seq order without a separate index.
CREATE TABLE entries (
    seq INTEGER PRIMARY KEY NOT NULL,
    leaf_hash BLOB NOT NULL,
    -- The 16 bytes of the UUID: half the size of its text, so the index holds twice as many
    -- ids per page and every append dirties fewer pages.
    event_id BLOB NOT NULL UNIQUE,
    -- SHA-256 of the canonical event: a resubmission with the same hash is a replay.
    event_hash BLOB NOT NULL,
    kind TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    product_id TEXT,
    recorded_at TIMESTAMP NOT NULL,
    bytes BLOB NOT NULL
);

-- One row: the log's size and head. Every append transaction updates it first, which
-- serialises writers (a row lock on PostgreSQL, the write lock on SQLite).
CREATE TABLE log_head (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    size BIGINT NOT NULL,
    head BLOB NOT NULL,
    last_recorded_at TIMESTAMP
);
INSERT INTO log_head (id, size, head, last_recorded_at) VALUES (1, 0, zeroblob(32), NULL);

CREATE TABLE actors (
    id TEXT PRIMARY KEY NOT NULL,
    org TEXT NOT NULL,
    name TEXT NOT NULL,
    roles TEXT NOT NULL,
    public_key BLOB NOT NULL,
    city TEXT,
    revoked BOOLEAN NOT NULL,
    updated_seq BIGINT NOT NULL
);

CREATE TABLE cities (
    locode TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    population BIGINT NOT NULL,
    population_year INTEGER NOT NULL,
    registered_seq BIGINT NOT NULL
);

CREATE TABLE products (
    id TEXT PRIMARY KEY NOT NULL,
    state TEXT NOT NULL,
    custodian TEXT,
    gtin TEXT,
    serial TEXT,
    unu_key TEXT NOT NULL,
    weight_g BIGINT NOT NULL,
    measured_weight_g BIGINT,
    removed_g BIGINT NOT NULL,
    brand TEXT,
    model TEXT,
    manufactured_on TEXT,
    hazards TEXT NOT NULL,
    -- The seqs of the product's entries, comma-separated, oldest first (no index on the
    -- log's product_id: that would cost a random B-tree page per appended event).
    entry_seqs TEXT NOT NULL,
    head BLOB NOT NULL
);
