//! Whether a lot's or a container's stored row is what its own entries give (docs/audit.md),
//! as [`super::passport_state`] does for products: the entries are replayed with the writer's
//! own rules ([`decide`]) and the outcome compared with the row, so that a row edited in the
//! database is never shown as verified.
//!
//! A container's `packed` entries need the children they list, as they were when packed; the
//! container's chain alone does not have them. We take them as known-good inputs: each child's
//! current record rewound to the head the entry names beside it (its `prev`), loose, held by
//! the signer, in a state that may be packed. That is sound for the container because what
//! `packed` does to the container (its children list, nothing else) does not depend on the
//! child's other members, and each child's own chain (links, signatures, replay) is verified on
//! its own page. After packing, the children the replay produced are kept, so an `unpacked`, an
//! export or a correction on the container sees them exactly as the writer did (a packed child
//! has no events of its own until it is unpacked). What is compared is the container's own
//! members only: state, custodian, SSCC, children, transit, entries and head.

use super::passport_state::as_content;
use crate::domain::company_prefix::PrefixOwners;
use crate::domain::data::EventData;
use crate::domain::entry::ParsedEntry;
use crate::domain::event::Event;
use crate::domain::kinds::ProductState;
use crate::domain::records::{
    ActorRecord, CityRecord, ContainerRecord, LotRecord, SubjectRecord, SubjectRef, Transit,
};
use crate::domain::rules::{decide, Change, Clock, LedgerView};
use std::collections::HashMap;
use std::fmt::Display;
use uuid::Uuid;

/// The subjects the writer saw when it accepted the entries, as far as the replay needs them
/// (the product passport's replay uses it too).
pub(super) struct SubjectHistory<'a> {
    /// Every actor, not revoked (as in the product replay: an entry is accepted only from, and
    /// custody passes only to, an actor that is not revoked at the time).
    pub(super) actors: HashMap<Uuid, ActorRecord>,
    cities: &'a HashMap<String, CityRecord>,
    pub(super) subjects: HashMap<Uuid, SubjectRecord>,
    /// The seq of the entry being replayed: the writer's log size when it decided it (a
    /// transit and an undo name it).
    pub(super) seq: i64,
    /// None: prefix ownership decides only whether a registration is accepted, never the
    /// state it gives, and a prefix declared after a product was registered must not make its
    /// honest history look refused.
    prefixes: PrefixOwners,
}

impl<'a> SubjectHistory<'a> {
    /// Every actor as it was when it signed or received: not revoked. An entry is accepted
    /// only from, and custody passes only to, an actor that is not revoked; roles are fixed at
    /// registration and the key is checked by the chain's signature check, not here.
    pub(super) fn new(
        actors: &HashMap<Uuid, ActorRecord>,
        cities: &'a HashMap<String, CityRecord>,
    ) -> SubjectHistory<'a> {
        SubjectHistory {
            actors: actors
                .iter()
                .map(|(id, actor)| {
                    let as_then = ActorRecord {
                        revoked: false,
                        ..actor.clone()
                    };
                    (*id, as_then)
                })
                .collect(),
            cities,
            subjects: HashMap::new(),
            seq: 0,
            prefixes: PrefixOwners::default(),
        }
    }
}

impl LedgerView for SubjectHistory<'_> {
    fn log_size(&self) -> i64 {
        self.seq
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
        // Asked only when an admin is revoked, which is not a subject event.
        1
    }
    fn prefixes(&self) -> &PrefixOwners {
        &self.prefixes
    }
}

