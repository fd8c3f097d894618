//! The checks an audit makes in log order (docs/audit.md): each entry's place, links,
//! signer key and rules, each checkpoint's signature, root, consistency and cosignatures.

use super::replay::Replay;
use super::signatures::{KeyCache, PendingSignature};
use super::{AuditFailure, AuditOptions, AuditReport, Item, ParsedChunk};
use crate::domain::checkpoint::{verify_checkpoint, Checkpoint};
use crate::domain::data::EventData;
use crate::domain::entry::ParsedEntry;
use crate::domain::export::{self, ExportHeader, ExportLine};
use crate::domain::hash::Hash32;
use crate::domain::kinds::SubjectKind;
use crate::domain::merkle::{self, Frontier};
use crate::domain::note::SignedNote;
use crate::domain::rules::{decide, Clock, LedgerView};
use crate::domain::stats::facts::{add_all, facts_of_change, Facts};
use crate::domain::subject_rules::{also_touched, may_touch_more};
use crate::storage::StorageError;
use std::collections::BTreeMap;

pub(super) struct Auditor<'a> {
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
    keys: KeyCache,
    /// The statistics' facts, recomputed as the entries are replayed.
    statistics: Facts,
}

pub(super) fn fail(seq: Option<u64>, line: u64, what: impl Into<String>) -> AuditFailure {
    AuditFailure {
        seq,
        line,
        what: what.into(),
        expected: None,
        found: None,
    }
}

pub(super) fn mismatch(
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

impl<'a> Auditor<'a> {
    pub fn new(
        options: &'a AuditOptions,
        header: ExportHeader,
        trusted: Option<Checkpoint>,
    ) -> Self {
        Auditor {
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
            keys: KeyCache::default(),
            statistics: Facts::new(),
        }
    }

    /// Entries verified so far.
    pub fn entries(&self) -> u64 {
        self.frontier.size()
    }

    pub fn spill_if_over_budget(&mut self) -> Result<(), StorageError> {
        self.replay.spill_if_over_budget()
    }

    /// Replays a parsed chunk in log order. Returns the signatures still to check and the
    /// first failure, if any (the replay stops there).
    pub fn replay_chunk(
        &mut self,
        chunk: &ParsedChunk,
    ) -> (Vec<PendingSignature>, Option<AuditFailure>) {
        let mut pending = Vec::new();
        let mut products = Vec::new();
        let mut events = Vec::new();
        for entry in chunk.parsed.iter().flatten() {
            let event = &entry.signed.event;
            events.push(event.id);
            products.extend(event.product());
            products.extend(
                event
                    .data
                    .listed_subject_refs()
                    .iter()
                    .filter(|s| s.kind == SubjectKind::Product)
                    .map(|s| s.id),
            );
        }
        // What containers and corrections change beyond what the events name: the replay knows
        // every container, and a corrected entry's other subjects are in its subject's record.
        let mut prefetched = self.replay.prefetch(&products, &events);
        if prefetched.is_ok() {
            let more: Vec<_> = chunk
                .parsed
                .iter()
                .flatten()
                .filter_map(|entry| {
                    let event = &entry.signed.event;
                    if !may_touch_more(event) {
                        return None;
                    }
                    let record = event.subject.and_then(|s| self.replay.subject(&s.id))?;
                    Some(also_touched(event, record))
                })
                .flatten()
                .filter(|s| s.kind == SubjectKind::Product)
                .map(|s| s.id)
                .collect();
            prefetched = self.replay.prefetch_more(&more);
        }
        if let Err(e) = prefetched {
            return (
                pending,
                Some(fail(
                    None,
                    0,
                    format!("the audit's scratch store failed: {e}"),
                )),
            );
        }
        let mut next_parsed = 0;
        for item in &chunk.items {
            let outcome = match item {
                Item::Entry { line, .. } => {
                    next_parsed += 1;
                    self.entry(
                        *line,
                        &chunk.parsed[next_parsed - 1],
                        next_parsed - 1,
                        &mut pending,
                    )
                }
                Item::Checkpoint { line, bytes } => self.checkpoint(*line, bytes),
            };
            if let Err(failure) = outcome {
                return (pending, Some(failure));
            }
        }
        (pending, None)
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
            if let EventData::ActorRegistered(data) = &event.data {
                crate::domain::data::public_key("data.public_key", &data.public_key).ok()
            } else {
                None
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
                key: self.keys.get(&key),
                parsed: index,
            });
        }
        add_all(&mut self.statistics, facts_of_change(event, &change));
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

    pub fn finish(self, last_line: u64) -> Result<AuditReport, AuditFailure> {
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
        let (spilled, actors, cities, subjects) = (
            self.replay.spilled(),
            self.replay.actors(),
            self.replay.cities(),
            self.replay.lots_and_containers(),
        );
        let products = self.replay.into_products().map_err(|e| {
            fail(
                None,
                last_line,
                format!("the audit's scratch store failed: {e}"),
            )
        })?;
        Ok(AuditReport {
            size,
            root: self.frontier.root(),
            checkpoints: self.checkpoints,
            witnessed: self.witnessed,
            spilled,
            actors,
            cities,
            products,
            subjects,
            statistics: self.statistics,
        })
    }
}
