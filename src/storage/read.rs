//! Queries for the read side: actors, cities, products, their events and log entries.

use super::rows::{ActorRow, CityRow, EntryRow, ProductRow};
use super::schema::{actors, cities, entries, products};
use super::{in_chunks, DbConnection, StorageError};
use crate::domain::records::{ActorRecord, CityRecord, ProductRecord};
use diesel::prelude::*;
use uuid::Uuid;

/// One actor.
pub fn actor(conn: &mut DbConnection, id: &Uuid) -> Result<Option<ActorRecord>, StorageError> {
    actors::table
        .find(id.to_string())
        .select(ActorRow::as_select())
        .first(conn)
        .optional()?
        .map(ActorRow::into_record)
        .transpose()
}

/// Every actor, oldest registration first.
pub fn all_actors(conn: &mut DbConnection) -> Result<Vec<ActorRecord>, StorageError> {
    actors::table
        .order((actors::updated_seq, actors::id))
        .select(ActorRow::as_select())
        .load(conn)?
        .into_iter()
        .map(ActorRow::into_record)
        .collect()
}

/// Every city, by LOCODE.
pub fn all_cities(conn: &mut DbConnection) -> Result<Vec<CityRecord>, StorageError> {
    cities::table
        .order(cities::locode)
        .select(CityRow::as_select())
        .load(conn)?
        .into_iter()
        .map(CityRow::into_record)
        .collect()
}

/// One product.
pub fn product(conn: &mut DbConnection, id: &Uuid) -> Result<Option<ProductRecord>, StorageError> {
    products::table
        .find(id.to_string())
        .select(ProductRow::as_select())
        .first(conn)
        .optional()?
        .map(ProductRow::into_record)
        .transpose()
}

/// The products whose ids come after `after` (every product when `None`), in id order, at most
/// `limit`: one page of a listing that reads O(limit) rows by the primary key whatever the page.
/// Ids are lowercase hyphenated UUIDs, so their text order is the order of their bytes.
pub fn products_after(
    conn: &mut DbConnection,
    after: Option<&Uuid>,
    limit: i64,
) -> Result<Vec<ProductRecord>, StorageError> {
    let mut query = products::table
        .order(products::id)
        .limit(limit)
        .select(ProductRow::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(products::id.gt(after.to_string()));
    }
    query
        .load(conn)?
        .into_iter()
        .map(ProductRow::into_record)
        .collect()
}

/// The products with this serial under any GTIN, in id order, at most `limit`: what the home
/// page's search finds for a serial typed from a label. Serials are not indexed (nothing else
/// looks them up), so this reads the products table; a person's search can afford that.
pub fn products_with_serial(
    conn: &mut DbConnection,
    serial: &str,
    limit: i64,
) -> Result<Vec<ProductRecord>, StorageError> {
    products::table
        .filter(products::serial.eq(serial))
        .order(products::id)
        .limit(limit)
        .select(ProductRow::as_select())
        .load(conn)?
        .into_iter()
        .map(ProductRow::into_record)
        .collect()
}

/// The entries with these seqs, in log order.
pub fn entries_by_seq(
    conn: &mut DbConnection,
    seqs: &[i64],
) -> Result<Vec<EntryRow>, StorageError> {
    in_chunks(seqs, |chunk| {
        entries::table
            .filter(entries::seq.eq_any(chunk))
            .order(entries::seq)
            .select(EntryRow::as_select())
            .load(conn)
    })
}

/// The entry holding an event id.
pub fn entry_by_event_id(
    conn: &mut DbConnection,
    id: &Uuid,
) -> Result<Option<EntryRow>, StorageError> {
    Ok(entries::table
        .filter(entries::event_id.eq(id.as_bytes().to_vec()))
        .select(EntryRow::as_select())
        .first(conn)
        .optional()?)
}

/// Entries `start ..= start + limit - 1`, in order.
pub fn entries_range(
    conn: &mut DbConnection,
    start: i64,
    limit: i64,
) -> Result<Vec<EntryRow>, StorageError> {
    Ok(entries::table
        .filter(entries::seq.ge(start))
        .order(entries::seq)
        .limit(limit)
        .select(EntryRow::as_select())
        .load(conn)?)
}
