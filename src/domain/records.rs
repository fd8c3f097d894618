//! The ledger's current state, derived from the log: the log's head, actors, cities and
//! products, and the entries a batch adds. Storage keeps these as rows so that a check reads
//! one row instead of replaying history; above storage, only these types travel.

use super::hash::Hash32;
use super::kinds::{Kind, ProductState, Role};
use chrono::{DateTime, NaiveDateTime, Utc};
use uuid::Uuid;

/// The log's size, its latest leaf hash and when its latest entry was recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogHead {
    pub size: i64,
    pub head: Hash32,
    pub last_recorded_at: Option<NaiveDateTime>,
}

/// One new entry of the log with the columns that index it (docs/ledger-format.md).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryRecord {
    pub seq: i64,
    pub leaf_hash: Hash32,
    pub event_id: Uuid,
    pub event_hash: Hash32,
    pub kind: Kind,
    pub actor: Uuid,
    pub product: Option<Uuid>,
    pub recorded_at: NaiveDateTime,
    /// The entry's canonical bytes, as hashed into the tree.
    pub bytes: Vec<u8>,
}

/// A signing identity and its active key (docs/lifecycle.md).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActorRecord {
    pub id: Uuid,
    pub org: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub public_key: [u8; 32],
    pub city: Option<String>,
    pub revoked: bool,
    /// The seq and `occurred_at` of the actor's `actor_registered` entry: nothing it signs
    /// may be dated earlier (docs/ledger-format.md §1).
    pub registered_seq: i64,
    pub registered_at: DateTime<Utc>,
    /// The GS1 company prefixes it declared (docs/lifecycle.md, "Identifiers and labels"); they stay its own after a
    /// revocation, so that nobody else can take over its GTINs.
    pub gs1_prefixes: Vec<String>,
    /// Every key it has held, oldest first, each with the seq of the entry that registered or
    /// rotated to it: the key that had to sign the entry at a seq is the last one from before
    /// it ([`ActorRecord::key_at`]; the passport checks signatures with it). The last is
    /// `public_key`.
    pub key_history: Vec<KeyPeriod>,
}

/// A key and the seq of the entry that made it the actor's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyPeriod {
    pub from_seq: i64,
    pub public_key: [u8; 32],
}

impl ActorRecord {
    /// Whether the actor holds `role`.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The key that was the actor's when the entry at `seq` was appended (a self-registration,
    /// the genesis, is signed by the key it registers).
    pub fn key_at(&self, seq: i64) -> Option<[u8; 32]> {
        self.key_history
            .iter()
            .rev()
            .find(|period| period.from_seq <= seq)
            .map(|period| period.public_key)
    }
}

/// A registered city (UN/LOCODE) with its population for per-capita figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CityRecord {
    pub locode: String,
    pub name: String,
    pub country: String,
    pub population: u64,
    pub population_year: u16,
}

/// One physical unit and where it is in its life.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductRecord {
    pub id: Uuid,
    pub state: ProductState,
    /// Who holds the product while it is waste (docs/lifecycle.md).
    pub custodian: Option<Uuid>,
    /// GTIN-14, when labelled.
    pub gtin: Option<String>,
    pub serial: Option<String>,
    pub unu_key: String,
    /// Declared weight at registration.
    pub weight_g: u64,
    /// Weight measured at collection, when recorded.
    pub measured_weight_g: Option<u64>,
    /// Mass of components removed by depollution so far.
    pub removed_g: u64,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub manufactured_on: Option<String>,
    pub hazards: Vec<String>,
    /// The seqs of the product's entries, oldest first (its registration is the first).
    /// Kept with the product instead of in an index on the log, which would cost one more
    /// random B-tree page per appended event.
    pub entry_seqs: Vec<i64>,
    /// Leaf hash of the product's latest entry: what the next event's `prev` must name.
    pub head: Hash32,
    /// The latest `occurred_at` among the product's entries: the next one may not be earlier
    /// (docs/ledger-format.md §1). Since the ledger keeps them in order, it is the head's.
    pub last_occurred_at: DateTime<Utc>,
    /// Where and when it was first sold (`placed_on_market`), and last collected: the
    /// statistics attribute sales to the first and treatment to the second (docs/kpis.md).
    pub sold: Option<Milestone>,
    pub collected: Option<Milestone>,
}

/// A city and the UTC date of an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Milestone {
    pub city: String,
    pub on: chrono::NaiveDate,
}

impl ProductRecord {
    /// Seq of the product's latest entry.
    pub fn head_seq(&self) -> i64 {
        self.entry_seqs.last().copied().unwrap_or_default()
    }

    /// The mass that treatment starts from: measured at collection, else declared.
    pub fn input_mass_g(&self) -> u64 {
        self.measured_weight_g.unwrap_or(self.weight_g)
    }

    /// What is left after depollution.
    pub fn remaining_mass_g(&self) -> u64 {
        self.input_mass_g().saturating_sub(self.removed_g)
    }
}
