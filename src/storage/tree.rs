//! The Merkle tree's stored nodes, the signed checkpoints and witness cosignatures.

use super::schema::{checkpoints, cosignatures, entries, merkle_nodes};
use super::{in_chunks, DbConnection, StorageError};
use crate::domain::hash::Hash32;
use crate::domain::merkle::NodeId;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::HashMap;

/// A stored node above the leaves.
#[derive(Queryable, Selectable, Insertable, Clone, Debug)]
#[diesel(table_name = merkle_nodes, treat_none_as_default_value = false)]
pub struct NodeRow {
    pub position: i64,
    pub hash: Vec<u8>,
}

impl NodeRow {
    pub fn new(id: NodeId, hash: Hash32) -> NodeRow {
        NodeRow {
            position: id.storage_position(),
            hash: hash.0.to_vec(),
        }
    }
}

/// A signed checkpoint.
#[derive(Queryable, Selectable, Insertable, Clone, Debug)]
#[diesel(table_name = checkpoints, treat_none_as_default_value = false)]
pub struct CheckpointRow {
    pub size: i64,
    pub root: Vec<u8>,
    pub note: String,
    pub signed_at: NaiveDateTime,
}

/// A witness's cosignature line on one checkpoint.
#[derive(Queryable, Selectable, Insertable, Clone, Debug)]
#[diesel(table_name = cosignatures, treat_none_as_default_value = false)]
pub struct CosignatureRow {
    pub size: i64,
    pub witness: String,
    pub line: String,
    pub received_at: NaiveDateTime,
}

fn to_hash(bytes: &[u8], what: impl FnOnce() -> String) -> Result<Hash32, StorageError> {
    Hash32::from_slice(bytes)
        .ok_or_else(|| StorageError::Corrupt(format!("{} is not 32 bytes", what())))
}

/// The hashes of these nodes: leaves from the log, the rest from `merkle_nodes`. A node that
/// is not stored is absent from the answer (the caller decides whether that is corruption).
pub fn node_hashes(
    conn: &mut DbConnection,
    ids: &[NodeId],
) -> Result<HashMap<NodeId, Hash32>, StorageError> {
    let (leaves, inner): (Vec<NodeId>, Vec<NodeId>) = ids.iter().partition(|id| id.level == 0);
    let mut found = HashMap::with_capacity(ids.len());
    let seqs: Vec<i64> = leaves.iter().map(|id| id.index as i64).collect();
    for (seq, hash) in in_chunks(&seqs, |chunk| {
        entries::table
            .filter(entries::seq.eq_any(chunk))
            .select((entries::seq, entries::leaf_hash))
            .load::<(i64, Vec<u8>)>(conn)
    })? {
        let hash = to_hash(&hash, || format!("the leaf hash of entry {seq}"))?;
        found.insert(NodeId::leaf(seq as u64), hash);
    }
    let by_position: HashMap<i64, NodeId> = inner
        .iter()
        .map(|id| (id.storage_position(), *id))
        .collect();
    let positions: Vec<i64> = by_position.keys().copied().collect();
    for row in in_chunks(&positions, |chunk| {
        merkle_nodes::table
            .filter(merkle_nodes::position.eq_any(chunk))
            .select(NodeRow::as_select())
            .load(conn)
    })? {
        let id = by_position[&row.position];
        found.insert(id, to_hash(&row.hash, || format!("Merkle node {id:?}"))?);
    }
    Ok(found)
}

/// Leaf hashes of entries `[start, start + limit)`, in seq order (for rebuilding the tree).
pub fn leaf_hashes(
    conn: &mut DbConnection,
    start: i64,
    limit: i64,
) -> Result<Vec<Hash32>, StorageError> {
    entries::table
        .filter(entries::seq.ge(start))
        .order(entries::seq)
        .limit(limit)
        .select((entries::seq, entries::leaf_hash))
        .load::<(i64, Vec<u8>)>(conn)?
        .into_iter()
        .map(|(seq, hash)| to_hash(&hash, || format!("the leaf hash of entry {seq}")))
        .collect()
}

/// Inserts nodes (inside the append transaction).
pub fn write_nodes(conn: &mut DbConnection, nodes: &[NodeRow]) -> Result<(), StorageError> {
    for chunk in nodes.chunks(super::CHUNK) {
        insert_rows!(conn, merkle_nodes::table, chunk)?;
    }
    Ok(())
}

/// Inserts a signed checkpoint (inside the append transaction).
pub fn write_checkpoint(conn: &mut DbConnection, row: &CheckpointRow) -> Result<(), StorageError> {
    insert_rows!(conn, checkpoints::table, std::slice::from_ref(row))?;
    Ok(())
}

