//! The Merkle tree and checkpoints on the write side: what the appender adds to each batch,
//! and the start-up checks that the database's log is this server's log.

use crate::domain::checkpoint::Checkpoint;
use crate::domain::hash::Hash32;
use crate::domain::merkle::{self, Frontier};
use crate::domain::note::{KeyType, NoteError, VerifierKey};
use crate::domain::records::LogHead;
use crate::storage::tree::{self, CheckpointRow, NodeRow};
use crate::storage::{append, DbConnection, StorageError};
use chrono::NaiveDateTime;
use ed25519_dalek::SigningKey;

/// Who the log is: its checkpoint origin (also the note key name) and its signing key.
#[derive(Clone)]
pub struct LogIdentity {
    pub origin: String,
    pub key: SigningKey,
    /// When false, a log that already exists keeps its stored origin instead of this one.
    pub origin_explicit: bool,
}

impl std::fmt::Debug for LogIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the private key.
        write!(f, "LogIdentity({})", self.origin)
    }
}

impl LogIdentity {
    /// The verifier key text auditors and witnesses use (docs/architecture.md, "The Merkle tree and checkpoints").
    pub fn verifier_key(&self) -> Result<VerifierKey, NoteError> {
        VerifierKey::new(&self.origin, KeyType::Ed25519, self.key.verifying_key())
    }

    /// Signs the checkpoint of a tree.
    pub fn checkpoint_row(
        &self,
        size: u64,
        root: Hash32,
        signed_at: NaiveDateTime,
    ) -> Result<CheckpointRow, StorageError> {
        let note = Checkpoint {
            origin: self.origin.clone(),
            size,
            root,
        }
        .sign(&self.key)
        .map_err(|e| StorageError::Corrupt(format!("cannot sign the checkpoint: {e}")))?;
        Ok(CheckpointRow {
            size: size as i64,
            root: root.0.to_vec(),
            note: note.render(),
            signed_at,
        })
    }
}

/// Appends a batch to the log: its entry and current-state rows, the moved head and the Merkle
/// nodes its entries complete. The one write sequence of every append (the writer's batches,
/// the bench's synthetic log); the caller signs a checkpoint of `frontier` when it wants one.
pub fn append_entries(
    conn: &mut DbConnection,
    frontier: &mut Frontier,
    write: &append::BatchWrite,
    head: &LogHead,
) -> Result<(), StorageError> {
    let leaves = write
        .entries
        .iter()
        .map(|row| row.leaf())
        .collect::<Result<Vec<Hash32>, _>>()?;
    let nodes = extend(frontier, leaves);
    append::write_batch(conn, write, head)?;
    tree::write_nodes(conn, &nodes)
}

/// The frontier of the tree of `size` entries, read from the stored nodes.
pub fn load_frontier(conn: &mut DbConnection, size: i64) -> Result<Frontier, StorageError> {
    let size = size as u64;
    let stored = tree::node_hashes(conn, &merkle::root_nodes(size))?;
    Frontier::from_stored(size, &stored).ok_or_else(|| {
        StorageError::Corrupt(format!(
            "the Merkle tree of the log's {size} entries is missing stored nodes"
        ))
    })
}

/// Appends leaves to the frontier and returns the nodes they complete.
pub fn extend(frontier: &mut Frontier, leaves: impl IntoIterator<Item = Hash32>) -> Vec<NodeRow> {
    let mut nodes = Vec::new();
    for leaf in leaves {
        frontier.push(leaf, |id, hash| nodes.push(NodeRow::new(id, hash)));
    }
    nodes
}

/// Why this server may not write to this database's log.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error(
        "This database's log is signed as `{stored_origin}` with key {stored_key}, but this \
         server would sign as `{origin}` with key {key}. Every server sharing a database needs \
         the same log-key.pem and --origin."
    )]
    Mismatch {
        stored_origin: String,
        stored_key: String,
        origin: String,
        key: String,
    },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Run once at start: claims the log for this identity (or checks it is the same), and
/// rebuilds the stored tree if it is missing (a database written before the tree existed).
/// Returns the identity to sign with (the stored origin when none was given explicitly).
pub fn prepare(
    conn: &mut DbConnection,
    mut log: LogIdentity,
) -> Result<LogIdentity, IdentityError> {
    let public = log.key.verifying_key().to_bytes();
    append::in_transaction(conn, |conn| {
        let head = append::lock_head(conn)?;
        match tree::log_identity(conn)? {
            None => tree::claim_log_identity(conn, &log.origin, &public)?,
            Some((origin, key))
                if key == public && (origin == log.origin || !log.origin_explicit) =>
            {
                log.origin = origin;
            }
            Some((stored_origin, stored_key)) => {
                return Ok(Err(IdentityError::Mismatch {
                    stored_origin,
                    stored_key: hex::encode(stored_key),
                    origin: log.origin.clone(),
                    key: hex::encode(public),
                }))
            }
        }
        if head.size > 0 && load_frontier(conn, head.size).is_err() {
            rebuild(conn, &log, head.size)?;
        }
        Ok(Ok(()))
    })??;
    Ok(log)
}

/// Recomputes every stored node from the entries' leaf hashes and signs the current tree.
fn rebuild(conn: &mut DbConnection, log: &LogIdentity, size: i64) -> Result<(), StorageError> {
    tracing::warn!(
        size,
        "rebuilding the stored Merkle tree from the log's leaf hashes"
    );
    tree::clear_tree(conn)?;
    let mut frontier = Frontier::empty();
    let mut start = 0;
    while start < size {
        let leaves = tree::leaf_hashes(conn, start, 10_000)?;
        if leaves.is_empty() {
            return Err(StorageError::Corrupt(format!("entry {start} is missing")));
        }
        start += leaves.len() as i64;
        let nodes = extend(&mut frontier, leaves);
        tree::write_nodes(conn, &nodes)?;
    }
    if tree::checkpoint(conn, size)?.is_none() {
        let row =
            log.checkpoint_row(size as u64, frontier.root(), chrono::Utc::now().naive_utc())?;
        tree::write_checkpoint(conn, &row)?;
    }
    Ok(())
}