/// `None` when replaying `entries` (the subject's entries in log order, whose links were
/// checked) gives exactly `stored`, a lot or a container; else says how the stored state
/// differs, or which entry the rules refuse. `children` holds the current records of every
/// subject a container's entries list (unused for a lot).
pub fn stored_subject_differs(
    stored: &SubjectRecord,
    entries: &[ParsedEntry],
    actors: &HashMap<Uuid, ActorRecord>,
    cities: &HashMap<String, CityRecord>,
    children: &HashMap<Uuid, SubjectRecord>,
    clock_skew: chrono::Duration,
) -> Option<String> {
    let id = stored.id();
    let mut history = SubjectHistory::new(actors, cities);
    for parsed in entries {
        let event = &parsed.signed.event;
        history.seq = parsed.seq;
        if event.subject_id() != Some(id) {
            // An entry of the container a lot was packed in: what it did to the lot follows
            // from the entry and the lot alone (docs/lifecycle.md §8.1).
            let applied = history
                .subjects
                .get_mut(&id)
                .is_some_and(|lot| as_content(lot, event, parsed.seq));
            if !applied {
                return Some(format!(
                    "entry {} is not an event of this {}",
                    parsed.seq,
                    stored.kind()
                ));
            }
            if let Some(lot) = history.subjects.get_mut(&id) {
                lot.chain_entry(parsed.seq, parsed.leaf_hash);
            }
            continue;
        }
        if let EventData::Packed(data) = &event.data {
            for child in &data.children {
                let Some(child_id) = child
                    .product
                    .as_deref()
                    .or(child.lot.as_deref())
                    .and_then(|text| Uuid::parse_str(text).ok())
                else {
                    continue;
                };
                if let Some(current) = children.get(&child_id) {
                    let rewound = as_packed_then(current, event, parsed.seq, &child.prev);
                    history.subjects.insert(child_id, rewound);
                }
            }
        }
        let key = history
            .actors
            .get(&event.actor)
            .map(|actor| actor.public_key)
            .unwrap_or([0; 32]);
        let clock = Clock {
            now: parsed.recorded_at,
            skew: clock_skew,
        };
        match decide(&history, event, &key, clock) {
            Ok(Change::Subjects { changed, .. }) if !changed.is_empty() => {
                for mut subject in changed {
                    subject.chain_entry(parsed.seq, parsed.leaf_hash);
                    history.subjects.insert(subject.id(), subject);
                }
            }
            Ok(_) => {
                return Some(format!(
                    "entry {} is not an event of a {}",
                    parsed.seq,
                    stored.kind()
                ))
            }
            Err(rejection) => {
                return Some(format!(
                "its entries do not replay: the ledger's rules refuse entry {} ({}: {rejection})",
                parsed.seq,
                rejection.code()
            ))
            }
        }
    }
    let Some(replayed) = history.subjects.get(&id) else {
        return Some("it has no entries".into());
    };
    let differences = match (stored, replayed) {
        (SubjectRecord::Lot(stored), SubjectRecord::Lot(replayed)) => {
            lot_differences(stored, replayed)
        }
        (SubjectRecord::Container(stored), SubjectRecord::Container(replayed)) => {
            container_differences(stored, replayed)
        }
        _ => vec![format!("its entries are not a {}'s", stored.kind())],
    };
    (!differences.is_empty()).then(|| {
        format!(
            "the stored state differs from what its entries give: {}",
            differences.join("; ")
        )
    })
}

/// A child as the `packed` entry at `seq` found it, rewound from its current record: at the
/// head the entry names, loose, held by the signer, packable, not later than the entry (see
/// the module's comment for why this is a sound input for the container's replay).
fn as_packed_then(current: &SubjectRecord, event: &Event, seq: i64, prev: &str) -> SubjectRecord {
    let mut then = current.without_undo();
    let head = crate::domain::hash::Hash32::from_hex(prev).unwrap_or(current.head());
    let earlier: Vec<i64> = then
        .entry_seqs()
        .iter()
        .copied()
        .filter(|s| *s < seq)
        .collect();
    macro_rules! rewind {
        ($r:expr) => {{
            $r.entry_seqs = earlier;
            $r.head = head;
            $r.last_occurred_at = event.occurred_at;
        }};
    }
    match &mut then {
        SubjectRecord::Product(r) => rewind!(r),
        SubjectRecord::Lot(r) => rewind!(r),
        SubjectRecord::Container(r) => rewind!(r),
    }
    then.set_inside(None);
    then.set_transit(None);
    then.set_custodian(Some(event.actor));
    if !matches!(
        then.state(),
        ProductState::Collected | ProductState::ReuseReady
    ) {
        then.set_state(ProductState::Collected);
    }
    then
}

