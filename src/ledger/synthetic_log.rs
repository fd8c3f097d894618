//! A log of synthetic entries, for `bench`'s proof timings on a million entries: the tree,
//! head and checkpoint exactly as the writer stores them (through the same write sequence,
//! `tree::append_entries`), but no signed events inside, since proofs never look inside
//! entries. Never used for a real log.

use super::tree::{self, LogIdentity};
use crate::domain::hash::{leaf_hash, Hash32};
use crate::domain::merkle::Frontier;
use crate::domain::records::LogHead;
use crate::storage::append::{self, BatchWrite};
use crate::storage::rows::EntryRow;
use crate::storage::{backfill, connection, stats, DatabaseTarget, StorageError};

/// Entries written per transaction.
const CHUNK: u64 = 20_000;

/// Fills the empty database at `target` with `entries` synthetic entries signed by `log`.
pub fn build(target: &DatabaseTarget, log: &LogIdentity, entries: u64) -> Result<(), StorageError> {
    let mut conn = target.connect()?;
    connection::run_migrations(&mut conn)?;
    let mut frontier = Frontier::empty();
    let mut head = Hash32::ZERO;
    let now = chrono::Utc::now().naive_utc();
    for start in (0..entries).step_by(CHUNK as usize) {
        let end = (start + CHUNK).min(entries);
        let rows: Vec<EntryRow> = (start..end).map(|n| synthetic_entry(n, now)).collect();
        head = rows.last().map(EntryRow::leaf).transpose()?.unwrap_or(head);
        let write = BatchWrite {
            entries: rows,
            ..BatchWrite::default()
        };
        let log_head = LogHead {
            size: end as i64,
            head,
            last_recorded_at: Some(now),
        };
        append::in_transaction(&mut conn, |conn| {
            tree::append_entries(conn, &mut frontier, &write, &log_head)
        })?;
    }
    let checkpoint = log.checkpoint_row(entries, frontier.root(), now)?;
    crate::storage::tree::write_checkpoint(&mut conn, &checkpoint)?;
    // The entries hold no events: mark the (empty) statistics and the time rules' backfill as
    // current, so that opening the ledger does not replay entries that are not events.
    backfill::mark_done(&mut conn, backfill::TIME_RULES)?;
    stats::replace_all(
        &mut conn,
        &Default::default(),
        crate::domain::stats::kpis::KPI_DEFINITIONS,
        entries as i64,
    )
}

/// The n-th synthetic entry: a tiny JSON object as its bytes, hashed as a leaf.
fn synthetic_entry(n: u64, recorded_at: chrono::NaiveDateTime) -> EntryRow {
    let bytes = format!("{{\"synthetic\":{n}}}").into_bytes();
    let leaf = leaf_hash(&bytes);
    EntryRow {
        seq: n as i64,
        leaf_hash: leaf.0.to_vec(),
        event_id: uuid::Uuid::from_u64_pair(0, n).as_bytes().to_vec(),
        event_hash: leaf.0.to_vec(),
        kind: "synthetic".into(),
        actor_id: String::new(),
        product_id: None,
        recorded_at,
        bytes,
    }
}
