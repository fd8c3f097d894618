//! The offline audit (PRODUCT.md §4.4): reads an export line by line and checks, without
//! trusting the server, every entry's bytes, seq and global `prev` link, every signature against
//! the key registry as of that entry, the rules (roles, custody, per-product `prev`, the state
//! machine) by replaying them, every checkpoint's signature and root against the entries, each
//! checkpoint against the one before by its consistency proof, and witness cosignatures.
//!
//! Memory stays constant: entries are processed in chunks, the tree is a frontier of O(log n)
//! hashes, and replay state beyond a budget is spilled to a scratch database ([`replay`]).
//! Signatures of a chunk are checked in parallel with batch verification.

mod replay;

use crate::domain::checkpoint::{verify_checkpoint, Checkpoint};
use crate::domain::data::EventData;
use crate::domain::entry::{parse_entry, ParsedEntry};
use crate::domain::export::{self, ExportHeader, ExportLine};
use crate::domain::hash::Hash32;
use crate::domain::merkle::{self, Frontier};
use crate::domain::note::{SignedNote, VerifierKey};
use crate::domain::rules::{decide, Clock, LedgerView};
use crate::domain::signing;
use crate::storage::StorageError;
use rayon::prelude::*;
use replay::Replay;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::PathBuf;

/// What to verify against.
#[derive(Clone, Debug)]
pub struct AuditOptions {
    /// The log's verifier key, obtained out of band (not from the export).
    pub log_key: VerifierKey,
    /// Witnesses whose cosignature must appear on at least one checkpoint.
    pub witness_keys: Vec<VerifierKey>,
    /// A checkpoint the auditor already holds (from a witness, an earlier audit, a receipt):
    /// the export's tree must extend it.
    pub trusted_checkpoint: Option<String>,
    /// Products and event ids held in memory before spilling to disk.
    pub memory_budget: usize,
    /// Entries parsed and signature-checked together (spills happen between chunks).
    pub chunk_entries: usize,
    pub scratch_dir: Option<PathBuf>,
    /// How far `occurred_at` may lie after `recorded_at` (the server's clock allowance).
    pub clock_skew: chrono::Duration,
}

impl AuditOptions {
    pub fn new(log_key: VerifierKey) -> AuditOptions {
        AuditOptions {
            log_key,
            witness_keys: Vec::new(),
            trusted_checkpoint: None,
            memory_budget: 200_000,
            chunk_entries: 4096,
            scratch_dir: None,
            clock_skew: crate::ledger::LedgerSettings::default().clock_skew,
        }
    }
}

/// A successful audit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditReport {
    pub size: u64,
    pub root: Hash32,
    pub checkpoints: u64,
    /// Each required witness and the largest tree it cosigned.
    pub witnessed: BTreeMap<String, u64>,
    /// Whether the replay state outgrew memory and was spilled to disk.
    pub spilled: bool,
}

/// The first thing that does not hold.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}line {line}: {what}{}", seq.map(|s| format!("entry {s}, ")).unwrap_or_default(), detail(.expected, .found))]
pub struct AuditFailure {
    /// The entry at fault, when one is.
    pub seq: Option<u64>,
    /// 1-based line of the export.
    pub line: u64,
    pub what: String,
    pub expected: Option<String>,
    pub found: Option<String>,
}

fn detail(expected: &Option<String>, found: &Option<String>) -> String {
    match (expected, found) {
        (Some(e), Some(f)) => format!(" (expected {e}, found {f})"),
        (Some(e), None) => format!(" (expected {e})"),
        _ => String::new(),
    }
}

/// Why an audit could not finish: a failure of the log, or of the audit itself.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("Verification failed at {0}")]
    Failed(AuditFailure),
    #[error("Reading the export failed: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Progress, for a progress bar: called after each chunk with entries verified so far.
pub trait Progress {
    fn start(&self, total: u64);
    fn advance(&self, done: u64);
}

