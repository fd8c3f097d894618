//! The statements of one append transaction (docs/architecture.md): lock the head, load the
//! state the batch touches in a few bulk queries, write everything with multi-row INSERTs.

use super::rows::{ActorRow, CityRow, EntryRow, ProductRow, SubjectRow};
use super::schema::{actors, cities, entries, log_head, products, subjects};
use super::{DbConnection, StorageError};
use crate::domain::company_prefix::PrefixOwners;
use crate::domain::hash::Hash32;
use crate::domain::records::{ActorRecord, CityRecord, LogHead, ProductRecord, SubjectRecord};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::{in_chunks, CHUNK};

/// Runs `work` in one database transaction: committed when it returns `Ok`, rolled back
/// otherwise. The appender's whole batch is one such transaction.
pub fn in_transaction<T>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, StorageError>,
) -> Result<T, StorageError> {
    conn.transaction(work)
}

/// Takes the log's write lock and reads its head. Must be the first statement of the append
/// transaction: the UPDATE holds PostgreSQL's row lock (and SQLite's write lock) until commit,
/// so several `serve` processes on one database append one after another and every one of
/// them reads the head the previous one committed.
pub fn lock_head(conn: &mut DbConnection) -> Result<LogHead, StorageError> {
    diesel::update(log_head::table.find(1))
        .set(log_head::size.eq(log_head::size))
        .execute(conn)?;
    read_head(conn)
}

/// Reads the head without locking.
pub fn read_head(conn: &mut DbConnection) -> Result<LogHead, StorageError> {
    let (size, head, last_recorded_at) = log_head::table
        .find(1)
        .select((log_head::size, log_head::head, log_head::last_recorded_at))
        .first::<(i64, Vec<u8>, Option<NaiveDateTime>)>(conn)?;
    Ok(LogHead {
        size,
        head: Hash32::from_slice(&head)
            .ok_or_else(|| StorageError::Corrupt("log head is not 32 bytes".into()))?,
        last_recorded_at,
    })
}

/// Entries already holding any of these event ids (for replays and id conflicts).
pub fn entries_by_event_id(
    conn: &mut DbConnection,
    ids: &[Vec<u8>],
) -> Result<Vec<EntryRow>, StorageError> {
    in_chunks(ids, |chunk| {
        entries::table
            .filter(entries::event_id.eq_any(chunk))
            .select(EntryRow::as_select())
            .load(conn)
    })
}

/// The actors with these ids.
pub fn actors_by_id(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<Vec<ActorRecord>, StorageError> {
    in_chunks(ids, |chunk| {
        actors::table
            .filter(actors::id.eq_any(chunk))
            .select(ActorRow::as_select())
            .load(conn)
    })?
    .into_iter()
    .map(ActorRow::into_record)
    .collect()
}

/// Every declared GS1 company prefix and its owner: the few actors that declared any.
pub fn declared_prefixes(conn: &mut DbConnection) -> Result<PrefixOwners, StorageError> {
    let rows: Vec<(String, Option<String>)> = actors::table
        .filter(actors::gs1_company_prefixes.is_not_null())
        .select((actors::id, actors::gs1_company_prefixes))
        .load(conn)?;
    let mut owners = PrefixOwners::new();
    for (id, list) in rows {
        let owner = Uuid::parse_str(&id)
            .map_err(|_| StorageError::Corrupt(format!("`{id}` is not a UUID")))?;
        let prefixes: Vec<String> = list
            .unwrap_or_default()
            .split(',')
            .map(String::from)
            .collect();
        owners.insert(owner, &prefixes);
    }
    Ok(owners)
}

/// Number of admins that are not revoked. Roles are stored comma-separated and no other role
/// name contains "admin".
pub fn count_active_admins(conn: &mut DbConnection) -> Result<usize, StorageError> {
    let count: i64 = actors::table
        .filter(actors::roles.like("%admin%"))
        .filter(actors::revoked.eq(false))
        .count()
        .get_result(conn)?;
    Ok(usize::try_from(count).unwrap_or(0))
}

/// The cities with these LOCODEs.
pub fn cities_by_locode(
    conn: &mut DbConnection,
    codes: &[String],
) -> Result<Vec<CityRecord>, StorageError> {
    in_chunks(codes, |chunk| {
        cities::table
            .filter(cities::locode.eq_any(chunk))
            .select(CityRow::as_select())
            .load(conn)
    })?
    .into_iter()
    .map(CityRow::into_record)
    .collect()
}

/// The products with these ids.
pub fn products_by_id(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<Vec<ProductRecord>, StorageError> {
    in_chunks(ids, |chunk| {
        products::table
            .filter(products::id.eq_any(chunk))
            .select(ProductRow::as_select())
            .load(conn)
    })?
    .into_iter()
    .map(ProductRow::into_record)
    .collect()
}

/// The lots and containers with these ids.
pub fn subjects_by_id(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<Vec<SubjectRecord>, StorageError> {
    in_chunks(ids, |chunk| {
        subjects::table
            .filter(subjects::id.eq_any(chunk))
            .select(SubjectRow::as_select())
            .load(conn)
    })?
    .into_iter()
    .map(SubjectRow::into_record)
    .collect()
}

/// Everything one batch writes.
#[derive(Debug, Default)]
pub struct BatchWrite {
    pub entries: Vec<EntryRow>,
    pub actors: Vec<ActorRow>,
    pub cities: Vec<CityRow>,
    pub products: Vec<ProductRow>,
    /// Ids of rows in `products` that are new (no stored row to replace).
    pub new_products: std::collections::BTreeSet<String>,
    /// Changed lots and containers, replaced whole.
    pub subjects: Vec<SubjectRow>,
}

/// Writes a batch and moves the head. Changed actors and products are replaced (DELETE then
/// multi-row INSERT): MultiConnection has no portable upsert, and two statements per table
/// beat one UPDATE per row on PostgreSQL, where every statement is a round trip.
pub fn write_batch(
    conn: &mut DbConnection,
    batch: &BatchWrite,
    head: &LogHead,
) -> Result<(), StorageError> {
    for chunk in batch.entries.chunks(CHUNK) {
        insert_rows!(conn, entries::table, chunk)?;
    }
    for chunk in batch.actors.chunks(CHUNK) {
        let ids: Vec<&str> = chunk.iter().map(|a| a.id.as_str()).collect();
        diesel::delete(actors::table.filter(actors::id.eq_any(ids))).execute(conn)?;
        insert_rows!(conn, actors::table, chunk)?;
    }
    for chunk in batch.cities.chunks(CHUNK) {
        insert_rows!(conn, cities::table, chunk)?;
    }
    for chunk in batch.products.chunks(CHUNK) {
        let ids: Vec<&str> = chunk
            .iter()
            .map(|p| p.id.as_str())
            .filter(|id| !batch.new_products.contains(*id))
            .collect();
        if !ids.is_empty() {
            diesel::delete(products::table.filter(products::id.eq_any(ids))).execute(conn)?;
        }
        insert_rows!(conn, products::table, chunk)?;
    }
    for chunk in batch.subjects.chunks(CHUNK) {
        let ids: Vec<&str> = chunk.iter().map(|s| s.id.as_str()).collect();
        diesel::delete(subjects::table.filter(subjects::id.eq_any(ids))).execute(conn)?;
        insert_rows!(conn, subjects::table, chunk)?;
    }
    diesel::update(log_head::table.find(1))
        .set((
            log_head::size.eq(head.size),
            log_head::head.eq(head.head.0.to_vec()),
            log_head::last_recorded_at.eq(head.last_recorded_at),
        ))
        .execute(conn)?;
    Ok(())
}