fn shown<T: Display>(value: &Option<T>) -> String {
    value
        .as_ref()
        .map_or_else(|| "none".to_string(), ToString::to_string)
}

fn transit(value: &Option<Transit>) -> String {
    value.as_ref().map_or_else(
        || "none".into(),
        |t| {
            format!(
                "to {} since entry {}{}",
                t.to,
                t.seq,
                t.document
                    .as_ref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default()
            )
        },
    )
}

/// Words, not a Debug list: "seq 3, 5 and 8".
fn seqs(values: &[i64]) -> String {
    match values.split_last() {
        None => "none".into(),
        Some((last, [])) => format!("seq {last}"),
        Some((last, rest)) => {
            let rest: Vec<String> = rest.iter().map(i64::to_string).collect();
            format!("seq {} and {last}", rest.join(", "))
        }
    }
}

fn refs(values: &[SubjectRef]) -> String {
    if values.is_empty() {
        return "none".into();
    }
    values
        .iter()
        .map(|r| format!("{} {}", r.kind, r.id))
        .collect::<Vec<_>>()
        .join(", ")
}

fn named(pairs: Vec<(&str, String, String)>) -> Vec<String> {
    pairs
        .into_iter()
        .filter(|(_, stored, replayed)| stored != replayed)
        .map(|(name, stored, replayed)| format!("{name} is {stored}, its entries give {replayed}"))
        .collect()
}

fn lot_differences(stored: &LotRecord, replayed: &LotRecord) -> Vec<String> {
    named(vec![
        (
            "state",
            stored.state.as_str().into(),
            replayed.state.as_str().into(),
        ),
        (
            "custodian",
            shown(&stored.custodian),
            shown(&replayed.custodian),
        ),
        (
            "category",
            stored.category.clone(),
            replayed.category.clone(),
        ),
        (
            "mass (g)",
            stored.mass_g.to_string(),
            replayed.mass_g.to_string(),
        ),
        ("units", shown(&stored.units), shown(&replayed.units)),
        ("channel", stored.channel.clone(), replayed.channel.clone()),
        (
            "aggregator",
            shown(&stored.aggregator),
            shown(&replayed.aggregator),
        ),
        (
            "collection",
            format!("{} on {}", stored.collected.city, stored.collected.on),
            format!("{} on {}", replayed.collected.city, replayed.collected.on),
        ),
        (
            "transit",
            transit(&stored.transit),
            transit(&replayed.transit),
        ),
        ("container", shown(&stored.inside), shown(&replayed.inside)),
        (
            "entries",
            seqs(&stored.entry_seqs),
            seqs(&replayed.entry_seqs),
        ),
        ("head", stored.head.to_hex(), replayed.head.to_hex()),
    ])
}

fn container_differences(stored: &ContainerRecord, replayed: &ContainerRecord) -> Vec<String> {
    named(vec![
        (
            "state",
            stored.state.as_str().into(),
            replayed.state.as_str().into(),
        ),
        (
            "custodian",
            shown(&stored.custodian),
            shown(&replayed.custodian),
        ),
        ("SSCC", shown(&stored.sscc), shown(&replayed.sscc)),
        ("contents", refs(&stored.children), refs(&replayed.children)),
        (
            "transit",
            transit(&stored.transit),
            transit(&replayed.transit),
        ),
        (
            "entries",
            seqs(&stored.entry_seqs),
            seqs(&replayed.entry_seqs),
        ),
        ("head", stored.head.to_hex(), replayed.head.to_hex()),
    ])
}
