//! A cache of actors' current public keys, so that requests verify signatures without a
//! database round trip. It may be stale (another `serve` process rotated a key): the writer
//! re-checks every event against the key in the database, so staleness costs a second
//! verification, never a wrong decision.

use crate::domain::records::ActorRecord;
use std::collections::HashMap;
use std::sync::RwLock;
use uuid::Uuid;

#[derive(Default)]
pub struct KeyCache {
    keys: RwLock<HashMap<Uuid, [u8; 32]>>,
}

impl KeyCache {
    /// The cached key of an actor.
    pub fn get(&self, actor: &Uuid) -> Option<[u8; 32]> {
        self.keys.read().ok()?.get(actor).copied()
    }

    /// Remembers actors' current keys; revoked actors are forgotten.
    pub fn update<'a>(&self, actors: impl IntoIterator<Item = &'a ActorRecord>) {
        let Ok(mut keys) = self.keys.write() else {
            return;
        };
        for actor in actors {
            if actor.revoked {
                keys.remove(&actor.id);
            } else {
                keys.insert(actor.id, actor.public_key);
            }
        }
    }
}
