//! The log as outsiders see it: checkpoints (with witness cosignatures), entries, RFC 9162
//! proofs, accepting cosignatures, and the export, read page by page in constant memory.

use super::{Ledger, LedgerError};
use crate::domain::checkpoint::{verify_checkpoint, Checkpoint};
use crate::domain::export::{self, CheckpointLine, ConsistencyStep, ExportHeader};
use crate::domain::hash::Hash32;
use crate::domain::kinds::Role;
use crate::domain::merkle::{self, ProofPlan};
use crate::domain::note::{KeyType, SignedNote, VerifierKey};
use crate::storage::tree::{self, CheckpointRow, CosignatureRow};
use crate::storage::{read, DbConnection, StorageError};
use std::collections::HashMap;

/// `{"seq", "size", "leaf_hash", "root", "path"}` (docs/api.md).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InclusionProof {
    pub seq: u64,
    pub size: u64,
    pub leaf_hash: Hash32,
    pub root: Hash32,
    pub path: Vec<Hash32>,
}

/// `{"from", "to", "path"}`, plus both roots for convenience.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsistencyProof {
    pub from: u64,
    pub to: u64,
    pub from_root: Hash32,
    pub to_root: Hash32,
    pub path: Vec<Hash32>,
}

fn invalid(code: &'static str, message: impl ToString) -> LedgerError {
    LedgerError::Invalid {
        code,
        message: message.to_string(),
    }
}

/// Reads a proof's nodes and the roots it needs in one query.
fn fill(
    conn: &mut DbConnection,
    plan: &ProofPlan,
    extra: &[merkle::NodeId],
) -> Result<(Vec<Hash32>, HashMap<merkle::NodeId, Hash32>), StorageError> {
    let mut ids = plan.nodes();
    ids.extend_from_slice(extra);
    let stored = tree::node_hashes(conn, &ids)?;
    let path = plan
        .assemble(&stored)
        .ok_or_else(|| StorageError::Corrupt("a Merkle node a proof needs is missing".into()))?;
    Ok((path, stored))
}

fn root(size: u64, stored: &HashMap<merkle::NodeId, Hash32>) -> Result<Hash32, StorageError> {
    merkle::root_from(size, stored)
        .ok_or_else(|| StorageError::Corrupt(format!("the root of tree size {size} is missing")))
}

/// The size of the latest signed tree: proofs are served for signed trees only.
fn signed_size(conn: &mut DbConnection) -> Result<u64, StorageError> {
    Ok(tree::latest_checkpoint_size(conn)? as u64)
}

fn inclusion(
    conn: &mut DbConnection,
    seq: u64,
    size: u64,
) -> Result<Result<InclusionProof, LedgerError>, StorageError> {
    let signed = signed_size(conn)?;
    if size > signed {
        return Ok(Err(invalid(
            "tree-too-large",
            format!("size {size} is larger than the latest checkpoint's tree ({signed})."),
        )));
    }
    let plan = match merkle::inclusion_plan(seq, size) {
        Ok(plan) => plan,
        Err(e) => return Ok(Err(invalid("invalid-proof-range", e))),
    };
    let mut extra = merkle::root_nodes(size);
    extra.push(merkle::NodeId::leaf(seq));
    let (path, stored) = fill(conn, &plan, &extra)?;
    Ok(Ok(InclusionProof {
        seq,
        size,
        leaf_hash: stored[&merkle::NodeId::leaf(seq)],
        root: root(size, &stored)?,
        path,
    }))
}

fn consistency(
    conn: &mut DbConnection,
    from: u64,
    to: u64,
) -> Result<Result<ConsistencyProof, LedgerError>, StorageError> {
    let signed = signed_size(conn)?;
    if to > signed {
        return Ok(Err(invalid(
            "tree-too-large",
            format!("to = {to} is larger than the latest checkpoint's tree ({signed})."),
        )));
    }
    let plan = match merkle::consistency_plan(from, to) {
        Ok(plan) => plan,
        Err(e) => return Ok(Err(invalid("invalid-proof-range", e))),
    };
    let mut extra = merkle::root_nodes(from);
    extra.extend(merkle::root_nodes(to));
    let (path, stored) = fill(conn, &plan, &extra)?;
    Ok(Ok(ConsistencyProof {
        from,
        to,
        from_root: root(from, &stored)?,
        to_root: root(to, &stored)?,
        path,
    }))
}

