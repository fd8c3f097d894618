//! The state an audit rebuilds by replaying the log with the ledger's own rules: the
//! [`LedgerView`] every entry is decided against, as of that entry. Actors and cities are few
//! and stay in memory; products and seen event ids are cached up to a budget and spilled to a
//! [`Scratch`] database beyond it, so memory does not grow with the log.

use crate::domain::company_prefix::PrefixOwners;
use crate::domain::hash::Hash32;
use crate::domain::kinds::Role;
use crate::domain::records::{ActorRecord, CityRecord, ProductRecord, SubjectRecord};
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
    /// Products touched since the last spill (all of them, when nothing was spilled yet), and
    /// every lot and container (they are few beside products, and are never spilled).
    subjects: HashMap<Uuid, SubjectRecord>,
    /// How many of `subjects` are products (what the budget counts).
    products_in_memory: usize,
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
    fn subject(&self, id: &Uuid) -> Option<&SubjectRecord> {
        self.subjects.get(id)
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
            subjects: HashMap::new(),
            products_in_memory: 0,
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
        self.prefetch_more(products)?;
        let Some(scratch) = self.scratch.as_mut() else {
            return Ok(());
        };
        let ids: Vec<Vec<u8>> = events.iter().map(|id| id.as_bytes().to_vec()).collect();
        for id in scratch.known_event_ids(&ids)? {
            if let Ok(id) = Uuid::from_slice(&id) {
                self.spilled_ids_in_chunk.insert(id);
            }
        }
        Ok(())
    }

    /// Brings spilled products back: before a chunk, and again within it for what the
    /// records name (a container's contents, a corrected entry's other subjects).
    pub fn prefetch_more(&mut self, products: &[Uuid]) -> Result<(), StorageError> {
        let Some(scratch) = self.scratch.as_mut() else {
            return Ok(());
        };
        let missing: Vec<String> = products
            .iter()
            .filter(|id| !self.subjects.contains_key(id))
            .map(Uuid::to_string)
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        for record in scratch.products(&missing)? {
            self.products_in_memory += 1;
            self.subjects
                .insert(record.id, SubjectRecord::Product(Box::new(record)));
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
            Change::Subjects { changed, .. } => {
                for mut subject in changed {
                    subject.chain_entry(seq, leaf);
                    let is_product = matches!(subject, SubjectRecord::Product(_));
                    if self.subjects.insert(subject.id(), subject).is_none() && is_product {
                        self.products_in_memory += 1;
                    }
                }
            }
            Change::LogOnly => {}
        }
        self.size = seq + 1;
    }

    /// After a chunk: spills what exceeds the budget.
    pub fn spill_if_over_budget(&mut self) -> Result<(), StorageError> {
        if self.products_in_memory <= self.budget && self.event_ids.len() <= self.budget {
            return Ok(());
        }
        if self.scratch.is_none() {
            self.scratch = Some(Scratch::create(self.scratch_dir.as_deref())?);
        }
        let products = if self.products_in_memory > self.budget {
            self.take_products()
        } else {
            Vec::new()
        };
        let Some(scratch) = self.scratch.as_mut() else {
            return Ok(());
        };
        if !products.is_empty() {
            scratch.put_products(&products)?;
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

    /// Moves the products out of memory, keeping lots and containers.
    fn take_products(&mut self) -> Vec<ProductRecord> {
        let mut products = Vec::with_capacity(self.products_in_memory);
        self.subjects.retain(|_, subject| match subject {
            SubjectRecord::Product(product) => {
                products.push((**product).clone());
                false
            }
            SubjectRecord::Lot(_) | SubjectRecord::Container(_) => true,
        });
        self.products_in_memory = 0;
        products
    }

    /// Every lot and container the entries leave, in id order (they are never spilled).
    pub fn lots_and_containers(&self) -> Vec<SubjectRecord> {
        let mut found: Vec<SubjectRecord> = self
            .subjects
            .values()
            .filter(|s| !matches!(s, SubjectRecord::Product(_)))
            .cloned()
            .collect();
        found.sort_by_key(SubjectRecord::id);
        found
    }

    /// Whether anything was spilled (for the report).
    pub fn spilled(&self) -> bool {
        self.scratch.is_some()
    }

    /// Every actor registered so far, by id.
    pub fn actors(&self) -> Vec<ActorRecord> {
        let mut actors: Vec<ActorRecord> = self.actors.values().cloned().collect();
        actors.sort_by_key(|a| a.id);
        actors
    }

    /// At the end: every product as the entries leave it, to be read in id order.
    pub fn into_products(mut self) -> Result<ReplayedProducts, StorageError> {
        let memory = self.take_products();
        match self.scratch {
            Some(mut scratch) => {
                // What was touched since the last spill replaces its spilled version.
                scratch.put_products(&memory)?;
                Ok(ReplayedProducts::Spilled(scratch))
            }
            None => {
                let mut sorted = memory;
                sorted.sort_by_key(|p| p.id);
                Ok(ReplayedProducts::InMemory(sorted))
            }
        }
    }
}

/// Every product the replay ends with, paged in id order (the order in which a server lists
/// them), whether it stayed in memory or was spilled to the scratch store.
pub enum ReplayedProducts {
    InMemory(Vec<ProductRecord>),
    Spilled(Scratch),
}

impl ReplayedProducts {
    /// The products after `after` (from the first when `None`), at most `limit`.
    pub fn page(
        &mut self,
        after: Option<&Uuid>,
        limit: usize,
    ) -> Result<Vec<ProductRecord>, StorageError> {
        match self {
            ReplayedProducts::InMemory(sorted) => {
                let start = match after {
                    Some(after) => sorted.partition_point(|p| p.id <= *after),
                    None => 0,
                };
                Ok(sorted.iter().skip(start).take(limit).cloned().collect())
            }
            ReplayedProducts::Spilled(scratch) => {
                scratch.products_after(after, i64::try_from(limit).unwrap_or(i64::MAX))
            }
        }
    }
}

impl std::fmt::Debug for ReplayedProducts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplayedProducts::InMemory(sorted) => write!(f, "{} products in memory", sorted.len()),
            ReplayedProducts::Spilled(_) => write!(f, "products in a scratch store"),
        }
    }
}