impl Progress for () {
    fn start(&self, _: u64) {}
    fn advance(&self, _: u64) {}
}

struct Auditor<'a> {
    options: &'a AuditOptions,
    header: ExportHeader,
    replay: Replay,
    frontier: Frontier,
    last_leaf: Hash32,
    last_recorded_at: Option<chrono::DateTime<chrono::Utc>>,
    last_checkpoint: Option<Checkpoint>,
    checkpoints: u64,
    trusted: Option<Checkpoint>,
    witnessed: BTreeMap<String, u64>,
}

fn fail(seq: Option<u64>, line: u64, what: impl Into<String>) -> AuditFailure {
    AuditFailure {
        seq,
        line,
        what: what.into(),
        expected: None,
        found: None,
    }
}

fn mismatch(
    seq: Option<u64>,
    line: u64,
    what: &str,
    expected: impl ToString,
    found: impl ToString,
) -> AuditFailure {
    AuditFailure {
        seq,
        line,
        what: what.into(),
        expected: Some(expected.to_string()),
        found: Some(found.to_string()),
    }
}

/// A line of the current chunk.
enum Item {
    Entry { line: u64, bytes: Vec<u8> },
    Checkpoint { line: u64, bytes: Vec<u8> },
}

/// Audits an export read from `input`.
pub fn audit(
    input: impl BufRead,
    options: &AuditOptions,
    progress: &dyn Progress,
) -> Result<AuditReport, AuditError> {
    let mut lines = input.split(b'\n');
    let header_line = lines
        .next()
        .transpose()?
        .ok_or_else(|| AuditError::Failed(fail(None, 1, "the export is empty")))?;
    let header: ExportHeader = serde_json::from_slice(&header_line).map_err(|e| {
        AuditError::Failed(fail(
            None,
            1,
            format!("the export's header is invalid: {e}"),
        ))
    })?;
    if header.export != export::EXPORT_FORMAT {
        return Err(AuditError::Failed(mismatch(
            None,
            1,
            "unknown export format",
            export::EXPORT_FORMAT,
            &header.export,
        )));
    }
    if header.log_key != options.log_key.to_text() {
        // Informational only: the export's key is never trusted, but a mismatch is a clear sign
        // the wrong log or the wrong key is being audited.
        return Err(AuditError::Failed(mismatch(
            None,
            1,
            "the export names another log key than the one given",
            options.log_key.to_text(),
            &header.log_key,
        )));
    }
    let trusted = match &options.trusted_checkpoint {
        Some(note) => Some(
            verify_checkpoint(note, &options.log_key)
                .map_err(|e| {
                    AuditError::Failed(fail(
                        None,
                        0,
                        format!("the trusted checkpoint is not valid: {e}"),
                    ))
                })?
                .checkpoint,
        ),
        None => None,
    };
    progress.start(header.size);
    let mut auditor = Auditor {
        options,
        header,
        replay: Replay::new(options.memory_budget, options.scratch_dir.clone()),
        frontier: Frontier::empty(),
        last_leaf: Hash32::ZERO,
        last_recorded_at: None,
        last_checkpoint: None,
        checkpoints: 0,
        trusted,
        witnessed: BTreeMap::new(),
    };
    let chunk_entries = options.chunk_entries.max(1);
    let mut chunk = Vec::with_capacity(chunk_entries);
    let mut entries_in_chunk = 0;
    let mut line_number = 1u64;
    for line in lines {
        let line = line?;
        line_number += 1;
        if line.is_empty() {
            continue;
        }
        if line.starts_with(b"{\"event\":") {
            entries_in_chunk += 1;
            chunk.push(Item::Entry {
                line: line_number,
                bytes: line,
            });
        } else {
            chunk.push(Item::Checkpoint {
                line: line_number,
                bytes: line,
            });
        }
        if entries_in_chunk == chunk_entries {
            auditor
                .chunk(std::mem::take(&mut chunk))
                .map_err(AuditError::Failed)?;
            auditor.replay.spill_if_over_budget()?;
            progress.advance(auditor.frontier.size());
            entries_in_chunk = 0;
        }
    }
    auditor.chunk(chunk).map_err(AuditError::Failed)?;
    progress.advance(auditor.frontier.size());
    auditor.finish(line_number).map_err(AuditError::Failed)
}