/// A checkpoint note with the witnesses' cosignature lines appended.
fn with_cosignatures(row: &CheckpointRow, lines: &[CosignatureRow]) -> String {
    let mut note = row.note.clone();
    for line in lines.iter().filter(|c| c.size == row.size) {
        note.push_str(&line.line);
    }
    note
}

/// The active regulators' keys as cosignature verifier keys under `name`.
fn witness_keys(conn: &mut DbConnection, name: &str) -> Result<Vec<VerifierKey>, StorageError> {
    Ok(read::all_actors(conn)?
        .into_iter()
        .filter(|actor| !actor.revoked && actor.has_role(Role::Regulator))
        .filter_map(|actor| crate::domain::signing::verifying_key(&actor.public_key))
        .filter_map(|key| VerifierKey::new(name, KeyType::Cosignature, key).ok())
        .collect())
}

/// What one page of the export holds.
pub struct ExportPage {
    pub bytes: Vec<u8>,
    /// Where the next page starts, `None` after the last.
    pub next: Option<ExportCursor>,
}

/// Where the export stands: the next entry and the last checkpoint written.
#[derive(Clone, Copy, Debug)]
pub struct ExportCursor {
    pub next_seq: u64,
    pub size: u64,
    pub last_checkpoint: Option<u64>,
}

/// Entries per export page: bounded memory whatever the log's size.
const EXPORT_PAGE: u64 = 2000;

fn export_page(conn: &mut DbConnection, cursor: ExportCursor) -> Result<ExportPage, StorageError> {
    let end = (cursor.next_seq + EXPORT_PAGE).min(cursor.size);
    let rows = read::entries_range(conn, cursor.next_seq as i64, (end - cursor.next_seq) as i64)?;
    let checkpoints: Vec<CheckpointRow> =
        tree::checkpoints_after(conn, cursor.next_seq as i64, (end - cursor.next_seq) as i64)?
            .into_iter()
            .filter(|row| row.size as u64 <= end)
            .collect();
    let sizes: Vec<i64> = checkpoints.iter().map(|row| row.size).collect();
    let cosignatures = tree::cosignatures_for(conn, &sizes)?;
    let mut bytes = Vec::with_capacity(rows.iter().map(|r| r.bytes.len() + 1).sum());
    let mut rows = rows.into_iter().peekable();
    let mut last = cursor.last_checkpoint;
    for checkpoint in &checkpoints {
        while let Some(row) = rows.next_if(|row| row.seq < checkpoint.size) {
            bytes.extend_from_slice(&row.bytes);
            bytes.push(b'\n');
        }
        let size = checkpoint.size as u64;
        // A proof that cannot be built (a stored leaf or node is gone) is left out rather than
        // failing the export: the auditor then sees exactly what is missing and where.
        let consistency = match last.map(|from| (from, merkle::consistency_plan(from, size))) {
            Some((from, Ok(plan))) => match fill(conn, &plan, &[]) {
                Ok((path, _)) => Some(ConsistencyStep {
                    from,
                    path: export::hex_path(&path),
                }),
                Err(StorageError::Corrupt(why)) => {
                    tracing::error!(size, %why, "exporting a checkpoint without its consistency proof");
                    None
                }
                Err(other) => return Err(other),
            },
            _ => None,
        };
        let line = CheckpointLine {
            checkpoint: with_cosignatures(checkpoint, &cosignatures),
            consistency,
        };
        bytes.extend_from_slice(&serde_json::to_vec(&line).unwrap_or_default());
        bytes.push(b'\n');
        last = Some(size);
    }
    for row in rows {
        bytes.extend_from_slice(&row.bytes);
        bytes.push(b'\n');
    }
    let next = (end < cursor.size).then_some(ExportCursor {
        next_seq: end,
        size: cursor.size,
        last_checkpoint: last,
    });
    Ok(ExportPage { bytes, next })
}

