//! The state one append batch works on: what the database held when the batch took the lock,
//! plus every change made by the batch's earlier events. It is the [`LedgerView`] the rules
//! see, so an event may depend on one accepted a moment earlier in the same batch.

use crate::domain::company_prefix::PrefixOwners;
use crate::domain::hash::Hash32;
use crate::domain::kinds::Role;
use crate::domain::records::{ActorRecord, CityRecord, EntryRecord, LogHead, SubjectRecord};
use crate::domain::rules::LedgerView;
use crate::domain::stats::facts::Facts;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use uuid::Uuid;

/// Where an already recorded event id sits, to answer replays.
#[derive(Clone, Debug)]
pub struct RecordedEvent {
    pub event_hash: Hash32,
    pub seq: i64,
    pub leaf_hash: Hash32,
}

#[derive(Clone, Debug)]
pub struct BatchState {
    pub head: LogHead,
    pub actors: HashMap<Uuid, ActorRecord>,
    pub cities: HashMap<String, CityRecord>,
    /// Products, lots and containers.
    pub subjects: HashMap<Uuid, SubjectRecord>,
    pub events: HashMap<Uuid, RecordedEvent>,
    /// Active admins, when the batch revokes someone (otherwise not needed, not loaded).
    pub active_admins: usize,
    /// Every declared GS1 company prefix: few, so always all of them.
    pub prefixes: PrefixOwners,
    /// New entries, in seq order.
    pub entries: Vec<EntryRecord>,
    /// Actors and cities changed by this batch, with the seq of their latest change.
    pub changed_actors: BTreeMap<Uuid, i64>,
    pub changed_cities: BTreeMap<String, i64>,
    pub changed_subjects: BTreeSet<Uuid>,
    /// Subjects created by this batch: inserted, with nothing to replace.
    pub new_subjects: BTreeSet<Uuid>,
    /// What the batch adds to the statistics, written in its transaction.
    pub stat_facts: Facts,
}

impl BatchState {
    pub fn new(head: LogHead) -> BatchState {
        BatchState {
            head,
            actors: HashMap::new(),
            cities: HashMap::new(),
            subjects: HashMap::new(),
            events: HashMap::new(),
            active_admins: 0,
            prefixes: PrefixOwners::new(),
            entries: Vec::new(),
            changed_actors: BTreeMap::new(),
            changed_cities: BTreeMap::new(),
            changed_subjects: BTreeSet::new(),
            stat_facts: Facts::new(),
            new_subjects: BTreeSet::new(),
        }
    }

    /// Records an actor change, keeping the admin count right.
    pub fn put_actor(&mut self, record: ActorRecord, seq: i64) {
        let was_active_admin = self
            .actors
            .get(&record.id)
            .is_some_and(|a| a.has_role(Role::Admin) && !a.revoked);
        let is_active_admin = record.has_role(Role::Admin) && !record.revoked;
        match (was_active_admin, is_active_admin) {
            (false, true) => self.active_admins += 1,
            (true, false) => self.active_admins = self.active_admins.saturating_sub(1),
            _ => {}
        }
        if !self.actors.contains_key(&record.id) {
            self.prefixes.insert(record.id, &record.gs1_prefixes);
        }
        self.changed_actors.insert(record.id, seq);
        self.actors.insert(record.id, record);
    }

    pub fn put_city(&mut self, record: CityRecord, seq: i64) {
        self.changed_cities.insert(record.locode.clone(), seq);
        self.cities.insert(record.locode.clone(), record);
    }

    pub fn put_subject(&mut self, record: SubjectRecord) {
        let id = record.id();
        if !self.subjects.contains_key(&id) {
            self.new_subjects.insert(id);
        }
        self.changed_subjects.insert(id);
        self.subjects.insert(id, record);
    }
}

impl LedgerView for BatchState {
    fn log_size(&self) -> i64 {
        self.head.size
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
        self.active_admins
    }

    fn prefixes(&self) -> &PrefixOwners {
        &self.prefixes
    }
}

/// Actors and cities as the writer left them at its last commit, so that a batch need not
/// query them again. Valid only while nobody else appended since: when the log's size is not
/// what this writer left it at (another `serve` process on the same database wrote), the
/// cache starts over.
#[derive(Default)]
pub struct RegistryCache {
    size: Option<i64>,
    actors: HashMap<Uuid, ActorRecord>,
    cities: HashMap<String, CityRecord>,
    prefixes: Option<PrefixOwners>,
}

impl RegistryCache {
    /// Drops everything unless the log is still the size this writer committed.
    pub fn validate(&mut self, log_size: i64) {
        if self.size != Some(log_size) {
            self.forget();
        }
    }

    pub fn actor(&self, id: &Uuid) -> Option<&ActorRecord> {
        self.actors.get(id)
    }

    pub fn city(&self, locode: &str) -> Option<&CityRecord> {
        self.cities.get(locode)
    }

    /// Every declared prefix, when this writer has loaded them since the cache was valid.
    pub fn prefixes(&self) -> Option<&PrefixOwners> {
        self.prefixes.as_ref()
    }

    /// Takes in what a committed batch loaded and changed.
    pub fn remember(&mut self, state: &BatchState) {
        self.size = Some(state.head.size);
        self.actors
            .extend(state.actors.iter().map(|(id, a)| (*id, a.clone())));
        self.cities.extend(
            state
                .cities
                .iter()
                .map(|(code, c)| (code.clone(), c.clone())),
        );
        self.prefixes = Some(state.prefixes.clone());
    }

    pub fn forget(&mut self) {
        *self = RegistryCache::default();
    }
}
