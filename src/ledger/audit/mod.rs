//! The offline audit (docs/audit.md): reads an export line by line and checks, without
//! trusting the server, every entry's bytes, seq and global `prev` link, every signature against
//! the key registry as of that entry, the rules (roles, custody, per-product `prev`, the state
//! machine) by replaying them, every checkpoint's signature and root against the entries, each
//! checkpoint against the one before by its consistency proof, and witness cosignatures.
//!
//! Memory stays constant: entries are processed in chunks, the tree is a frontier of O(log n)
//! hashes, and replay state beyond a budget is spilled to a scratch database (`replay.rs`).
//!
//! The chunks flow through a three-stage pipeline so that both cores stay busy: while chunk
//! `k` is replayed in order (`checks.rs`), chunk `k+1` is parsed and the signatures of chunk
//! `k-1` are verified (`signatures.rs`), in parallel.

mod checks;
pub(crate) mod replay;
mod signatures;

use crate::domain::checkpoint::verify_checkpoint;
use crate::domain::entry::{parse_entry, ParsedEntry};
use crate::domain::export::{self, ExportHeader};
use crate::domain::hash::Hash32;
use crate::domain::note::VerifierKey;
use crate::storage::StorageError;
use checks::{fail, mismatch, Auditor};
use rayon::prelude::*;
pub use replay::ReplayedProducts;
use signatures::{first_bad_signature, PendingSignature};
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

/// Entries per chunk unless told otherwise: `audit verify --chunk-entries` and docs/audit.md.
pub const DEFAULT_CHUNK_ENTRIES: usize = 2048;

impl AuditOptions {
    pub fn new(log_key: VerifierKey) -> AuditOptions {
        AuditOptions {
            log_key,
            witness_keys: Vec::new(),
            trusted_checkpoint: None,
            memory_budget: 200_000,
            chunk_entries: DEFAULT_CHUNK_ENTRIES,
            scratch_dir: None,
            clock_skew: crate::ledger::LedgerSettings::default().clock_skew,
        }
    }
}

