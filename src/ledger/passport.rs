//! A product's passport: the product, its events, who recorded them where, and whether its
//! chain verifies here and now (docs/lifecycle.md, "Identifiers and labels", the label resolver).

use super::passport_state::stored_state_differs;
use super::read::LoggedEvent;
use super::{Ledger, LedgerError};
use crate::domain::checkpoint::verify_checkpoint;
use crate::domain::company_prefix::{brand_owner, BrandOwner, PrefixOwners};
use crate::domain::entry::{parse_entry, ParsedEntry};
use crate::domain::gtin::Gtin14;
use crate::domain::hash::{leaf_hash, Hash32};
use crate::domain::merkle;
use crate::domain::records::{ActorRecord, CityRecord, ProductRecord};
use crate::domain::signing;
use ed25519_dalek::VerifyingKey;
use rayon::prelude::*;
use std::collections::HashMap;
use uuid::Uuid;

/// Everything a passport page shows.
pub struct Passport {
    pub product: ProductRecord,
    /// The product's entries as stored, for the JSON answer.
    pub events: Vec<LoggedEvent>,
    /// The same entries parsed into typed events, for pages (one that does not parse is left
    /// out, and `chain` names it).
    pub entries: Vec<ParsedEntry>,
    pub actors: HashMap<Uuid, ActorRecord>,
    pub cities: HashMap<String, CityRecord>,
    pub chain: ChainCheck,
    /// For a labelled product: whether its GTIN is under its registrant's GS1 prefix.
    pub brand_owner: Option<BrandOwner>,
}

/// The brand-owner status of a labelled product, from the registry's declared prefixes and the
/// signer of the product's first entry (its registration).
fn brand_status(
    product: &ProductRecord,
    entries: &[ParsedEntry],
    actors: &HashMap<Uuid, ActorRecord>,
) -> Option<BrandOwner> {
    let gtin = Gtin14::parse(product.gtin.as_deref()?).ok()?;
    // The registration: the product's first entry, if it parsed.
    let registration = entries
        .first()
        .filter(|entry| product.entry_seqs.first() == Some(&entry.seq))?;
    let registrant = registration.signed.event.actor;
    let mut owners = PrefixOwners::new();
    for actor in actors.values() {
        owners.insert(actor.id, &actor.gs1_prefixes);
    }
    Some(brand_owner(&owners, &gtin, registrant))
}

/// The outcome of checking the product's chain against the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainCheck {
    /// Every entry hashes to its leaf, every `prev` names the product's previous entry, every
    /// signature verifies under its signer's key of the time, the entries replayed with the
    /// ledger's rules give the stored product, and the latest entry
    /// is proven included in the log's signed checkpoint of this size.
    Verified { events: usize, checkpoint_size: u64 },
    /// What does not hold.
    Broken(String),
}

/// A subject's chain links: leaf hashes recomputed from the bytes, each entry's `prev` for
/// this subject the subject's previous leaf, the last one the subject's head. `noun` names the
/// subject in messages ("product", "lot", "container").
pub(super) fn check_links(
    id: Uuid,
    head: Hash32,
    noun: &str,
    events: &[LoggedEvent],
) -> Result<(), String> {
    let mut previous: Option<Hash32> = None;
    for entry in events {
        if leaf_hash(&entry.bytes) != entry.leaf_hash {
            return Err(format!(
                "entry {} does not hash to its leaf hash",
                entry.seq
            ));
        }
        let prev = prev_of(entry, id);
        if prev != previous {
            return Err(format!(
                "entry {} does not name the {noun}'s previous entry as its prev",
                entry.seq
            ));
        }
        previous = Some(entry.leaf_hash);
    }
    if previous != Some(head) {
        return Err(format!("the {noun}'s head is not its latest entry"));
    }
    Ok(())
}

/// The `prev` an entry names for a subject: the event's own when the subject is its primary
/// subject (`product`, `lot` or `container`), else the one beside it in the children the
/// entry lists (docs/lifecycle.md §8).
fn prev_of(entry: &LoggedEvent, subject: Uuid) -> Option<Hash32> {
    let event = &entry.event;
    let text = subject.to_string();
    let names = |value: &serde_json::Value| {
        ["product", "lot", "container"]
            .iter()
            .any(|member| value.get(*member).and_then(|p| p.as_str()) == Some(text.as_str()))
    };
    if names(event) {
        return event
            .get("prev")
            .and_then(|p| p.as_str())
            .and_then(Hash32::from_hex);
    }
    event
        .pointer("/data/children")
        .and_then(|c| c.as_array())
        .into_iter()
        .flatten()
        .find(|child| names(child))
        .and_then(|child| child.get("prev")?.as_str())
        .and_then(Hash32::from_hex)
}

