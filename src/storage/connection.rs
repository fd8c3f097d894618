//! One connection type over SQLite and PostgreSQL, chosen from the URL scheme, with the
//! pragmas, pooling and embedded migrations each backend needs.

use super::StorageError;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Both backends behind one diesel code path (docs/architecture.md).
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Where the database is. Parsed from a URL so that a typo is refused instead of silently
/// creating an empty SQLite file somewhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// `sqlite://PATH` (relative) or `sqlite:///ABSOLUTE/PATH`.
    Sqlite(PathBuf),
    /// `postgres://…` or `postgresql://…`, passed to libpq unchanged.
    Postgres(String),
}

impl DatabaseTarget {
    /// Parses a database URL; anything but `sqlite://` and `postgres(ql)://` is refused.
    pub fn parse(url: &str) -> Result<DatabaseTarget, StorageError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseTarget::Postgres(url.to_string()));
        }
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(StorageError::InvalidUrl {
                    url: url.into(),
                    reason: "the SQLite URL names no file".into(),
                });
            }
            return Ok(DatabaseTarget::Sqlite(PathBuf::from(path)));
        }
        Err(StorageError::InvalidUrl {
            url: redact(url),
            reason: "use sqlite://PATH or postgres://USER@HOST/DB".into(),
        })
    }

    /// The database as messages name it: the SQLite URL, or the PostgreSQL URL without its
    /// password.
    pub fn shown(&self) -> String {
        match self {
            DatabaseTarget::Sqlite(path) => Self::sqlite_url(path),
            DatabaseTarget::Postgres(url) => redact(url),
        }
    }

    /// The SQLite URL for a file.
    pub fn sqlite_url(path: &std::path::Path) -> String {
        format!("sqlite://{}", path.display())
    }

    /// Opens one connection, with the per-connection settings of its backend.
    pub fn connect(&self) -> Result<DbConnection, StorageError> {
        match self {
            DatabaseTarget::Sqlite(path) => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    if !parent.is_dir() {
                        return Err(StorageError::InvalidUrl {
                            url: Self::sqlite_url(path),
                            reason: format!("the directory {} does not exist", parent.display()),
                        });
                    }
                }
                let path_text = path.to_str().ok_or_else(|| StorageError::InvalidUrl {
                    url: Self::sqlite_url(path),
                    reason: "the path is not valid UTF-8".into(),
                })?;
                let mut conn =
                    SqliteConnection::establish(path_text).map_err(StorageError::connect)?;
                // WAL lets readers run beside the writer; FULL makes every commit durable before
                // it is acknowledged; busy_timeout waits for the write lock instead of failing.
                // Reads through a memory map skip a system call per page, which is what random
                // lookups (proofs, product pages) on a large log spend their time on.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                     PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 1073741824;",
                )
                .map_err(StorageError::query)?;
                Ok(DbConnection::Sqlite(conn))
            }
            DatabaseTarget::Postgres(url) => {
                let mut conn = PgConnection::establish(url).map_err(StorageError::connect)?;
                // diesel prepares its statements. After five runs PostgreSQL may switch one to a
                // generic plan, and on a new ledger that happens while the tables are tiny: the
                // writer's `event_id = ANY($1)` lookups then stay sequential scans, and ingestion
                // fell from 2,300 to 400 events/s within a minute (`bench load`). Planning each
                // run costs well under a millisecond and keeps the indexes in use.
                conn.batch_execute("SET plan_cache_mode = force_custom_plan")
                    .map_err(StorageError::query)?;
                Ok(DbConnection::Pg(conn))
            }
        }
    }
}

/// Opens the writer's connection. On SQLite it gets a larger page cache and leaves most WAL
/// checkpointing to [`spawn_wal_checkpointer`], so that commits (and the clients waiting on
/// them) rarely pay for copying the WAL back into the database. Under sustained load a
/// background checkpoint never catches up with the writer, so the WAL could not restart and
/// would grow without bound; the writer's own automatic checkpoint at 8,192 pages (32 MiB)
/// bounds it, and is quick because the background thread has already copied most frames.
pub fn connect_writer(target: &DatabaseTarget) -> Result<DbConnection, StorageError> {
    let mut conn = target.connect()?;
    if let DbConnection::Sqlite(c) = &mut conn {
        c.batch_execute("PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 8192;")
            .map_err(StorageError::query)?;
    }
    Ok(conn)
}

/// For SQLite, a thread that checkpoints the WAL in the background (PASSIVE: it never blocks
/// the writer or readers) until `running` turns false. Does nothing for PostgreSQL.
pub fn spawn_wal_checkpointer(
    target: &DatabaseTarget,
    running: Arc<AtomicBool>,
) -> Result<(), StorageError> {
    if !matches!(target, DatabaseTarget::Sqlite(_)) {
        return Ok(());
    }
    let target = target.clone();
    let pause = || std::thread::sleep(Duration::from_millis(250));
    std::thread::Builder::new()
        .name("wal-checkpointer".into())
        .spawn(move || {
            let mut conn = None;
            while running.load(Ordering::Relaxed) {
                pause();
                let result = match conn.as_mut() {
                    Some(c) => DbConnection::batch_execute(c, "PRAGMA wal_checkpoint(PASSIVE);")
                        .map_err(StorageError::query),
                    None => target.connect().map(|c| conn = Some(c)),
                };
                if let Err(error) = result {
                    tracing::warn!(%error, "WAL checkpoint failed; retrying");
                    conn = None;
                }
            }
        })
        .map(|_| ())
        .map_err(|e| StorageError::Unavailable(format!("cannot start the WAL checkpointer: {e}")))
}

/// Hides a password in a URL before it reaches a log or an error message.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Applies the pending migrations of the connection's backend.
pub fn run_migrations(conn: &mut DbConnection) -> Result<(), StorageError> {
    let result = match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
        DbConnection::Pg(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
    };
    result.map_err(|e| StorageError::Migration(e.to_string()))
}

/// Reverts every migration (used by the migration round-trip test).
pub fn revert_all_migrations(conn: &mut DbConnection) -> Result<(), StorageError> {
    let result = match conn {
        DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS).map(|_| ()),
        DbConnection::Pg(c) => c.revert_all_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
    };
    result.map_err(|e| StorageError::Migration(e.to_string()))
}

/// r2d2 manager that connects through [`DatabaseTarget::connect`], never by guessing the
/// backend from the URL the way `MultiConnection::establish` does.
pub struct Manager(pub DatabaseTarget);

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = StorageError;

    fn connect(&self) -> Result<DbConnection, StorageError> {
        self.0.connect()
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), StorageError> {
        conn.ping().map_err(StorageError::query)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

/// A pool of reader connections.
pub type Pool = r2d2::Pool<Manager>;

/// Builds the reader pool. Readers never block the single writer (WAL on SQLite, MVCC on
/// PostgreSQL).
pub fn pool(target: &DatabaseTarget, size: u32) -> Result<Pool, StorageError> {
    r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(5))
        .build(Manager(target.clone()))
        .map_err(|e| StorageError::Unavailable(e.to_string()))
}
