//! Signature checks of the audit: in parallel, one at a time under the ledger's one rule
//! (`domain::signing`, the same check as at ingress), with each signer key checked and
//! decompressed once.

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

/// Checks the signatures; returns the earliest bad one.
pub(super) fn first_bad_signature(
    parsed: &[Result<ParsedEntry, String>],
    pending: &[PendingSignature],
) -> Option<AuditFailure> {
    pending
        .par_iter()
        .filter_map(|p| {
            let entry = parsed[p.parsed].as_ref().ok()?;
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
        .min_by_key(|failure| failure.line)
}