/// An entry whose signature remains to be checked, under the key of its signer at that entry.
struct PendingSignature {
    seq: u64,
    line: u64,
    key: [u8; 32],
    parsed: usize,
}

impl Auditor<'_> {
    /// Verifies one chunk: parse in parallel, replay in order, then check signatures in
    /// parallel; reports whichever failure comes first in the export.
    fn chunk(&mut self, items: Vec<Item>) -> Result<(), AuditFailure> {
        let parsed: Vec<Result<ParsedEntry, String>> = items
            .par_iter()
            .filter_map(|item| match item {
                Item::Entry { bytes, .. } => Some(parse_entry(bytes)),
                Item::Checkpoint { .. } => None,
            })
            .collect();
        let mut products = Vec::new();
        let mut events = Vec::new();
        for entry in parsed.iter().flatten() {
            events.push(entry.signed.event.id);
            products.extend(entry.signed.event.product);
        }
        self.replay
            .prefetch(&products, &events)
            .map_err(|e| fail(None, 0, format!("the audit's scratch store failed: {e}")))?;

        let mut pending = Vec::new();
        let mut next_parsed = 0;
        let mut other_failure = None;
        for item in &items {
            let outcome = match item {
                Item::Entry { line, .. } => {
                    next_parsed += 1;
                    self.entry(
                        *line,
                        &parsed[next_parsed - 1],
                        next_parsed - 1,
                        &mut pending,
                    )
                }
                Item::Checkpoint { line, bytes } => self.checkpoint(*line, bytes),
            };
            if let Err(failure) = outcome {
                other_failure = Some(failure);
                break;
            }
        }
        let bad_signature = first_bad_signature(&parsed, &pending);
        match (bad_signature, other_failure) {
            // On the same line the signature is the more fundamental fault.
            (Some(bad), Some(other)) => Err(if bad.line <= other.line { bad } else { other }),
            (Some(failure), None) | (None, Some(failure)) => Err(failure),
            (None, None) => Ok(()),
        }
    }

    /// Replays one entry: its place in the log, its links, the rules.
    fn entry(
        &mut self,
        line: u64,
        parsed: &Result<ParsedEntry, String>,
        index: usize,
        pending: &mut Vec<PendingSignature>,
    ) -> Result<(), AuditFailure> {
        let expected_seq = self.frontier.size();
        let entry = parsed.as_ref().map_err(|why| {
            fail(
                Some(expected_seq),
                line,
                format!("the entry is malformed: {why}"),
            )
        })?;
        let seq = Some(expected_seq);
        if entry.seq != expected_seq as i64 {
            return Err(mismatch(
                seq,
                line,
                "entries are missing, repeated or out of order: wrong seq",
                expected_seq,
                entry.seq,
            ));
        }
        if entry.prev != self.last_leaf {
            return Err(mismatch(
                seq,
                line,
                "the global hash chain is broken: prev is not the previous entry's leaf hash",
                self.last_leaf,
                entry.prev,
            ));
        }
        if let Some(last) = self.last_recorded_at {
            if entry.recorded_at < last {
                return Err(mismatch(
                    seq,
                    line,
                    "recorded_at goes backwards",
                    crate::domain::event::format_timestamp(last),
                    crate::domain::event::format_timestamp(entry.recorded_at),
                ));
            }
        }
        let event = &entry.signed.event;
        if !self.replay.first_use_of(event.id) {
            return Err(fail(
                seq,
                line,
                format!("event id {} appears twice in the log", event.id),
            ));
        }
        // The signer's key as of this entry; the genesis registers the key it is signed with.
        let key = if self.replay.log_size() == 0 {
            match &event.data {
                EventData::ActorRegistered(data) => {
                    crate::domain::data::public_key("data.public_key", &data.public_key).ok()
                }
                _ => None,
            }
        } else {
            self.replay
                .actor(&event.actor)
                .map(|actor| actor.public_key)
        };
        let clock = Clock {
            now: entry.recorded_at,
            skew: self.options.clock_skew,
        };
        let change =
            decide(&self.replay, event, &key.unwrap_or([0; 32]), clock).map_err(|rejection| {
                AuditFailure {
                    seq,
                    line,
                    what: format!(
                        "the ledger's rules refuse this event ({}): {rejection}",
                        rejection.code()
                    ),
                    expected: None,
                    found: None,
                }
            })?;
        if let Some(key) = key {
            pending.push(PendingSignature {
                seq: expected_seq,
                line,
                key,
                parsed: index,
            });
        }
        self.replay.apply(change, entry.seq, entry.leaf_hash);
        self.frontier.push(entry.leaf_hash, |_, _| {});
        self.last_leaf = entry.leaf_hash;
        self.last_recorded_at = Some(entry.recorded_at);
        if let Some(trusted) = &self.trusted {
            if trusted.size == self.frontier.size() && trusted.root != self.frontier.root() {
                return Err(mismatch(seq, line, "the log is not an extension of the trusted checkpoint: the tree's root differs at its size", trusted.root, self.frontier.root()));
            }
        }
        Ok(())
    }

    /// Checks a checkpoint line against the entries so far and the checkpoint before it.
    fn checkpoint(&mut self, line: u64, bytes: &[u8]) -> Result<(), AuditFailure> {
        let ExportLine::Checkpoint(parsed) =
            export::classify(bytes).map_err(|why| fail(None, line, why))?
        else {
            return Err(fail(None, line, "an entry where a checkpoint was expected"));
        };
        let verified =
            verify_checkpoint(&parsed.checkpoint, &self.options.log_key).map_err(|e| {
                fail(
                    None,
                    line,
                    format!("the checkpoint is not signed by the log: {e}"),
                )
            })?;
        let checkpoint = verified.checkpoint;
        if checkpoint.size > self.frontier.size() {
            return Err(mismatch(Some(self.frontier.size()), line, "entries are missing, repeated or out of order: the checkpoint covers entries the export does not have", checkpoint.size, self.frontier.size()));
        }
        if checkpoint.size != self.frontier.size() {
            return Err(mismatch(
                None,
                line,
                "the checkpoint's size is not the number of entries before it",
                self.frontier.size(),
                checkpoint.size,
            ));
        }
        if checkpoint.root != self.frontier.root() {
            return Err(mismatch(None, line, &format!("the checkpoint of size {} has a root that is not the Merkle root of the entries", checkpoint.size), self.frontier.root(), checkpoint.root));
        }
        match (&self.last_checkpoint, &parsed.consistency) {
            (None, None) => {}
            (Some(previous), Some(step)) => {
                let path = export::parse_path(&step.path).ok_or_else(|| {
                    fail(None, line, "the consistency proof has a malformed hash")
                })?;
                if step.from != previous.size
                    || !merkle::verify_consistency(
                        previous.size,
                        checkpoint.size,
                        &previous.root,
                        &checkpoint.root,
                        &path,
                    )
                {
                    return Err(fail(
                        None,
                        line,
                        format!(
                            "the consistency proof from checkpoint {} to {} does not verify",
                            previous.size, checkpoint.size
                        ),
                    ));
                }
            }
            (None, Some(_)) => {
                return Err(fail(
                    None,
                    line,
                    "the first checkpoint carries a consistency proof from nowhere",
                ))
            }
            (Some(previous), None) => {
                return Err(fail(
                    None,
                    line,
                    format!(
                        "the consistency proof from checkpoint {} is missing",
                        previous.size
                    ),
                ))
            }
        }
        self.witnesses(line, &verified.note, checkpoint.size)?;
        self.checkpoints += 1;
        self.last_checkpoint = Some(checkpoint);
        Ok(())
    }

    /// Every cosignature by a required witness must verify.
    fn witnesses(&mut self, line: u64, note: &SignedNote, size: u64) -> Result<(), AuditFailure> {
        for key in &self.options.witness_keys {
            if !note.signatures.iter().any(|s| s.is_by(key)) {
                continue;
            }
            if note.cosigned_at(key).is_none() {
                return Err(fail(
                    None,
                    line,
                    format!(
                        "the cosignature by witness {} on checkpoint {size} does not verify",
                        key.name
                    ),
                ));
            }
            let best = self.witnessed.entry(key.name.clone()).or_default();
            *best = (*best).max(size);
        }
        Ok(())
    }

    fn finish(self, last_line: u64) -> Result<AuditReport, AuditFailure> {
        let size = self.frontier.size();
        if size != self.header.size {
            return Err(mismatch(
                None,
                last_line,
                "the export holds another number of entries than its header says",
                self.header.size,
                size,
            ));
        }
        match &self.last_checkpoint {
            Some(last) if last.size == size => {}
            _ if size == 0 => {}
            _ => {
                return Err(fail(
                    None,
                    last_line,
                    "the export does not end with the checkpoint of its whole tree (truncated?)",
                ))
            }
        }
        if let Some(trusted) = &self.trusted {
            if trusted.size > size {
                return Err(mismatch(
                    None,
                    last_line,
                    "the export is shorter than the trusted checkpoint: the log lost entries",
                    trusted.size,
                    size,
                ));
            }
        }
        for key in &self.options.witness_keys {
            if !self.witnessed.contains_key(&key.name) {
                return Err(fail(
                    None,
                    last_line,
                    format!("witness {} cosigned no checkpoint of this log", key.name),
                ));
            }
        }
        Ok(AuditReport {
            size,
            root: self.frontier.root(),
            checkpoints: self.checkpoints,
            witnessed: self.witnessed,
            spilled: self.replay.spilled(),
        })
    }
}