/// What a page says of the latest checkpoint: its tree size, root and when it was signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointSummary {
    pub size: i64,
    /// The root hash, lowercase hex.
    pub root_hex: String,
    pub signed_at: chrono::NaiveDateTime,
}

impl Ledger {
    /// The latest checkpoint's size, root and signing time; `None` before the first.
    pub async fn checkpoint_summary(&self) -> Result<Option<CheckpointSummary>, LedgerError> {
        let row = self.with_conn(tree::latest_checkpoint).await?;
        Ok(row.map(|row| CheckpointSummary {
            size: row.size,
            root_hex: row.root.iter().map(|b| format!("{b:02x}")).collect(),
            signed_at: row.signed_at,
        }))
    }

    /// The latest checkpoint, or with `witnessed` the latest one a witness cosigned, as a
    /// signed note with the cosignature lines appended.
    pub async fn checkpoint(&self, witnessed: bool) -> Result<String, LedgerError> {
        let note = self
            .with_conn(move |conn| {
                let row = if witnessed {
                    tree::latest_cosigned_checkpoint(conn)?
                } else {
                    tree::latest_checkpoint(conn)?
                };
                row.map(|row| {
                    let lines = tree::cosignatures_for(conn, &[row.size])?;
                    Ok(with_cosignatures(&row, &lines))
                })
                .transpose()
            })
            .await?;
        note.ok_or_else(|| LedgerError::NotFound {
            what: if witnessed {
                "Cosigned checkpoint"
            } else {
                "Checkpoint"
            },
            id: "latest".into(),
        })
    }

    /// The entry at `seq`, exactly as logged.
    pub async fn entry_bytes(&self, seq: i64) -> Result<Vec<u8>, LedgerError> {
        let row = self
            .with_conn(move |conn| read::entries_range(conn, seq, 1))
            .await?
            .into_iter()
            .find(|row| row.seq == seq);
        row.map(|row| row.bytes)
            .ok_or_else(|| LedgerError::NotFound {
                what: "Entry",
                id: seq.to_string(),
            })
    }

    /// Entries from `start`, at most `limit`, exactly as logged.
    pub async fn entries_bytes(&self, start: i64, limit: i64) -> Result<Vec<Vec<u8>>, LedgerError> {
        let rows = self
            .with_conn(move |conn| read::entries_range(conn, start, limit))
            .await?;
        Ok(rows.into_iter().map(|row| row.bytes).collect())
    }

    pub async fn inclusion_proof(
        &self,
        seq: u64,
        size: u64,
    ) -> Result<InclusionProof, LedgerError> {
        self.with_conn(move |conn| inclusion(conn, seq, size))
            .await?
    }

    pub async fn consistency_proof(
        &self,
        from: u64,
        to: u64,
    ) -> Result<ConsistencyProof, LedgerError> {
        self.with_conn(move |conn| consistency(conn, from, to))
            .await?
    }

    /// An event's entry bytes, its inclusion proof in the latest signed tree and that tree's
    /// checkpoint (with cosignatures).
    pub async fn prove_event(
        &self,
        id: uuid::Uuid,
    ) -> Result<(Vec<u8>, InclusionProof, String), LedgerError> {
        let found = self
            .with_conn(move |conn| {
                let Some(entry) = read::entry_by_event_id(conn, &id)? else {
                    return Ok(None);
                };
                let Some(checkpoint) = tree::latest_checkpoint(conn)? else {
                    return Ok(None);
                };
                let proof = inclusion(conn, entry.seq as u64, checkpoint.size as u64)?;
                let lines = tree::cosignatures_for(conn, &[checkpoint.size])?;
                Ok(Some((
                    entry.bytes,
                    proof,
                    with_cosignatures(&checkpoint, &lines),
                )))
            })
            .await?;
        let (bytes, proof, note) = found.ok_or_else(|| LedgerError::NotFound {
            what: "Event",
            id: id.to_string(),
        })?;
        Ok((bytes, proof?, note))
    }

