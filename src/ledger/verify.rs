//! Signature verification before the writer (ARCHITECTURE.md §2): in parallel on all cores,
//! with Ed25519 batch verification, so that the single writer only ever does the cheap part.

use super::{Ledger, LedgerError};
use crate::domain::data::EventData;
use crate::domain::event::SignedEvent;
use crate::domain::rejection::Rejection;
use crate::domain::signing;
use crate::storage::append;
use ed25519_dalek::VerifyingKey;
use rayon::prelude::*;
use uuid::Uuid;

/// Signatures checked together in one batch verification.
const VERIFY_CHUNK: usize = 64;
/// Up to this many submissions go to the cross-request batcher instead of the rayon pool.
const FEW: usize = 4;

/// An event whose signature verified under `verified_key`, or could not be checked yet because
/// its actor is not known here (`None`; the writer decides, see `appender::signer_key`).
#[derive(Clone, Debug)]
pub struct VerifiedEvent {
    pub signed: SignedEvent,
    pub verified_key: Option<[u8; 32]>,
}

/// The key that must have signed: a self-registration (the genesis) is signed by the key it
/// registers; every other event by its actor's current key.
fn claimed_key(
    signed: &SignedEvent,
    known: impl Fn(&Uuid) -> Option<VerifyingKey>,
) -> Option<VerifyingKey> {
    let event = &signed.event;
    match &event.data {
        EventData::ActorRegistered(data) if data.actor == event.actor.to_string() => {
            crate::domain::data::public_key("event.data.public_key", &data.public_key)
                .ok()
                .and_then(|bytes| signing::verifying_key(&bytes))
        }
        _ => known(&event.actor),
    }
}

/// The outcome of checking one signature, before stale keys are re-read.
struct Checked {
    signed: SignedEvent,
    key: Option<VerifyingKey>,
    valid: bool,
}

impl Ledger {
    /// Verifies many submissions in parallel. Unknown actors' keys are loaded in one query.
    pub async fn verify_all(
        &self,
        submissions: Vec<SignedEvent>,
    ) -> Result<Vec<Result<VerifiedEvent, Rejection>>, LedgerError> {
        let missing: Vec<String> = distinct(
            submissions
                .iter()
                .map(|s| s.event.actor)
                .filter(|actor| self.keys.get(actor).is_none()),
        );
        self.refresh_keys(missing).await?;
        let keys = self.keys.clone();
        let mut checked = if submissions.len() <= FEW {
            self.verify_few(submissions).await
        } else {
            tokio::task::spawn_blocking(move || {
                submissions
                    .into_par_iter()
                    .chunks(VERIFY_CHUNK)
                    .flat_map_iter(|chunk| verify_chunk(chunk, |actor| keys.get(actor)))
                    .collect::<Vec<_>>()
            })
            .await
            .map_err(|e| LedgerError::Internal(format!("verification panicked: {e}")))?
        };

        // A signature that failed under a cached key may be valid under a key that another
        // process rotated to: re-read those actors once and check again with what changed.
        // (Actors without a key here were just looked up above.)
        let failed_under_cached_key = |c: &Checked| c.key.is_some() && !c.valid;
        let failed = distinct(
            checked
                .iter()
                .filter(|c| failed_under_cached_key(c))
                .map(|c| c.signed.event.actor),
        );
        if !failed.is_empty() {
            self.refresh_keys(failed).await?;
            for item in checked.iter_mut().filter(|c| failed_under_cached_key(c)) {
                let fresh = claimed_key(&item.signed, |actor| self.keys.get(actor));
                if fresh.is_some() && fresh != item.key {
                    item.key = fresh;
                    item.valid = fresh.is_some_and(|key| {
                        signing::verify_event(&key, &item.signed.canonical, &item.signed.signature)
                    });
                }
            }
        }
        Ok(checked
            .into_iter()
            .map(|c| match (c.key, c.valid) {
                (None, _) => Ok(VerifiedEvent {
                    signed: c.signed,
                    verified_key: None,
                }),
                (Some(key), true) => Ok(VerifiedEvent {
                    signed: c.signed,
                    verified_key: Some(key.to_bytes()),
                }),
                (Some(_), false) => Err(Rejection::BadSignature {
                    actor: c.signed.event.actor,
                }),
            })
            .collect())
    }

    /// A request's few signatures, batched with other requests' (see [`super::batcher`]).
    async fn verify_few(&self, submissions: Vec<SignedEvent>) -> Vec<Checked> {
        let mut checked = Vec::with_capacity(submissions.len());
        for signed in submissions {
            let key = claimed_key(&signed, |actor| self.keys.get(actor));
            let valid = match key {
                Some(key) => {
                    self.batcher
                        .verify(signed.message(), signed.signature, key)
                        .await
                }
                None => false,
            };
            checked.push(Checked { signed, key, valid });
        }
        checked
    }

    async fn refresh_keys(&self, actors: Vec<String>) -> Result<(), LedgerError> {
        if actors.is_empty() {
            return Ok(());
        }
        let found = self
            .with_conn(move |conn| append::actors_by_id(conn, &actors))
            .await?;
        self.keys.update(&found);
        Ok(())
    }
}

fn distinct(ids: impl Iterator<Item = Uuid>) -> Vec<String> {
    let mut ids: Vec<String> = ids.map(|id| id.to_string()).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Verifies one chunk: first all at once (batch verification); only if that fails, one by one
/// to find the culprits. Events whose actor is unknown here are passed on unchecked.
fn verify_chunk(
    chunk: Vec<SignedEvent>,
    known: impl Fn(&Uuid) -> Option<VerifyingKey>,
) -> Vec<Checked> {
    let keys: Vec<Option<VerifyingKey>> = chunk.iter().map(|s| claimed_key(s, &known)).collect();
    let checkable: Vec<usize> = (0..chunk.len()).filter(|&i| keys[i].is_some()).collect();
    let messages: Vec<Vec<u8>> = checkable.iter().map(|&i| chunk[i].message()).collect();
    let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    let signatures: Vec<_> = checkable.iter().map(|&i| chunk[i].signature).collect();
    let verifying_keys: Vec<_> = checkable.iter().filter_map(|&i| keys[i]).collect();
    // Batch verification pays a fixed cost for its random scalars: worth it from two on.
    let all_valid = refs.len() > 1 && signing::verify_batch(&refs, &signatures, &verifying_keys);
    chunk
        .into_iter()
        .zip(keys)
        .map(|(signed, key)| {
            let valid = match &key {
                None => false,
                Some(vk) => {
                    all_valid || signing::verify_event(vk, &signed.canonical, &signed.signature)
                }
            };
            Checked { key, valid, signed }
        })
        .collect()
}
