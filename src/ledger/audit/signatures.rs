//! Signature checks of the audit: in parallel, 64 to an Ed25519 batch verification, with each
//! signer key decompressed once (decompression costs about a third of a verification).

use super::AuditFailure;
use crate::domain::entry::ParsedEntry;
use crate::domain::signing;
use ed25519_dalek::VerifyingKey;
use rayon::prelude::*;
use std::collections::HashMap;

/// An entry whose signature remains to be checked, under its signer's key as of that entry
/// (`None`: the registered key is not a valid Ed25519 key, so nothing can verify).
pub(super) struct PendingSignature {
    pub seq: u64,
    pub line: u64,
    pub key: Option<VerifyingKey>,
    /// Index into the chunk's parsed entries.
    pub parsed: usize,
}

/// Decompressed keys by their bytes; actors' keys are few.
#[derive(Default)]
pub(super) struct KeyCache(HashMap<[u8; 32], Option<VerifyingKey>>);

impl KeyCache {
    pub fn get(&mut self, bytes: &[u8; 32]) -> Option<VerifyingKey> {
        *self
            .0
            .entry(*bytes)
            .or_insert_with(|| signing::verifying_key(bytes))
    }
}

/// Checks the signatures; returns the earliest bad one. A failed batch is re-checked one
/// signature at a time to find the culprit.
pub(super) fn first_bad_signature(
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
            let keys: Option<Vec<VerifyingKey>> = batch.iter().map(|p| p.key).collect();
            if let Some(keys) = &keys {
                let messages: Vec<Vec<u8>> = entries.iter().map(|e| e.signed.message()).collect();
                let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
                let signatures: Vec<_> = entries.iter().map(|e| e.signed.signature).collect();
                if signing::verify_batch(&refs, &signatures, keys) {
                    return None;
                }
            }
            batch.iter().zip(&entries).find_map(|(p, entry)| {
                let valid = p.key.is_some_and(|key| {
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
