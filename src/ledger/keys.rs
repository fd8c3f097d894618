//! A cache of actors' current public keys, decompressed once (decompressing an Ed25519 point
//! costs about half a verification), so that requests verify signatures without a database
//! round trip. It may be stale (another `serve` process rotated a key): the writer re-checks
//! every event against the key in the database, so staleness costs a second verification,
//! never a wrong decision.

use crate::domain::records::ActorRecord;
use crate::domain::signing;
use ed25519_dalek::VerifyingKey;
use std::collections::HashMap;
use std::sync::RwLock;
use uuid::Uuid;

#[derive(Default)]
pub struct KeyCache {
    keys: RwLock<HashMap<Uuid, VerifyingKey>>,
}

impl KeyCache {
    /// The cached key of an actor.
    pub fn get(&self, actor: &Uuid) -> Option<VerifyingKey> {
        self.keys.read().ok()?.get(actor).copied()
    }

    /// Remembers actors' current keys; revoked actors are forgotten.
    pub fn update<'a>(&self, actors: impl IntoIterator<Item = &'a ActorRecord>) {
        let Ok(mut keys) = self.keys.write() else {
            return;
        };
        for actor in actors {
            match signing::verifying_key(&actor.public_key) {
                Some(key) if !actor.revoked => keys.insert(actor.id, key),
                _ => keys.remove(&actor.id),
            };
        }
    }
}