/// Every entry's signature, under its signer's key as of that entry, by the ledger's one
/// signature rule (docs/ledger-format.md §1.1): the same check as at ingress and in the audit.
/// Each key is checked and decompressed once (that costs about a verification), and the
/// signatures are verified on all cores; the first that fails is named.
pub(super) fn check_signatures(
    entries: &[ParsedEntry],
    actors: &HashMap<Uuid, ActorRecord>,
) -> Result<(), String> {
    let key_bytes: Vec<Option<[u8; 32]>> = entries
        .iter()
        .map(|entry| {
            actors
                .get(&entry.signed.event.actor)
                .and_then(|actor| actor.key_at(entry.seq))
        })
        .collect();
    let mut keys: HashMap<[u8; 32], Option<VerifyingKey>> = HashMap::new();
    for bytes in key_bytes.iter().flatten() {
        keys.entry(*bytes)
            .or_insert_with(|| signing::verifying_key(bytes));
    }
    let first_invalid = entries
        .par_iter()
        .zip(&key_bytes)
        .position_first(|(entry, bytes)| {
            let key = bytes.and_then(|bytes| keys[&bytes]);
            let signed = &entry.signed;
            !key.is_some_and(|key| {
                signing::verify_event(&key, &signed.canonical, &signed.signature)
            })
        });
    match first_invalid {
        None => Ok(()),
        Some(index) => Err(format!(
            "the signature of entry {} does not verify under its signer's key as of that entry",
            entries[index].seq
        )),
    }
}

/// Parses every entry: the ones that parse, and the first that does not, named.
pub(super) fn parse_all(events: &[LoggedEvent]) -> (Option<String>, Vec<ParsedEntry>) {
    let parsed: Vec<Result<ParsedEntry, String>> = events
        .par_iter()
        .map(|entry| {
            parse_entry(&entry.bytes)
                .map_err(|why| format!("entry {} is malformed: {why}", entry.seq))
        })
        .collect();
    let malformed = parsed
        .iter()
        .find_map(|entry| entry.as_ref().err().cloned());
    (
        malformed,
        parsed.into_iter().filter_map(Result::ok).collect(),
    )
}

/// Everything the passport checks without the database: the links, that every entry parses,
/// the signatures and the replay of the entries against the stored product. Answers the
/// entries that parse, whatever the outcome.
fn check_entries(
    product: &ProductRecord,
    events: &[LoggedEvent],
    actors: &HashMap<Uuid, ActorRecord>,
    cities: &HashMap<String, CityRecord>,
    clock_skew: chrono::Duration,
) -> (Result<(), String>, Vec<ParsedEntry>) {
    let (malformed, entries) = parse_all(events);
    let checked = check_links(product.id, product.head, "product", events)
        .and_then(|()| malformed.map_or(Ok(()), Err))
        .and_then(|()| check_signatures(&entries, actors))
        // Served state that its entries do not give is never shown as verified.
        .and_then(|()| {
            stored_state_differs(product, &entries, actors, cities, clock_skew).map_or(Ok(()), Err)
        });
    (checked, entries)
}

impl Ledger {
    pub async fn passport(&self, id: Uuid) -> Result<Passport, LedgerError> {
        let product = self.product(id).await?;
        let events = self.product_events(id).await?;
        let actors: HashMap<Uuid, ActorRecord> = self
            .actors()
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        let cities: HashMap<String, CityRecord> = self
            .cities()
            .await?
            .into_iter()
            .map(|c| (c.locode.clone(), c))
            .collect();
        // Signature checks are CPU work: off the async workers, as database work is.
        let clock_skew = self.clock_skew;
        let (checked, entries, product, events, actors, cities) =
            tokio::task::spawn_blocking(move || {
                let (checked, entries) =
                    check_entries(&product, &events, &actors, &cities, clock_skew);
                (checked, entries, product, events, actors, cities)
            })
            .await
            .map_err(|e| LedgerError::Internal(format!("a passport check panicked: {e}")))?;
        let brand_owner = brand_status(&product, &entries, &actors);
        let chain = match checked {
            Err(why) => ChainCheck::Broken(why),
            Ok(()) => {
                self.check_inclusion(product.head_seq(), product.head, events.len())
                    .await?
            }
        };
        Ok(Passport {
            product,
            events,
            entries,
            actors,
            cities,
            chain,
            brand_owner,
        })
    }

    /// Proves a subject's latest entry (`seq`, leaf hash `head`) is in the latest signed
    /// checkpoint.
    pub(super) async fn check_inclusion(
        &self,
        seq: i64,
        head: Hash32,
        events: usize,
    ) -> Result<ChainCheck, LedgerError> {
        let note = self.checkpoint(false).await?;
        let checkpoint = match verify_checkpoint(&note, self.log_key()) {
            Ok(verified) => verified.checkpoint,
            Err(e) => return Ok(ChainCheck::Broken(format!("the log's checkpoint: {e}"))),
        };
        let seq = seq as u64;
        let proof = self.inclusion_proof(seq, checkpoint.size).await?;
        let included = proof.leaf_hash == head
            && merkle::verify_inclusion(
                seq,
                checkpoint.size,
                &proof.leaf_hash,
                &proof.path,
                &checkpoint.root,
            );
        Ok(if included {
            ChainCheck::Verified {
                events,
                checkpoint_size: checkpoint.size,
            }
        } else {
            ChainCheck::Broken(format!(
                "entry {seq} is not proven included in the checkpoint of size {}",
                checkpoint.size
            ))
        })
    }
}
