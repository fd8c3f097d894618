//! Whether a product's stored row is what its own entries give (docs/audit.md). The row is
//! what pages show; the entries are what is signed and proven. The passport replays the
//! product's entries with the writer's own rules ([`decide`]) and compares the outcome with the
//! row, so that a row edited in the database is never shown as verified.

use super::subject_state::SubjectHistory;
use crate::domain::data::EventData;
use crate::domain::entry::ParsedEntry;
use crate::domain::records::{
    ActorRecord, CityRecord, Milestone, ProductRecord, SubjectRecord, Undo,
};
use crate::domain::rules::{decide, Change, Clock};
use std::collections::HashMap;
use std::fmt::Display;
use uuid::Uuid;

/// `None` when replaying `entries` (the product's entries, in log order, whose links were
/// checked) gives exactly `stored`; else says plainly how the stored state differs from what
/// the entries give, or which entry the rules refuse.
pub fn stored_state_differs(
    stored: &ProductRecord,
    entries: &[ParsedEntry],
    actors: &HashMap<Uuid, ActorRecord>,
    cities: &HashMap<String, CityRecord>,
    clock_skew: chrono::Duration,
) -> Option<String> {
    let mut history = SubjectHistory::new(actors, cities);
    for parsed in entries {
        let event = &parsed.signed.event;
        history.seq = parsed.seq;
        let key = history
            .actors
            .get(&event.actor)
            .map(|actor| actor.public_key)
            .unwrap_or([0; 32]);
        let clock = Clock {
            now: parsed.recorded_at,
            skew: clock_skew,
        };
        if event.product() != Some(stored.id) {
            // An entry of the container it was packed in: what the entry did to the product
            // follows from the entry and the product alone (docs/lifecycle.md §8.1).
            let applied = history
                .subjects
                .get_mut(&stored.id)
                .is_some_and(|product| as_content(product, event, parsed.seq));
            if !applied {
                return Some(format!(
                    "entry {} is not an event of this product",
                    parsed.seq
                ));
            }
            if let Some(product) = history.subjects.get_mut(&stored.id) {
                product.chain_entry(parsed.seq, parsed.leaf_hash);
            }
            continue;
        }
        match decide(&history, event, &key, clock) {
            Ok(Change::Subjects { mut changed, .. }) if !changed.is_empty() => {
                let mut product = changed.swap_remove(0);
                product.chain_entry(parsed.seq, parsed.leaf_hash);
                history.subjects.insert(stored.id, product);
            }
            Ok(_) => return Some(format!("entry {} is not an event of a product", parsed.seq)),
            Err(rejection) => {
                return Some(format!(
                "its entries do not replay: the ledger's rules refuse entry {} ({}: {rejection})",
                parsed.seq,
                rejection.code()
            ))
            }
        }
    }
    let replayed = history.subjects.remove(&stored.id)?;
    let Some(replayed) = replayed.product() else {
        return Some("its entries are not a product's".into());
    };
    let differences = differences(stored, replayed);
    (!differences.is_empty()).then(|| {
        format!(
            "the stored state differs from what its entries give: {}",
            differences.join("; ")
        )
    })
}

/// What an entry whose subject is a container does to a product it lists (packing, unpacking,
/// a correction of one of those), as the writer's rules do it (docs/lifecycle.md §8.1).
pub(super) fn as_content(
    product: &mut SubjectRecord,
    event: &crate::domain::event::Event,
    seq: i64,
) -> bool {
    let undo = |product: &SubjectRecord| Undo {
        seq,
        signer: event.actor,
        primary: event.subject.unwrap_or(product.reference()),
        before: Some(product.without_undo()),
        also: Vec::new(),
        facts: Vec::new(),
    };
    let undo = match &event.data {
        EventData::Packed(_) => {
            let undo = undo(product);
            product.set_inside(event.subject_id());
            Some(undo)
        }
        EventData::Unpacked(_) => {
            let undo = undo(product);
            product.set_inside(None);
            product.set_custodian(Some(event.actor));
            Some(undo)
        }
        EventData::ErrorDeclared(_) => {
            let Some(undo) = product.undo().cloned() else {
                return false;
            };
            *product = crate::domain::corrections::restored(product, &undo);
            None
        }
        _ => return false,
    };
    product.advance(event.occurred_at, undo.map(Box::new));
    true
}

/// Each member of the row that the replay does not give, as `name is X, its entries give Y`.
fn differences(stored: &ProductRecord, replayed: &ProductRecord) -> Vec<String> {
    fn shown<T: Display>(value: &Option<T>) -> String {
        value
            .as_ref()
            .map_or_else(|| "none".to_string(), ToString::to_string)
    }
    fn milestone(value: &Option<Milestone>) -> String {
        value
            .as_ref()
            .map_or_else(|| "none".into(), |m| format!("{} on {}", m.city, m.on))
    }
    fn transit(value: &Option<crate::domain::records::Transit>) -> String {
        value.as_ref().map_or_else(
            || "none".into(),
            |t| format!("to {} since entry {}", t.to, t.seq),
        )
    }
    fn listed(values: &[String]) -> String {
        if values.is_empty() {
            "none".into()
        } else {
            values.join(", ")
        }
    }
    // Words, not a Debug list: "seq 3, 5 and 8".
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
    let pairs = [
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
        ("brand", shown(&stored.brand), shown(&replayed.brand)),
        ("model", shown(&stored.model), shown(&replayed.model)),
        ("GTIN", shown(&stored.gtin), shown(&replayed.gtin)),
        ("serial", shown(&stored.serial), shown(&replayed.serial)),
        ("UNU-KEY", stored.unu_key.clone(), replayed.unu_key.clone()),
        (
            "declared weight (g)",
            stored.weight_g.to_string(),
            replayed.weight_g.to_string(),
        ),
        (
            "measured weight (g)",
            shown(&stored.measured_weight_g),
            shown(&replayed.measured_weight_g),
        ),
        (
            "removed (g)",
            stored.removed_g.to_string(),
            replayed.removed_g.to_string(),
        ),
        (
            "manufactured on",
            shown(&stored.manufactured_on),
            shown(&replayed.manufactured_on),
        ),
        (
            "transit",
            transit(&stored.transit),
            transit(&replayed.transit),
        ),
        ("container", shown(&stored.inside), shown(&replayed.inside)),
        (
            "hazards",
            listed(&stored.hazards),
            listed(&replayed.hazards),
        ),
        (
            "entries",
            seqs(&stored.entry_seqs),
            seqs(&replayed.entry_seqs),
        ),
        ("head", stored.head.to_hex(), replayed.head.to_hex()),
        (
            "first sale",
            milestone(&stored.sold),
            milestone(&replayed.sold),
        ),
        (
            "collection",
            milestone(&stored.collected),
            milestone(&replayed.collected),
        ),
    ];
    pairs
        .into_iter()
        .filter(|(_, stored, replayed)| stored != replayed)
        .map(|(name, stored, replayed)| format!("{name} is {stored}, its entries give {replayed}"))
        .collect()
}
