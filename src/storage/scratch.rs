//! A throw-away SQLite database where the offline verifier spills the state it replays
//! (products, seen event ids) once that outgrows its memory budget: the verifier's memory stays
//! constant however long the log is. Durability is pointless here, so there is no journal and
//! no fsync.

use super::connection::{run_migrations, DatabaseTarget};
use super::rows::ProductRow;
use super::schema::products;
use super::{append, in_chunks, DbConnection, StorageError, CHUNK};
use crate::domain::records::ProductRecord;
use diesel::prelude::*;
use std::path::Path;

diesel::table! {
    scratch_event_ids (id) {
        id -> Binary,
    }
}

/// The spill store; the file is deleted when this is dropped.
pub struct Scratch {
    conn: DbConnection,
    _file: tempfile::TempPath,
}

impl Scratch {
    /// Creates the store in `dir` (the system's temporary directory when `None`).
    pub fn create(dir: Option<&Path>) -> Result<Scratch, StorageError> {
        let file = match dir {
            Some(dir) => tempfile::NamedTempFile::new_in(dir),
            None => tempfile::NamedTempFile::new(),
        }
        .map_err(|e| StorageError::Unavailable(format!("cannot create a scratch file: {e}")))?
        .into_temp_path();
        let mut conn = DatabaseTarget::Sqlite(file.to_path_buf()).connect()?;
        run_migrations(&mut conn)?;
        for statement in [
            "PRAGMA synchronous = OFF",
            "CREATE TABLE scratch_event_ids (id BLOB PRIMARY KEY NOT NULL) WITHOUT ROWID",
        ] {
            diesel::sql_query(statement).execute(&mut conn)?;
        }
        Ok(Scratch { conn, _file: file })
    }

    /// The spilled products among `ids`.
    pub fn products(&mut self, ids: &[String]) -> Result<Vec<ProductRecord>, StorageError> {
        append::products_by_id(&mut self.conn, ids)
    }

    /// One page of the spilled products in id order: those after `after`, at most `limit`.
    pub fn products_after(
        &mut self,
        after: Option<&uuid::Uuid>,
        limit: i64,
    ) -> Result<Vec<ProductRecord>, StorageError> {
        super::read::products_after(&mut self.conn, after, limit)
    }

    /// Writes products, replacing earlier spills of the same ids.
    pub fn put_products(&mut self, records: &[ProductRecord]) -> Result<(), StorageError> {
        let rows: Vec<ProductRow> = records.iter().map(ProductRow::from_record).collect();
        append::in_transaction(&mut self.conn, |conn| {
            for chunk in rows.chunks(CHUNK) {
                let ids: Vec<&str> = chunk.iter().map(|row| row.id.as_str()).collect();
                diesel::delete(products::table.filter(products::id.eq_any(ids))).execute(conn)?;
                insert_rows!(conn, products::table, chunk)?;
            }
            Ok(())
        })
    }

    /// Which of these event ids were spilled before.
    pub fn known_event_ids(&mut self, ids: &[Vec<u8>]) -> Result<Vec<Vec<u8>>, StorageError> {
        let conn = &mut self.conn;
        in_chunks(ids, |chunk| {
            scratch_event_ids::table
                .filter(scratch_event_ids::id.eq_any(chunk))
                .select(scratch_event_ids::id)
                .load(conn)
        })
    }

    /// Records event ids (all new: the caller checked them).
    pub fn put_event_ids(&mut self, ids: &[Vec<u8>]) -> Result<(), StorageError> {
        append::in_transaction(&mut self.conn, |conn| {
            for chunk in ids.chunks(CHUNK) {
                let rows: Vec<_> = chunk
                    .iter()
                    .map(|id| scratch_event_ids::id.eq(id.as_slice()))
                    .collect();
                insert_rows!(conn, scratch_event_ids::table, rows)?;
            }
            Ok(())
        })
    }
}
