//! The ledger's current state, derived from the log: the log's head, actors, cities and
//! products, and the entries a batch adds. Storage keeps these as rows so that a check reads
//! one row instead of replaying history; above storage, only these types travel.

use super::hash::Hash32;
use super::kinds::{Kind, ProductState, Role, SubjectKind};
use super::stats::facts::{Amount, FactKey};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
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
    /// The primary subject's id (product, lot or container), for subject events.
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Where it is going while a hand-over waits for the receiver (docs/lifecycle.md §8.3).
    pub transit: Option<Transit>,
    /// The container it is packed in: its custodian is the container's (§8.1).
    pub inside: Option<Uuid>,
    /// How to take back its latest entry, should that be declared an error (§8.4).
    pub undo: Option<Box<Undo>>,
}

/// A city and the UTC date of an event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

/// A hand-over that the receiver has not yet confirmed or refused (docs/lifecycle.md §8.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transit {
    pub to: Uuid,
    /// The `handed_over` entry.
    pub seq: i64,
    pub since: DateTime<Utc>,
    pub document: Option<String>,
}

/// What a subject's latest entry did, so that `error_declared` can take it back without
/// reading the log (docs/lifecycle.md §8.4): the subject as it was before, and on the primary
/// subject, the entry's signer, the other subjects it changed and the statistics it added.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Undo {
    pub seq: i64,
    pub signer: Uuid,
    /// The entry's primary subject: a correction is declared on it.
    pub primary: SubjectRef,
    /// `None` when the entry created the subject.
    pub before: Option<SubjectRecord>,
    /// The other subjects the entry changed (primary subject only).
    pub also: Vec<SubjectRef>,
    pub facts: Vec<(FactKey, Amount)>,
}

/// A subject by kind and id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SubjectRef {
    pub kind: SubjectKind,
    pub id: Uuid,
}

/// A weighed mass of uncounted WEEE or of material (docs/lifecycle.md §8.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LotRecord {
    pub id: Uuid,
    pub state: ProductState,
    pub custodian: Option<Uuid>,
    /// Its UNU-KEY, or `eu6:N` when weighed by EU-6 category only.
    pub category: String,
    pub mass_g: u64,
    /// Units counted at intake, when they were.
    pub units: Option<u64>,
    pub channel: String,
    pub aggregator: Option<String>,
    /// Where and when it was collected: its statistics count there.
    pub collected: Milestone,
    pub entry_seqs: Vec<i64>,
    pub head: Hash32,
    pub last_occurred_at: DateTime<Utc>,
    pub transit: Option<Transit>,
    pub inside: Option<Uuid>,
    pub undo: Option<Box<Undo>>,
}

/// A cage, gaylord, pallet or truck that holds products and lots (docs/lifecycle.md §8.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerRecord {
    pub id: Uuid,
    pub state: ProductState,
    pub custodian: Option<Uuid>,
    pub sscc: Option<String>,
    /// What is inside, in packing order.
    pub children: Vec<SubjectRef>,
    pub entry_seqs: Vec<i64>,
    pub head: Hash32,
    pub last_occurred_at: DateTime<Utc>,
    pub transit: Option<Transit>,
    /// Always `None`: containers do not nest.
    pub inside: Option<Uuid>,
    pub undo: Option<Box<Undo>>,
}

/// Any subject: what the custody rules, the chains and the pages share (docs/architecture.md,
/// "One notion of subject").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "subject", rename_all = "snake_case")]
pub enum SubjectRecord {
    Product(Box<ProductRecord>),
    Lot(Box<LotRecord>),
    Container(Box<ContainerRecord>),
}

/// Runs `$body` with `$r` bound to the record inside any subject: the shared members have the
/// same names in all three.
macro_rules! each {
    ($subject:expr, $r:ident => $body:expr) => {
        match $subject {
            SubjectRecord::Product($r) => $body,
            SubjectRecord::Lot($r) => $body,
            SubjectRecord::Container($r) => $body,
        }
    };
}

