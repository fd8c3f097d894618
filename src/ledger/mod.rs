//! The application core: verification off the writer, the single-writer appender, and the
//! read side. Uses `domain` and `storage`; knows nothing of HTTP.

pub mod appender;
pub mod audit;
mod backfill;
pub mod batch_state;
pub mod keys;
pub mod log;
pub mod passport;
mod passport_state;
pub mod read;
mod record;
pub mod stats;
pub mod subject_chain;
mod subject_state;
pub mod subjects;
pub mod synthetic_log;
pub mod tree;
mod verify;

use crate::domain::hash::Hash32;
use crate::domain::note::VerifierKey;
use crate::domain::rejection::Rejection;
use crate::metrics::{Gauges, Metrics};
use crate::storage::{self, DatabaseTarget, DbConnection, Pool, StorageError};
use appender::{AppenderSettings, Job};
use keys::KeyCache;
use std::sync::Arc;
use tokio::sync::mpsc;
pub use tree::LogIdentity;

pub use record::{Atomicity, Outcome, Submission};
pub use verify::{SignatureCheck, VerifiedEvent};

/// What the writer answers for an accepted event (docs/api.md: seq, leaf hash, checkpoint).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub seq: i64,
    pub leaf_hash: Hash32,
    /// True when this was a resubmission of an event already in the log.
    pub replayed: bool,
    /// The signed checkpoint note of a tree that includes the entry.
    pub checkpoint: Arc<str>,
}

/// Why the ledger could not do what was asked.
#[derive(Clone, Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("{0}")]
    Rejected(Rejection),
    /// A request the log cannot answer as asked (a proof range, a foreign checkpoint…).
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    #[error("{what} {id} does not exist.")]
    NotFound { what: &'static str, id: String },
    #[error("The ledger is temporarily unavailable: {0}")]
    Unavailable(String),
    #[error("Internal error: {0}")]
    Internal(String),
}

impl From<&StorageError> for LedgerError {
    fn from(error: &StorageError) -> LedgerError {
        match error {
            StorageError::Unavailable(reason) => LedgerError::Unavailable(reason.clone()),
            other => LedgerError::Internal(other.to_string()),
        }
    }
}

impl From<StorageError> for LedgerError {
    fn from(error: StorageError) -> LedgerError {
        LedgerError::from(&error)
    }
}

/// How the ledger runs.
#[derive(Clone, Debug)]
pub struct LedgerSettings {
    /// How far in the future `occurred_at` may be (clocks of handheld devices drift).
    pub clock_skew: chrono::Duration,
    /// The most events one append transaction takes.
    pub max_batch_events: usize,
    /// Jobs waiting for the writer before submitters wait.
    pub queue_depth: usize,
    /// Reader connections.
    pub reader_connections: u32,
}

impl Default for LedgerSettings {
    fn default() -> LedgerSettings {
        LedgerSettings {
            clock_skew: chrono::Duration::minutes(5),
            max_batch_events: 4000,
            queue_depth: 1024,
            reader_connections: 8,
        }
    }
}

/// A running ledger: reader pool, key cache and the writer's queue.
#[derive(Clone)]
pub struct Ledger {
    pool: Pool,
    writer: mpsc::Sender<Job>,
    keys: Arc<KeyCache>,
    backend: &'static str,
    log_key: Arc<VerifierKey>,
    metrics: Arc<Metrics>,
    /// The writer's allowance for `occurred_at`, for pages that replay entries with its rules.
    clock_skew: chrono::Duration,
}

/// Why the ledger could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Identity(#[from] tree::IdentityError),
}

impl Ledger {
    /// Opens the database, applies migrations, checks that the log is signed by `log` and
    /// starts the writer.
    pub fn open(
        target: &DatabaseTarget,
        settings: &LedgerSettings,
        log: LogIdentity,
    ) -> Result<Ledger, OpenError> {
        let mut conn = target.connect()?;
        storage::connection::run_migrations(&mut conn)?;
        backfill::prepare(&mut conn)?;
        let log = tree::prepare(&mut conn, log)?;
        stats::prepare(&mut conn)?;
        drop(conn);
        let verifier_key = log
            .verifier_key()
            .map_err(|e| StorageError::Corrupt(format!("the log's key name: {e}")))?;
        let pool = storage::connection::pool(target, settings.reader_connections)?;
        let keys = Arc::new(KeyCache::default());
        let metrics = Arc::new(Metrics::default());
        let writer = appender::spawn(
            target.clone(),
            AppenderSettings {
                max_batch_events: settings.max_batch_events,
                clock_skew: settings.clock_skew,
            },
            log,
            keys.clone(),
            metrics.clone(),
            settings.queue_depth,
        )?;
        Ok(Ledger {
            pool,
            writer,
            keys,
            log_key: Arc::new(verifier_key),
            metrics,
            clock_skew: settings.clock_skew,
            backend: match target {
                DatabaseTarget::Sqlite(_) => "sqlite",
                DatabaseTarget::Postgres(_) => "postgres",
            },
        })
    }

    /// The verifier key of the log's checkpoints.
    pub fn log_key(&self) -> &VerifierKey {
        &self.log_key
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// The ledger's metrics registry.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// What `/metrics` reads when scraped: the writer's queue, the reader pool, the log size,
    /// what is in transit (an indexed read of only those rows).
    pub async fn gauges(&self) -> Result<Gauges, LedgerError> {
        let state = self.pool.state();
        let in_transit = self.in_transit(None, None).await?;
        let oldest_transit_seconds = in_transit
            .first()
            .and_then(|s| s.transit())
            .map_or(0.0, |t| {
                (chrono::Utc::now() - t.since).as_seconds_f64().max(0.0)
            });
        Ok(Gauges {
            in_transit: in_transit.len(),
            oldest_transit_seconds,
            queue_depth: self.writer.max_capacity() - self.writer.capacity(),
            queue_capacity: self.writer.max_capacity(),
            pool_connections: state.connections,
            pool_idle: state.idle_connections,
            log_size: self.head().await?.size,
        })
    }

    /// Runs blocking database work on the blocking pool, never on the async workers.
    pub async fn with_conn<T, F>(&self, work: F) -> Result<T, LedgerError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, StorageError> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(StorageError::from)?;
            work(&mut conn)
        })
        .await
        .map_err(|e| LedgerError::Internal(format!("a database task panicked: {e}")))?
        .map_err(LedgerError::from)
    }
}
