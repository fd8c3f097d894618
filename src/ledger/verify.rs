//! Signature verification before the writer (docs/architecture.md): in parallel on all cores,
//! one signature at a time under the ledger's one rule (`domain::signing`), so that the single
//! writer only ever does the cheap part.

use super::{Ledger, LedgerError};
use crate::domain::data::EventData;
use crate::domain::event::SignedEvent;
use crate::domain::hash::Hash32;
use crate::domain::rejection::Rejection;
use crate::domain::signing;
use crate::storage::append;
use ed25519_dalek::VerifyingKey;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Up to this many submissions are verified on the request's own task: handing them to the
/// rayon pool would cost more than it saves.
const FEW: usize = 4;

/// An event on its way to the writer, with what verification found (the writer decides the
/// rest, see `appender::signer_key`).
#[derive(Clone, Debug)]
pub struct VerifiedEvent {
    pub signed: SignedEvent,
    pub signature: SignatureCheck,
}

/// What verification before the writer found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureCheck {
    /// The signature verifies under this key.
    Valid([u8; 32]),
    /// It does not verify under this key, but the identical event is already in the log: the
    /// writer answers the replay with its original receipt (the signer's key may have been
    /// rotated since), and refuses anything else.
    InvalidReplay([u8; 32]),
    /// The actor is not known here (only the genesis can pass).
    Unchecked,
}

/// The key that must have signed: a self-registration (the genesis) is signed by the key it
/// registers; every other event by its actor's current key.
fn claimed_key(
    signed: &SignedEvent,
    known: impl Fn(&Uuid) -> Option<VerifyingKey>,
) -> Option<VerifyingKey> {
    let event = &signed.event;
    if let EventData::ActorRegistered(data) = &event.data {
        if data.actor == event.actor.to_string() {
            return crate::domain::data::public_key("event.data.public_key", &data.public_key)
                .ok()
                .and_then(|bytes| signing::verifying_key(&bytes));
        }
    }
    known(&event.actor)
}

/// The outcome of checking one signature, before stale keys are re-read.
struct Checked {
    signed: SignedEvent,
    key: Option<VerifyingKey>,
    valid: bool,
}

impl Ledger {
    /// Verifies many submissions in parallel. Unknown actors' keys are loaded in one query.
    pub(super) async fn verify_all(
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
        let check = move |signed| check_one(signed, |actor| keys.get(actor));
        let mut checked: Vec<Checked> = if submissions.len() <= FEW {
            submissions.into_iter().map(check).collect()
        } else {
            tokio::task::spawn_blocking(move || submissions.into_par_iter().map(check).collect())
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
        let replays = self.recorded_identically(&checked).await?;
        Ok(checked
            .into_iter()
            .map(|c| {
                let signature = match (c.key, c.valid) {
                    (None, _) => SignatureCheck::Unchecked,
                    (Some(key), true) => SignatureCheck::Valid(key.to_bytes()),
                    (Some(key), false) if replays.contains(&c.signed.event.id) => {
                        SignatureCheck::InvalidReplay(key.to_bytes())
                    }
                    (Some(_), false) => {
                        return Err(Rejection::BadSignature {
                            actor: c.signed.event.actor.into(),
                        })
                    }
                };
                Ok(VerifiedEvent {
                    signed: c.signed,
                    signature,
                })
            })
            .collect())
    }

    /// The ids of the events whose signature failed but which are already in the log, byte for
    /// byte the same event (one query, only when something failed).
    async fn recorded_identically(
        &self,
        checked: &[Checked],
    ) -> Result<HashSet<Uuid>, LedgerError> {
        let failed: HashMap<Vec<u8>, Hash32> = checked
            .iter()
            .filter(|c| c.key.is_some() && !c.valid)
            .map(|c| (c.signed.event.id.as_bytes().to_vec(), c.signed.event_hash()))
            .collect();
        if failed.is_empty() {
            return Ok(HashSet::new());
        }
        let ids: Vec<Vec<u8>> = failed.keys().cloned().collect();
        let recorded = self
            .with_conn(move |conn| append::entries_by_event_id(conn, &ids))
            .await?;
        Ok(recorded
            .into_iter()
            .filter(|row| {
                failed
                    .get(&row.event_id)
                    .is_some_and(|hash| hash.0.as_slice() == row.event_hash.as_slice())
            })
            .filter_map(|row| Uuid::from_slice(&row.event_id).ok())
            .collect())
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

/// Checks one signature under its claimed key. Events whose actor is unknown here are passed
/// on unchecked (the writer decides).
fn check_one(signed: SignedEvent, known: impl Fn(&Uuid) -> Option<VerifyingKey>) -> Checked {
    let key = claimed_key(&signed, known);
    let valid =
        key.is_some_and(|key| signing::verify_event(&key, &signed.canonical, &signed.signature));
    Checked { signed, key, valid }
}
