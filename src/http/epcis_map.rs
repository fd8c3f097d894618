//! Logged entries mapped to EPCIS with what the mapping looks up (docs/epcis.md): the URIs of
//! the subjects they name (label URIs, SSCCs), the masses of the lots they name, the hand-over
//! a receipt answers, and for a correction the entry it corrects, so that its error
//! declaration follows it.

use super::problem::Problem;
use super::views::{product_uri, subject_uri};
use super::AppState;
use crate::domain::epcis::{primary_subject, EntryView, Links, Shipment};
use crate::domain::epcis_errors::{corrected_seq, epcis_events};
use crate::domain::kinds::SubjectKind;
use crate::domain::records::SubjectRecord;
use crate::ledger::read::LoggedEvent;
use crate::ledger::LedgerError;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

/// `leaf` is the entry's leaf hash in hex, computed by the caller so that it outlives the view.
fn view<'a>(entry: &'a LoggedEvent, leaf: &'a str) -> EntryView<'a> {
    EntryView {
        event: &entry.event,
        sig: &entry.sig,
        seq: entry.seq,
        leaf_hash: leaf,
        recorded_at: &entry.recorded_at,
    }
}

/// Every subject an event names: its primary subject and the children in its data.
fn named_subjects(event: &Value, into: &mut BTreeSet<(SubjectKind, String)>) {
    if let Some((kind, id)) = primary_subject(event) {
        into.insert((kind, id.to_string()));
    }
    let children = event
        .get("data")
        .and_then(|d| d.get("children"))
        .and_then(Value::as_array);
    for child in children.into_iter().flatten() {
        if let Some((kind, id)) = primary_subject(child) {
            into.insert((kind, id.to_string()));
        }
    }
}

/// The URIs, lot masses and chains of the subjects `entries` name, looked up once each.
struct Lookups {
    uris: HashMap<(SubjectKind, String), String>,
    masses: HashMap<String, u64>,
    /// Each subject's entry seqs, oldest first.
    chains: HashMap<(SubjectKind, String), Vec<i64>>,
}

async fn lookups(state: &AppState, entries: &[&LoggedEvent]) -> Result<Lookups, Problem> {
    let mut named = BTreeSet::new();
    for entry in entries {
        named_subjects(&entry.event, &mut named);
    }
    let mut found = Lookups {
        uris: HashMap::new(),
        masses: HashMap::new(),
        chains: HashMap::new(),
    };
    let products: Vec<String> = named
        .iter()
        .filter(|(kind, _)| *kind == SubjectKind::Product)
        .map(|(_, id)| id.clone())
        .collect();
    for product in state.ledger.products(products).await? {
        let key = (SubjectKind::Product, product.id.to_string());
        found
            .uris
            .insert(key.clone(), product_uri(&state.public_url, &product));
        found.chains.insert(key, product.entry_seqs);
    }
    // Lots and containers are few beside products: one read each.
    for (kind, id) in named.iter().filter(|(k, _)| *k != SubjectKind::Product) {
        let Ok(uuid) = Uuid::parse_str(id) else {
            continue;
        };
        let record = match state.ledger.subject(*kind, uuid).await {
            Ok(record) => record,
            Err(LedgerError::NotFound { .. }) => continue,
            Err(other) => return Err(other.into()),
        };
        if let SubjectRecord::Lot(lot) = &record {
            found.masses.insert(id.clone(), lot.mass_g);
        }
        found
            .uris
            .insert((*kind, id.clone()), subject_uri(&state.public_url, &record));
        found
            .chains
            .insert((*kind, id.clone()), record.entry_seqs().to_vec());
    }
    Ok(found)
}

/// The entry at `seq`, when the log has it.
async fn entry_at(state: &AppState, seq: i64) -> Result<Option<LoggedEvent>, Problem> {
    if seq < 0 {
        return Ok(None);
    }
    Ok(state.ledger.entries(seq, 1).await?.into_iter().next())
}