impl SubjectRecord {
    pub fn kind(&self) -> SubjectKind {
        match self {
            SubjectRecord::Product(_) => SubjectKind::Product,
            SubjectRecord::Lot(_) => SubjectKind::Lot,
            SubjectRecord::Container(_) => SubjectKind::Container,
        }
    }

    pub fn id(&self) -> Uuid {
        each!(self, r => r.id)
    }

    pub fn reference(&self) -> SubjectRef {
        SubjectRef {
            kind: self.kind(),
            id: self.id(),
        }
    }

    pub fn state(&self) -> ProductState {
        each!(self, r => r.state)
    }

    pub fn set_state(&mut self, state: ProductState) {
        each!(self, r => r.state = state)
    }

    pub fn custodian(&self) -> Option<Uuid> {
        each!(self, r => r.custodian)
    }

    pub fn set_custodian(&mut self, custodian: Option<Uuid>) {
        each!(self, r => r.custodian = custodian)
    }

    pub fn head(&self) -> Hash32 {
        each!(self, r => r.head)
    }

    /// Seq of the subject's latest entry.
    pub fn head_seq(&self) -> i64 {
        each!(self, r => r.entry_seqs.last().copied().unwrap_or_default())
    }

    pub fn last_occurred_at(&self) -> DateTime<Utc> {
        each!(self, r => r.last_occurred_at)
    }

    pub fn transit(&self) -> Option<&Transit> {
        each!(self, r => r.transit.as_ref())
    }

    pub fn set_transit(&mut self, transit: Option<Transit>) {
        each!(self, r => r.transit = transit)
    }

    pub fn inside(&self) -> Option<Uuid> {
        each!(self, r => r.inside)
    }

    pub fn set_inside(&mut self, container: Option<Uuid>) {
        each!(self, r => r.inside = container)
    }

    pub fn undo(&self) -> Option<&Undo> {
        each!(self, r => r.undo.as_deref())
    }

    pub fn entry_seqs(&self) -> &[i64] {
        each!(self, r => &r.entry_seqs)
    }

    /// After an accepted entry: it is the subject's head now, dated `occurred_at`, and
    /// `undo` says how to take it back.
    pub fn advance(&mut self, occurred_at: DateTime<Utc>, undo: Option<Box<Undo>>) {
        each!(self, r => {
            r.last_occurred_at = occurred_at;
            r.undo = undo;
        })
    }

    /// Once the entry has its seq and leaf hash: it joins the subject's chain.
    pub fn chain_entry(&mut self, seq: i64, leaf: Hash32) {
        each!(self, r => {
            r.entry_seqs.push(seq);
            r.head = leaf;
        })
    }

    /// Takes `other`'s chain (entries, head, latest time): a restored subject's chain goes on.
    pub fn take_chain_from(&mut self, other: &SubjectRecord) {
        let (seqs, head, last) =
            each!(other, r => (r.entry_seqs.clone(), r.head, r.last_occurred_at));
        each!(self, r => {
            r.entry_seqs = seqs;
            r.head = head;
            r.last_occurred_at = last;
        })
    }

    /// The record without its undo, as an undo keeps it (one level is all a correction needs:
    /// once corrected, the correction is the head).
    pub fn without_undo(&self) -> SubjectRecord {
        let mut copy = self.clone();
        each!(&mut copy, r => r.undo = None);
        copy
    }

    /// The product, when the subject is one.
    pub fn product(&self) -> Option<&ProductRecord> {
        match self {
            SubjectRecord::Product(p) => Some(p),
            SubjectRecord::Lot(_) | SubjectRecord::Container(_) => None,
        }
    }
}

impl SubjectRef {
    pub fn product(id: Uuid) -> SubjectRef {
        SubjectRef {
            kind: SubjectKind::Product,
            id,
        }
    }
}