/// Removes every stored node (before rebuilding them from the entries).
pub fn clear_tree(conn: &mut DbConnection) -> Result<(), StorageError> {
    diesel::delete(merkle_nodes::table).execute(conn)?;
    Ok(())
}

/// The checkpoint of the largest tree.
pub fn latest_checkpoint(conn: &mut DbConnection) -> Result<Option<CheckpointRow>, StorageError> {
    Ok(checkpoints::table
        .order(checkpoints::size.desc())
        .select(CheckpointRow::as_select())
        .first(conn)
        .optional()?)
}

/// The size of the largest signed tree (0 before the first checkpoint).
pub fn latest_checkpoint_size(conn: &mut DbConnection) -> Result<i64, StorageError> {
    let size: Option<i64> = checkpoints::table
        .select(diesel::dsl::max(checkpoints::size))
        .first(conn)?;
    Ok(size.unwrap_or(0))
}

/// The latest checkpoint that at least one witness cosigned.
pub fn latest_cosigned_checkpoint(
    conn: &mut DbConnection,
) -> Result<Option<CheckpointRow>, StorageError> {
    let size: Option<i64> = cosignatures::table
        .select(diesel::dsl::max(cosignatures::size))
        .first(conn)?;
    match size {
        Some(size) => checkpoint(conn, size),
        None => Ok(None),
    }
}

/// The first checkpoint whose tree includes entry `seq`: the one signed with its batch.
pub fn first_checkpoint_covering(
    conn: &mut DbConnection,
    seq: i64,
) -> Result<Option<CheckpointRow>, StorageError> {
    Ok(checkpoints::table
        .filter(checkpoints::size.gt(seq))
        .order(checkpoints::size)
        .select(CheckpointRow::as_select())
        .first(conn)
        .optional()?)
}

/// The checkpoint of the tree of `size` entries.
pub fn checkpoint(
    conn: &mut DbConnection,
    size: i64,
) -> Result<Option<CheckpointRow>, StorageError> {
    Ok(checkpoints::table
        .find(size)
        .select(CheckpointRow::as_select())
        .first(conn)
        .optional()?)
}

/// Checkpoints with `size > after`, smallest first, at most `limit`.
pub fn checkpoints_after(
    conn: &mut DbConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<CheckpointRow>, StorageError> {
    Ok(checkpoints::table
        .filter(checkpoints::size.gt(after))
        .order(checkpoints::size)
        .limit(limit)
        .select(CheckpointRow::as_select())
        .load(conn)?)
}

/// The cosignature lines on the checkpoints of these sizes.
pub fn cosignatures_for(
    conn: &mut DbConnection,
    sizes: &[i64],
) -> Result<Vec<CosignatureRow>, StorageError> {
    in_chunks(sizes, |chunk| {
        cosignatures::table
            .filter(cosignatures::size.eq_any(chunk))
            .order((cosignatures::size, cosignatures::witness))
            .select(CosignatureRow::as_select())
            .load(conn)
    })
}

/// Stores witnesses' cosignatures in one transaction, each replacing that witness's earlier
/// line on the same checkpoint.
pub fn put_cosignatures(
    conn: &mut DbConnection,
    rows: &[CosignatureRow],
) -> Result<(), StorageError> {
    conn.transaction(|conn| {
        for row in rows {
            diesel::delete(
                cosignatures::table
                    .filter(cosignatures::size.eq(row.size))
                    .filter(cosignatures::witness.eq(&row.witness)),
            )
            .execute(conn)?;
            insert_rows!(conn, cosignatures::table, std::slice::from_ref(row))?;
        }
        Ok(())
    })
}
/// The origin and public key this log's checkpoints are signed with, once claimed.
pub fn log_identity(conn: &mut DbConnection) -> Result<Option<(String, Vec<u8>)>, StorageError> {
    use super::schema::log_identity;
    Ok(log_identity::table
        .find(1)
        .select((log_identity::origin, log_identity::public_key))
        .first(conn)
        .optional()?)
}

/// Records the log's origin and key (inside a transaction that holds the head lock).
pub fn claim_log_identity(
    conn: &mut DbConnection,
    origin: &str,
    public_key: &[u8; 32],
) -> Result<(), StorageError> {
    use super::schema::log_identity;
    diesel::insert_into(log_identity::table)
        .values((
            log_identity::id.eq(1),
            log_identity::origin.eq(origin),
            log_identity::public_key.eq(public_key.to_vec()),
        ))
        .execute(conn)?;
    Ok(())
}