/// A successful audit.
#[derive(Debug)]
pub struct AuditReport {
    pub size: u64,
    pub root: Hash32,
    pub checkpoints: u64,
    /// Each required witness and the largest tree it cosigned.
    pub witnessed: BTreeMap<String, u64>,
    /// Whether the replay state outgrew memory and was spilled to disk.
    pub spilled: bool,
    /// The state the entries give, to compare with everything a server serves (docs/audit.md):
    /// the registered actors (by id) and cities (by LOCODE), every product (paged in id order)
    /// and the statistics' facts.
    pub actors: Vec<crate::domain::records::ActorRecord>,
    pub cities: Vec<crate::domain::records::CityRecord>,
    pub products: ReplayedProducts,
    /// Every lot and container, in id order.
    pub subjects: Vec<crate::domain::records::SubjectRecord>,
    pub statistics: crate::domain::stats::facts::Facts,
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

/// A line of a chunk.
enum Item {
    Entry { line: u64, bytes: Vec<u8> },
    Checkpoint { line: u64, bytes: Vec<u8> },
}

/// A chunk whose entries are parsed (in parallel), ready to be replayed.
struct ParsedChunk {
    items: Vec<Item>,
    /// One per entry item, in order.
    parsed: Vec<Result<ParsedEntry, String>>,
}

fn parse_chunk(items: Vec<Item>) -> ParsedChunk {
    let parsed = items
        .par_iter()
        .filter_map(|item| match item {
            Item::Entry { bytes, .. } => Some(parse_entry(bytes)),
            Item::Checkpoint { .. } => None,
        })
        .collect();
    ParsedChunk { items, parsed }
}

/// Reads the export's lines into chunks of `size` entries.
struct Chunks<R> {
    lines: std::io::Split<R>,
    line: u64,
    size: usize,
}

impl<R: BufRead> Chunks<R> {
    fn next(&mut self) -> Result<Option<Vec<Item>>, std::io::Error> {
        let mut items = Vec::new();
        let mut entries = 0;
        while entries < self.size {
            let Some(bytes) = self.lines.next().transpose()? else {
                break;
            };
            self.line += 1;
            let line = self.line;
            if bytes.is_empty() {
                continue;
            }
            if bytes.starts_with(b"{\"event\":") {
                entries += 1;
                items.push(Item::Entry { line, bytes });
            } else {
                items.push(Item::Checkpoint { line, bytes });
            }
        }
        Ok((!items.is_empty()).then_some(items))
    }
}

/// The earlier of two failures; on the same line the signature is the more fundamental fault.
fn earliest(bad_signature: Option<AuditFailure>, other: AuditFailure) -> AuditFailure {
    match bad_signature {
        Some(bad) if bad.line <= other.line => bad,
        _ => other,
    }
}

/// Audits an export read from `input`.
pub fn audit(
    input: impl BufRead + Send,
    options: &AuditOptions,
    progress: &dyn Progress,
) -> Result<AuditReport, AuditError> {
    let failed = |failure| AuditError::Failed(failure);
    let mut lines = input.split(b'\n');
    let header_line = lines
        .next()
        .transpose()?
        .ok_or_else(|| failed(fail(None, 1, "the export is empty")))?;
    let header: ExportHeader = crate::domain::json::parse(&header_line)
        .map_err(|e| e.to_string())
        .and_then(|value| serde_json::from_value(value).map_err(|e| e.to_string()))
        .map_err(|e| {
            failed(fail(
                None,
                1,
                format!("the export's header is invalid: {e}"),
            ))
        })?;
    if header.export != export::EXPORT_FORMAT {
        let found = header.export.clone();
        return Err(failed(mismatch(
            None,
            1,
            "unknown export format",
            export::EXPORT_FORMAT,
            found,
        )));
    }
    if header.log_key != options.log_key.to_text() {
        // The export's key is never trusted; a mismatch means the wrong log or the wrong key.
        let found = header.log_key.clone();
        return Err(failed(mismatch(
            None,
            1,
            "the export names another log key than the one given",
            options.log_key.to_text(),
            found,
        )));
    }
    let trusted = match &options.trusted_checkpoint {
        Some(note) => Some(
            verify_checkpoint(note, &options.log_key)
                .map_err(|e| {
                    failed(fail(
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
    let mut auditor = Auditor::new(options, header, trusted);
    let mut chunks = Chunks {
        lines,
        line: 1,
        size: options.chunk_entries.max(1),
    };
    // The pipeline: while chunk `k` is replayed and chunk `k+2` read (in order, one thread),
    // chunk `k+1` is parsed and the signatures of chunk `k-1` are verified (all threads).
    let mut raw = chunks.next()?;
    let mut parsed: Option<ParsedChunk> = None;
    let mut replayed: Option<(ParsedChunk, Vec<PendingSignature>)> = None;
    while raw.is_some() || parsed.is_some() || replayed.is_some() {
        let ((replay_outcome, next_raw), (next_parsed, bad_signature)) = rayon::join(
            || {
                let outcome = parsed.as_ref().map(|chunk| auditor.replay_chunk(chunk));
                (outcome, chunks.next())
            },
            || {
                let verified = replayed
                    .as_ref()
                    .and_then(|(chunk, pending)| first_bad_signature(&chunk.parsed, pending));
                (raw.take().map(parse_chunk), verified)
            },
        );
        // The verified chunk precedes the replayed one: its failures come first.
        if let Some(bad) = bad_signature {
            return Err(failed(bad));
        }
        replayed = match (parsed.take(), replay_outcome) {
            (Some(chunk), Some((pending, None))) => {
                auditor.spill_if_over_budget()?;
                progress.advance(auditor.entries());
                Some((chunk, pending))
            }
            (Some(chunk), Some((pending, Some(failure)))) => {
                let bad = first_bad_signature(&chunk.parsed, &pending);
                return Err(failed(earliest(bad, failure)));
            }
            _ => None,
        };
        parsed = next_parsed;
        raw = next_raw?;
    }
    auditor.finish(chunks.line).map_err(failed)
}
