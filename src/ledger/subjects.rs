//! The read side of lots, containers and hand-overs in transit (docs/lifecycle.md §8).

use super::read::LoggedEvent;
use super::{Ledger, LedgerError};
use crate::domain::kinds::SubjectKind;
use crate::domain::records::SubjectRecord;
use crate::storage::{read, subjects};
use chrono::{DateTime, Utc};
use uuid::Uuid;

impl Ledger {
    /// A lot or a container; "not found" names what was asked for.
    pub async fn subject(&self, kind: SubjectKind, id: Uuid) -> Result<SubjectRecord, LedgerError> {
        let found = self
            .with_conn(move |c| subjects::subject(c, kind, &id))
            .await?;
        found.ok_or_else(|| LedgerError::NotFound {
            what: match kind {
                SubjectKind::Product => "Product",
                SubjectKind::Lot => "Lot",
                SubjectKind::Container => "Container",
            },
            id: id.to_string(),
        })
    }

    /// Every lot, or every container, in id order.
    pub async fn subjects_of_kind(
        &self,
        kind: SubjectKind,
    ) -> Result<Vec<SubjectRecord>, LedgerError> {
        self.with_conn(move |c| subjects::all_of_kind(c, kind))
            .await
    }

    /// A lot's or container's events in log order.
    pub async fn subject_events(
        &self,
        kind: SubjectKind,
        id: Uuid,
    ) -> Result<Vec<LoggedEvent>, LedgerError> {
        let subject = self.subject(kind, id).await?;
        let seqs = subject.entry_seqs().to_vec();
        self.with_conn(move |c| read::entries_by_seq(c, &seqs))
            .await?
            .into_iter()
            .map(|row| LoggedEvent::from_row(row).map_err(LedgerError::from))
            .collect()
    }

    /// Every subject still in transit, handed over before `older_than` when given, to `to`
    /// when given: oldest hand-over first.
    pub async fn in_transit(
        &self,
        to: Option<Uuid>,
        older_than: Option<DateTime<Utc>>,
    ) -> Result<Vec<SubjectRecord>, LedgerError> {
        let mut found = self
            .with_conn(move |c| subjects::in_transit(c, to.as_ref()))
            .await?;
        found.retain(|s| {
            s.transit()
                .is_some_and(|t| older_than.is_none_or(|limit| t.since < limit))
        });
        found.sort_by_key(|s| s.transit().map(|t| (t.since, t.seq)));
        Ok(found)
    }

    /// The container a product or lot is packed in, when it is.
    pub async fn container_of(
        &self,
        subject: &SubjectRecord,
    ) -> Result<Option<SubjectRecord>, LedgerError> {
        match subject.inside() {
            Some(id) => self.subject(SubjectKind::Container, id).await.map(Some),
            None => Ok(None),
        }
    }
}
