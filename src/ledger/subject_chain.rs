//! The page of a lot or a container (docs/lifecycle.md §8): the subject, its entries, the
//! container it is in or what it contains, and whether its chain verifies here and now, by the
//! same checks as a product passport ([`super::passport`]): links, signatures, the replay of
//! its entries against its stored row, and the inclusion of its head in the latest checkpoint.

use super::passport::{check_links, check_signatures, parse_all, ChainCheck};
use super::read::LoggedEvent;
use super::subject_state::stored_subject_differs;
use super::{Ledger, LedgerError};
use crate::domain::entry::ParsedEntry;
use crate::domain::kinds::SubjectKind;
use crate::domain::records::{ActorRecord, CityRecord, SubjectRecord, SubjectRef};
use std::collections::HashMap;
use uuid::Uuid;

/// Everything a lot's or a container's page shows.
pub struct SubjectPage {
    pub subject: SubjectRecord,
    /// Its entries as stored, for the JSON answer.
    pub events: Vec<LoggedEvent>,
    /// The same entries parsed (one that does not parse is left out, and `chain` names it).
    pub entries: Vec<ParsedEntry>,
    pub actors: HashMap<Uuid, ActorRecord>,
    pub cities: HashMap<String, CityRecord>,
    pub chain: ChainCheck,
    /// The container it is packed in, when it is.
    pub container: Option<SubjectRecord>,
    /// For a container: what is inside, as currently recorded, in packing order.
    pub contents: Vec<SubjectRecord>,
}

/// Links, parsing, signatures and the replay, without the database: the subject's chain as far
/// as its entries alone (and, for a container, its children's records) can tell.
pub fn check_subject_entries(
    subject: &SubjectRecord,
    events: &[LoggedEvent],
    actors: &HashMap<Uuid, ActorRecord>,
    cities: &HashMap<String, CityRecord>,
    children: &HashMap<Uuid, SubjectRecord>,
    clock_skew: chrono::Duration,
) -> (Result<(), String>, Vec<ParsedEntry>) {
    let noun = subject.kind().as_str();
    let (malformed, entries) = parse_all(events);
    let checked = check_links(subject.id(), subject.head(), noun, events)
        .and_then(|()| malformed.map_or(Ok(()), Err))
        .and_then(|()| check_signatures(&entries, actors))
        // Served state that its entries do not give is never shown as verified.
        .and_then(|()| {
            stored_subject_differs(subject, &entries, actors, cities, children, clock_skew)
                .map_or(Ok(()), Err)
        });
    (checked, entries)
}

impl Ledger {
    /// A lot's or a container's page; "not found" names what was asked for.
    pub async fn subject_page(
        &self,
        kind: SubjectKind,
        id: Uuid,
    ) -> Result<SubjectPage, LedgerError> {
        let subject = self.subject(kind, id).await?;
        let events = self.subject_events(kind, id).await?;
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
        // Every subject the container's entries ever listed: the replay needs them as inputs
        // (src/ledger/subject_state.rs), the page the ones still inside.
        let mut listed: Vec<SubjectRef> = Vec::new();
        for entry in &events {
            for child in entry
                .event
                .pointer("/data/children")
                .and_then(|c| c.as_array())
                .into_iter()
                .flatten()
            {
                let found = [("product", SubjectKind::Product), ("lot", SubjectKind::Lot)]
                    .into_iter()
                    .find_map(|(member, kind)| {
                        let id = child.get(member)?.as_str()?;
                        Some(SubjectRef {
                            kind,
                            id: Uuid::parse_str(id).ok()?,
                        })
                    });
                if let Some(found) = found.filter(|f| !listed.contains(f)) {
                    listed.push(found);
                }
            }
        }
        let mut children: HashMap<Uuid, SubjectRecord> = HashMap::new();
        if kind == SubjectKind::Container {
            for reference in &listed {
                if let Some(found) = self.any_subject(*reference).await? {
                    children.insert(reference.id, found);
                }
            }
        }
        let contents: Vec<SubjectRecord> = match &subject {
            SubjectRecord::Container(container) => container
                .children
                .iter()
                .filter_map(|r| children.get(&r.id).cloned())
                .collect(),
            SubjectRecord::Product(_) | SubjectRecord::Lot(_) => Vec::new(),
        };
        let container = self.container_of(&subject).await?;
        let clock_skew = self.clock_skew;
        let (checked, entries, subject, events, actors, cities) =
            tokio::task::spawn_blocking(move || {
                let (checked, entries) = check_subject_entries(
                    &subject, &events, &actors, &cities, &children, clock_skew,
                );
                (checked, entries, subject, events, actors, cities)
            })
            .await
            .map_err(|e| LedgerError::Internal(format!("a chain check panicked: {e}")))?;
        let chain = match checked {
            Err(why) => ChainCheck::Broken(why),
            Ok(()) => {
                self.check_inclusion(subject.head_seq(), subject.head(), events.len())
                    .await?
            }
        };
        Ok(SubjectPage {
            subject,
            events,
            entries,
            actors,
            cities,
            chain,
            container,
            contents,
        })
    }

    /// A product, lot or container by reference, when recorded.
    pub async fn any_subject(
        &self,
        reference: SubjectRef,
    ) -> Result<Option<SubjectRecord>, LedgerError> {
        let found = match reference.kind {
            SubjectKind::Product => self
                .product(reference.id)
                .await
                .map(|p| SubjectRecord::Product(Box::new(p))),
            SubjectKind::Lot | SubjectKind::Container => {
                self.subject(reference.kind, reference.id).await
            }
        };
        match found {
            Ok(found) => Ok(Some(found)),
            Err(LedgerError::NotFound { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }
}
