//! The state an audit rebuilds by replaying the log with the ledger's own rules: the
//! [`LedgerView`] every entry is decided against, as of that entry. Actors and cities are few
//! and stay in memory; products and seen event ids are cached up to a budget and spilled to a
//! [`Scratch`] database beyond it, so memory does not grow with the log.

use crate::domain::company_prefix::PrefixOwners;
use crate::domain::hash::Hash32;
use crate::domain::kinds::Role;
use crate::domain::records::{ActorRecord, CityRecord, ProductRecord};
use crate::domain::rules::{Change, LedgerView};
use crate::storage::scratch::Scratch;
use crate::storage::StorageError;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use uuid::Uuid;

pub struct Replay {
    size: i64,
    actors: HashMap<Uuid, ActorRecord>,
    cities: HashMap<String, CityRecord>,
    /// Every GS1 company prefix declared so far, as the writer keeps them.
    prefixes: PrefixOwners,
    /// Products touched since the last spill (all of them, when nothing was spilled yet).
    products: HashMap<Uuid, ProductRecord>,
    /// Event ids seen since the last spill.
    event_ids: HashSet<Uuid>,
    /// Event ids of the current chunk that an earlier spill already holds.
    spilled_ids_in_chunk: HashSet<Uuid>,
    scratch: Option<Scratch>,
    scratch_dir: Option<PathBuf>,
    budget: usize,
}

impl LedgerView for Replay {
    fn log_size(&self) -> i64 {
        self.size
    }
    fn actor(&self, id: &Uuid) -> Option<&ActorRecord> {
        self.actors.get(id)
    }
    fn product(&self, id: &Uuid) -> Option<&ProductRecord> {
        self.products.get(id)
    }
    fn city(&self, locode: &str) -> Option<&CityRecord> {
        self.cities.get(locode)
    }
    fn active_admins(&self) -> usize {
        self.actors
            .values()
            .filter(|a| !a.revoked && a.has_role(Role::Admin))
            .count()
    }
    fn prefixes(&self) -> &PrefixOwners {
        &self.prefixes
    }
}

impl Replay {
    /// `budget`: how many products (and event ids) to hold in memory before spilling.
    /// Every city registered so far.
    pub fn cities(&self) -> Vec<CityRecord> {
        let mut cities: Vec<CityRecord> = self.cities.values().cloned().collect();
        cities.sort_by(|a, b| a.locode.cmp(&b.locode));
        cities
    }

    pub fn new(budget: usize, scratch_dir: Option<PathBuf>) -> Replay {
        Replay {
            size: 0,
            actors: HashMap::new(),
            cities: HashMap::new(),
            prefixes: PrefixOwners::new(),
            products: HashMap::new(),
            event_ids: HashSet::new(),
            spilled_ids_in_chunk: HashSet::new(),
            scratch: None,
            scratch_dir,
            budget: budget.max(1),
        }
    }

    /// Before a chunk: brings the products and event ids it names back from the spill.
    pub fn prefetch(&mut self, products: &[Uuid], events: &[Uuid]) -> Result<(), StorageError> {
        self.spilled_ids_in_chunk.clear();
        let Some(scratch) = self.scratch.as_mut() else {
            return Ok(());
        };
        let missing: Vec<String> = products
            .iter()
            .filter(|id| !self.products.contains_key(id))
            .map(Uuid::to_string)
            .collect();
        for record in scratch.products(&missing)? {
            self.products.insert(record.id, record);
        }
        let ids: Vec<Vec<u8>> = events.iter().map(|id| id.as_bytes().to_vec()).collect();
        for id in scratch.known_event_ids(&ids)? {
            if let Ok(id) = Uuid::from_slice(&id) {
                self.spilled_ids_in_chunk.insert(id);
            }
        }
        Ok(())
    }

    /// Records an event id; false if the log already holds it.
    pub fn first_use_of(&mut self, id: Uuid) -> bool {
        !self.spilled_ids_in_chunk.contains(&id) && self.event_ids.insert(id)
    }

    /// Applies an accepted entry's change, as the appender does.
    pub fn apply(&mut self, change: Change, seq: i64, leaf: Hash32) {
        match change {
            Change::Actor(actor) => {
                if !self.actors.contains_key(&actor.id) {
                    self.prefixes.insert(actor.id, &actor.gs1_prefixes);
                }
                self.actors.insert(actor.id, actor);
            }
            Change::City(city) => {
                self.cities.insert(city.locode.clone(), city);
            }
            Change::Product(mut product) => {
                product.entry_seqs.push(seq);
                product.head = leaf;
                self.products.insert(product.id, *product);
            }
            Change::LogOnly => {}
        }
        self.size = seq + 1;
    }

    /// After a chunk: spills what exceeds the budget.
    pub fn spill_if_over_budget(&mut self) -> Result<(), StorageError> {
        if self.products.len() <= self.budget && self.event_ids.len() <= self.budget {
            return Ok(());
        }
        if self.scratch.is_none() {
            self.scratch = Some(Scratch::create(self.scratch_dir.as_deref())?);
        }
        let Some(scratch) = self.scratch.as_mut() else {
            return Ok(());
        };
        if self.products.len() > self.budget {
            let records: Vec<ProductRecord> = self.products.drain().map(|(_, p)| p).collect();
            scratch.put_products(&records)?;
        }
        if self.event_ids.len() > self.budget {
            let ids: Vec<Vec<u8>> = self
                .event_ids
                .drain()
                .map(|id| id.as_bytes().to_vec())
                .collect();
            scratch.put_event_ids(&ids)?;
        }
        Ok(())
    }

    /// Whether anything was spilled (for the report).
    pub fn spilled(&self) -> bool {
        self.scratch.is_some()
    }
}
