//! The read side: actors, cities, products and their events, straight from the current-state
//! tables (no replay of the log).

use super::{Ledger, LedgerError};
use crate::domain::hash::Hash32;
use crate::domain::records::{ActorRecord, CityRecord, LogHead, ProductRecord};
use crate::storage::{read, rows::EntryRow, StorageError};
use serde_json::Value;
use uuid::Uuid;

/// One entry as shown to readers: its position, hash and the signed event it holds.
#[derive(Clone, Debug)]
pub struct LoggedEvent {
    pub seq: i64,
    pub leaf_hash: Hash32,
    pub recorded_at: String,
    pub event: Value,
    pub sig: String,
    pub bytes: Vec<u8>,
}

impl LoggedEvent {
    /// Splits stored entry bytes back into their members.
    pub fn from_row(row: EntryRow) -> Result<LoggedEvent, StorageError> {
        let corrupt = || StorageError::Corrupt(format!("entry {} is not a valid entry", row.seq));
        let mut entry: Value = serde_json::from_slice(&row.bytes).map_err(|_| corrupt())?;
        let text = |entry: &mut Value, name: &str| {
            entry.get(name).and_then(Value::as_str).map(str::to_string)
        };
        Ok(LoggedEvent {
            seq: row.seq,
            leaf_hash: row.leaf()?,
            recorded_at: text(&mut entry, "recorded_at").ok_or_else(corrupt)?,
            sig: text(&mut entry, "sig").ok_or_else(corrupt)?,
            event: entry
                .get_mut("event")
                .map(Value::take)
                .ok_or_else(corrupt)?,
            bytes: row.bytes,
        })
    }
}

fn found<T>(value: Option<T>, what: &'static str, id: impl ToString) -> Result<T, LedgerError> {
    value.ok_or_else(|| LedgerError::NotFound {
        what,
        id: id.to_string(),
    })
}

impl Ledger {
    pub async fn actor(&self, id: Uuid) -> Result<ActorRecord, LedgerError> {
        found(
            self.with_conn(move |c| read::actor(c, &id)).await?,
            "Actor",
            id,
        )
    }

    pub async fn actors(&self) -> Result<Vec<ActorRecord>, LedgerError> {
        self.with_conn(read::all_actors).await
    }

    pub async fn cities(&self) -> Result<Vec<CityRecord>, LedgerError> {
        self.with_conn(read::all_cities).await
    }

    pub async fn product(&self, id: Uuid) -> Result<ProductRecord, LedgerError> {
        found(
            self.with_conn(move |c| read::product(c, &id)).await?,
            "Product",
            id,
        )
    }

    /// A product's events in log order; an unknown product is "not found", not an empty list.
    pub async fn product_events(&self, id: Uuid) -> Result<Vec<LoggedEvent>, LedgerError> {
        let rows = self
            .with_conn(move |c| {
                read::product(c, &id)?
                    .map(|product| read::entries_by_seq(c, &product.entry_seqs))
                    .transpose()
            })
            .await?;
        found(rows, "Product", id)?
            .into_iter()
            .map(|row| LoggedEvent::from_row(row).map_err(LedgerError::from))
            .collect()
    }

    /// Entries from `start`, at most `limit`.
    pub async fn entries(&self, start: i64, limit: i64) -> Result<Vec<LoggedEvent>, LedgerError> {
        self.with_conn(move |c| read::entries_range(c, start, limit))
            .await?
            .into_iter()
            .map(|row| LoggedEvent::from_row(row).map_err(LedgerError::from))
            .collect()
    }

    /// The entry holding the event with this id.
    pub async fn logged_event(&self, id: Uuid) -> Result<LoggedEvent, LedgerError> {
        let row = self
            .with_conn(move |c| read::entry_by_event_id(c, &id))
            .await?;
        LoggedEvent::from_row(found(row, "Event", id)?).map_err(LedgerError::from)
    }

    /// One page of every product, in id order: those after `after`, at most `limit`.
    pub async fn products_after(
        &self,
        after: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<ProductRecord>, LedgerError> {
        self.with_conn(move |c| read::products_after(c, after.as_ref(), limit))
            .await
    }

    /// The products with this serial, under any GTIN (at most `limit`).
    pub async fn products_with_serial(
        &self,
        serial: String,
        limit: i64,
    ) -> Result<Vec<ProductRecord>, LedgerError> {
        self.with_conn(move |c| read::products_with_serial(c, &serial, limit))
            .await
    }

    /// The products with these ids (unknown ids are left out).
    pub async fn products(&self, ids: Vec<String>) -> Result<Vec<ProductRecord>, LedgerError> {
        self.with_conn(move |c| crate::storage::append::products_by_id(c, &ids))
            .await
    }

    /// The log's size and head.
    pub async fn head(&self) -> Result<LogHead, LedgerError> {
        self.with_conn(crate::storage::append::read_head).await
    }
}
