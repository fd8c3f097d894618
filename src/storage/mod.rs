//! Persistence: the only module that names diesel. SQLite (bundled, the zero-setup default)
//! and PostgreSQL (production) share one code path through [`connection::DbConnection`].
//!
//! - [`connection`]: URL → backend, pragmas, pool, embedded migrations.
//! - [`schema`]: the tables.
//! - [`rows`]: rows ↔ domain records.
//! - [`append`]: what the writer does inside one append transaction.
//! - [`read`]: queries for the read side.
//! - [`tree`]: Merkle nodes, checkpoints and cosignatures.

/// A multi-row INSERT, written once per backend: MultiConnection's own dialect cannot express
/// batch inserts, but each concrete connection can (one statement on both; SQLite needs the
/// rows to have no DEFAULT values, hence `treat_none_as_default_value = false` on the rows).
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            DbConnection::Sqlite(c) => diesel::insert_into($table).values($rows).execute(c),
            DbConnection::Pg(c) => diesel::insert_into($table).values($rows).execute(c),
        }
    };
}

pub mod append;
pub mod backfill;
pub mod connection;
pub mod read;
pub mod rows;
pub mod schema;
pub mod scratch;
pub mod stats;
pub mod subjects;
pub mod tree;

pub use connection::{DatabaseTarget, DbConnection, Pool};

/// Rows per INSERT and keys per `IN (...)`: well under SQLite's 32,766 bound variables and
/// PostgreSQL's 65,535 for our widest table (products, 17 columns).
const CHUNK: usize = 1000;

/// Runs a query per chunk of `keys` (an `IN (...)` list is bounded) and gathers the rows.
pub(crate) fn in_chunks<K, R>(
    keys: &[K],
    mut query: impl FnMut(&[K]) -> Result<Vec<R>, diesel::result::Error>,
) -> Result<Vec<R>, StorageError> {
    let mut found = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(CHUNK) {
        found.extend(query(chunk)?);
    }
    Ok(found)
}

/// A storage failure. `Unavailable` means "try again later" (HTTP 503); the others are bugs or
/// corruption (HTTP 500).
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("The database URL `{url}` is not usable: {reason}.")]
    InvalidUrl { url: String, reason: String },
    #[error("The database is unavailable: {0}.")]
    Unavailable(String),
    #[error("A database query failed: {0}.")]
    Query(diesel::result::Error),
    #[error("Applying the database migrations failed: {0}.")]
    Migration(String),
    #[error("A stored row is corrupt: {0}.")]
    Corrupt(String),
}

impl StorageError {
    fn connect(error: diesel::ConnectionError) -> StorageError {
        StorageError::Unavailable(sentence_part(&error.to_string()))
    }

    /// Classifies a query error: a lost connection is "unavailable", anything else a failure.
    pub fn query(error: diesel::result::Error) -> StorageError {
        use diesel::result::{DatabaseErrorKind, Error};
        match &error {
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
            | Error::BrokenTransactionManager => {
                StorageError::Unavailable(sentence_part(&error.to_string()))
            }
            Error::DatabaseError(_, info) if is_transient(info.message()) => {
                StorageError::Unavailable(sentence_part(&error.to_string()))
            }
            _ => StorageError::Query(error),
        }
    }
}

/// A driver's message as part of one of our sentences: libpq ends its messages with a line
/// break (and some with a full stop), which would leave "…does not exist\n." in ours.
fn sentence_part(message: &str) -> String {
    message.trim_end().trim_end_matches('.').to_string()
}

/// Messages that mean the database cannot take writes right now, not that the query is wrong.
fn is_transient(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    [
        // SQLite: another process holds the write lock, or the disk is full.
        "database is locked",
        "disk is full",
        "database or disk is full",
        "disk i/o error",
        // PostgreSQL: the server stops, restarts or is gone.
        "terminating connection",
        "server closed the connection",
        "could not connect",
        "connection refused",
        "no connection to the server",
        "could not send data",
        "could not receive data",
        "the database system is",
    ]
    .iter()
    .any(|needle| message.contains(needle))
}

impl From<diesel::result::Error> for StorageError {
    fn from(error: diesel::result::Error) -> StorageError {
        StorageError::query(error)
    }
}

impl From<diesel::r2d2::PoolError> for StorageError {
    fn from(error: diesel::r2d2::PoolError) -> StorageError {
        StorageError::Unavailable(sentence_part(&error.to_string()))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn driver_messages_end_without_their_line_break() {
        let libpq = "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  database \"nope\" does not exist\n";
        let error = super::StorageError::Unavailable(super::sentence_part(libpq));
        assert!(error.to_string().ends_with("does not exist."), "{error}");
        assert_eq!(super::sentence_part("gone.\n"), "gone");
    }
}
