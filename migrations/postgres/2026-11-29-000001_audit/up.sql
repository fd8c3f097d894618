-- The RFC 9162 Merkle tree's complete subtrees above the leaves (the leaves are
-- entries.leaf_hash), keyed by their position in append order (see
-- domain::merkle::NodeId::storage_position): about one row per entry, written by the append
-- that completes the node, so any proof reads O(log n) rows by primary key.
CREATE TABLE merkle_nodes (
    position BIGINT PRIMARY KEY NOT NULL,
    hash BYTEA NOT NULL
);

-- Every checkpoint the log signed: one per committed batch, all kept.
CREATE TABLE checkpoints (
    size BIGINT PRIMARY KEY NOT NULL,
    root BYTEA NOT NULL,
    -- The signed note, exactly as served.
    note TEXT NOT NULL,
    signed_at TIMESTAMP NOT NULL
);

-- Witness cosignatures (C2SP tlog-cosignature), one line per witness and checkpoint.
CREATE TABLE cosignatures (
    size BIGINT NOT NULL,
    witness TEXT NOT NULL,
    line TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    PRIMARY KEY (size, witness)
);

-- Who signs this log's checkpoints: claimed by the first server to start, checked by every
-- later one (several servers on one database must sign with the same key and origin).
CREATE TABLE log_identity (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    origin TEXT NOT NULL,
    public_key BYTEA NOT NULL
);