/// The hand-over each receipt among `entries` answers, by the receipt's seq: the entry before
/// it in its subject's chain (a subject in transit accepts nothing else).
async fn shipments(
    state: &AppState,
    entries: &[&LoggedEvent],
    chains: &HashMap<(SubjectKind, String), Vec<i64>>,
) -> Result<HashMap<i64, Shipment>, Problem> {
    let mut found = HashMap::new();
    for entry in entries {
        let kind = entry.event.get("kind").and_then(Value::as_str);
        if !matches!(kind, Some("received" | "receipt_refused")) {
            continue;
        }
        let Some((subject, id)) = primary_subject(&entry.event) else {
            continue;
        };
        let before = chains
            .get(&(subject, id.to_string()))
            .and_then(|chain| chain.iter().rev().find(|seq| **seq < entry.seq).copied());
        let Some(sent) = before else { continue };
        let Some(sent) = entry_at(state, sent).await? else {
            continue;
        };
        if sent.event.get("kind").and_then(Value::as_str) != Some("handed_over") {
            continue;
        }
        let text = |value: Option<&Value>| value.and_then(Value::as_str).map(String::from);
        found.insert(
            entry.seq,
            Shipment {
                sender: text(sent.event.get("actor")).unwrap_or_default(),
                document: text(sent.event.get("data").and_then(|d| d.get("document"))),
            },
        );
    }
    Ok(found)
}

/// The EPCIS events of each entry, in order: one per entry, two for a correction (its own and
/// the error declaration of the entry it corrects, read from the log: corrections are few).
pub async fn mapped_entries(
    state: &AppState,
    entries: &[LoggedEvent],
) -> Result<Vec<Vec<Value>>, Problem> {
    let mut corrected: HashMap<i64, LoggedEvent> = HashMap::new();
    for seq in entries.iter().filter_map(|e| corrected_seq(&e.event)) {
        if let Some(found) = entry_at(state, seq).await? {
            corrected.insert(seq, found);
        }
    }
    let all: Vec<&LoggedEvent> = entries.iter().chain(corrected.values()).collect();
    let Lookups {
        uris,
        masses,
        chains,
    } = lookups(state, &all).await?;
    let sent = shipments(state, &all, &chains).await?;
    let base = state.public_url.as_str();
    let subject_uri = |kind: SubjectKind, id: &str| {
        uris.get(&(kind, id.to_string()))
            .cloned()
            .unwrap_or_else(|| Links::fallback_uri(base, kind, id))
    };
    let lot_mass_g = |id: &str| masses.get(id).copied();
    let shipment = |seq: i64| sent.get(&seq).cloned();
    let links = Links {
        base,
        subject_uri: &subject_uri,
        lot_mass_g: &lot_mass_g,
        shipment: &shipment,
    };
    Ok(entries
        .iter()
        .map(|entry| {
            let leaf = entry.leaf_hash.to_hex();
            let erroneous = corrected_seq(&entry.event).and_then(|seq| corrected.get(&seq));
            let erroneous_leaf = erroneous.map(|e| e.leaf_hash.to_hex());
            let erroneous_view = erroneous
                .zip(erroneous_leaf.as_deref())
                .map(|(e, leaf)| view(e, leaf));
            epcis_events(&view(entry, &leaf), erroneous_view.as_ref(), &links)
        })
        .collect())
}

/// The EPCIS events of `entries`, in document order.
pub async fn mapped(state: &AppState, entries: &[LoggedEvent]) -> Result<Vec<Value>, Problem> {
    Ok(mapped_entries(state, entries)
        .await?
        .into_iter()
        .flatten()
        .collect())
}

/// The `error_declared` entry that corrects `entry`, if one does: a correction is allowed only
/// while the entry is its subject's head, so it is the next entry of the primary subject's
/// chain.
pub async fn correction_of(
    state: &AppState,
    entry: &LoggedEvent,
) -> Result<Option<LoggedEvent>, Problem> {
    let Some((kind, id)) = primary_subject(&entry.event) else {
        return Ok(None);
    };
    let Ok(id) = Uuid::parse_str(id) else {
        return Ok(None);
    };
    let chain = match kind {
        SubjectKind::Product => state.ledger.product(id).await.map(|p| p.entry_seqs),
        SubjectKind::Lot | SubjectKind::Container => state
            .ledger
            .subject(kind, id)
            .await
            .map(|s| s.entry_seqs().to_vec()),
    };
    let chain = match chain {
        Ok(chain) => chain,
        Err(LedgerError::NotFound { .. }) => return Ok(None),
        Err(other) => return Err(other.into()),
    };
    let Some(next) = chain.iter().copied().find(|seq| *seq > entry.seq) else {
        return Ok(None);
    };
    Ok(entry_at(state, next)
        .await?
        .filter(|next| corrected_seq(&next.event) == Some(entry.seq)))
}