    /// Accepts a witness's cosignature: `note` is one of our checkpoints, signed by the log,
    /// with the witness's line appended. The witness must be an active regulator; its line
    /// must verify over that checkpoint. Returns the witness names stored.
    pub async fn add_cosignatures(&self, note: String) -> Result<Vec<String>, LedgerError> {
        let log_key = self.log_key().clone();
        self.with_conn(move |conn| {
            let verified = match verify_checkpoint(&note, &log_key) {
                Ok(verified) => verified,
                Err(e) => return Ok(Err(invalid("invalid-checkpoint", e))),
            };
            let Checkpoint { size, .. } = verified.checkpoint;
            let Some(stored) = tree::checkpoint(conn, size as i64)? else {
                return Ok(Err(LedgerError::NotFound {
                    what: "Checkpoint of size",
                    id: size.to_string(),
                }));
            };
            if SignedNote::parse(&stored.note).map(|n| n.text).ok()
                != Some(verified.note.text.clone())
            {
                return Ok(Err(invalid(
                    "invalid-checkpoint",
                    format!("the checkpoint of size {size} differs from the one this log signed"),
                )));
            }
            let mut accepted = Vec::new();
            for line in verified
                .note
                .signatures
                .iter()
                .filter(|s| s.name != log_key.name)
            {
                let keys = witness_keys(conn, &line.name)?;
                let Some(key) = keys.iter().find(|key| line.is_by(key)) else {
                    return Ok(Err(invalid(
                        "unknown-witness",
                        format!(
                            "the cosignature by `{}` is not by the key of an active regulator",
                            line.name
                        ),
                    )));
                };
                let single = SignedNote {
                    text: verified.note.text.clone(),
                    signatures: vec![line.clone()],
                };
                if single.cosigned_at(key).is_none() {
                    return Ok(Err(invalid(
                        "invalid-cosignature",
                        format!("the cosignature by `{}` does not verify", line.name),
                    )));
                }
                accepted.push(CosignatureRow {
                    size: size as i64,
                    witness: line.name.clone(),
                    line: line.line(),
                    received_at: chrono::Utc::now().naive_utc(),
                });
            }
            if accepted.is_empty() {
                return Ok(Err(invalid(
                    "invalid-cosignature",
                    "the note carries no cosignature besides the log's own signature",
                )));
            }
            // Stored only once every line checked out: a refused note leaves nothing behind.
            tree::put_cosignatures(conn, &accepted)?;
            let mut names: Vec<String> = accepted.into_iter().map(|row| row.witness).collect();
            names.sort();
            names.dedup();
            Ok(Ok(names))
        })
        .await?
    }

    /// The export's header and where its first page starts: a snapshot at the latest
    /// checkpoint, so that entries appended meanwhile are not half included.
    pub async fn export_start(&self) -> Result<(Vec<u8>, ExportCursor), LedgerError> {
        let size = self.with_conn(signed_size).await?;
        let header = ExportHeader {
            export: export::EXPORT_FORMAT.into(),
            log_key: self.log_key().to_text(),
            origin: self.log_key().name.clone(),
            size,
        };
        let mut bytes =
            serde_json::to_vec(&header).map_err(|e| LedgerError::Internal(e.to_string()))?;
        bytes.push(b'\n');
        Ok((
            bytes,
            ExportCursor {
                next_seq: 0,
                size,
                last_checkpoint: None,
            },
        ))
    }

    /// One page of the export.
    pub async fn export_page(&self, cursor: ExportCursor) -> Result<ExportPage, LedgerError> {
        self.with_conn(move |conn| export_page(conn, cursor)).await
    }

    /// The size of the latest signed tree.
    pub async fn signed_size(&self) -> Result<u64, LedgerError> {
        self.with_conn(signed_size).await
    }
}