/// Checks signatures in parallel, 64 to a batch verification; on a failed batch, one by one
/// to find the culprit. Returns the earliest bad one.
fn first_bad_signature(
    parsed: &[Result<ParsedEntry, String>],
    pending: &[PendingSignature],
) -> Option<AuditFailure> {
    pending
        .par_chunks(64)
        .filter_map(|batch| {
            let entries: Vec<&ParsedEntry> = batch
                .iter()
                .filter_map(|p| parsed[p.parsed].as_ref().ok())
                .collect();
            let keys: Option<Vec<_>> = batch
                .iter()
                .map(|p| signing::verifying_key(&p.key))
                .collect();
            let messages: Vec<Vec<u8>> = entries.iter().map(|e| e.signed.message()).collect();
            if let Some(keys) = &keys {
                let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
                let signatures: Vec<_> = entries.iter().map(|e| e.signed.signature).collect();
                if signing::verify_batch(&refs, &signatures, keys) {
                    return None;
                }
            }
            batch.iter().zip(&entries).find_map(|(p, entry)| {
                let valid = signing::verifying_key(&p.key).is_some_and(|key| {
                    signing::verify_event(&key, &entry.signed.canonical, &entry.signed.signature)
                });
                (!valid).then(|| AuditFailure {
                    seq: Some(p.seq),
                    line: p.line,
                    what: format!(
                        "the signature does not verify under actor {}'s key as of this entry",
                        entry.signed.event.actor
                    ),
                    expected: None,
                    found: None,
                })
            })
        })
        .min_by_key(|failure| failure.line)
}
