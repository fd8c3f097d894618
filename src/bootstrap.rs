//! First start: the data directory, the log key, the first admin's key and the genesis entry
//! (docs/api.md). Safe to run on every start and from several processes at once.

use crate::config::ServerConfig;
use crate::domain::draft::Draft;
use crate::domain::event::{format_timestamp, parse_signed_event};
use crate::domain::kinds::Kind;
use crate::key_files::{self, KeyError};
use crate::ledger::{Ledger, LedgerError, LogIdentity, OpenError};
use crate::permissions::{self, LooseMode};
use crate::storage::StorageError;
use chrono::Utc;
use serde_json::json;
use std::path::PathBuf;
use uuid::Uuid;

/// What bootstrap found or made, for the operator.
#[derive(Debug)]
pub struct BootstrapReport {
    pub log_key: PathBuf,
    pub admin_key: PathBuf,
    /// Set when this run wrote the genesis entry.
    pub genesis_admin: Option<Uuid>,
    pub log_size: i64,
    /// The data directory and key files that group or others may read (warned about).
    pub loose_modes: Vec<LooseMode>,
}

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("Cannot create the data directory {path}: {reason}.")]
    DataDir { path: String, reason: String },
    #[error("Cannot open the database {database}: {reason} No key file was written.")]
    Database { database: String, reason: String },
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error("Writing the genesis entry failed: {0}")]
    Genesis(#[from] LedgerError),
}

/// Creates missing keys, opens the ledger as the log they sign, and writes the genesis entry
/// when the log is empty.
pub async fn bootstrap(config: &ServerConfig) -> Result<(Ledger, BootstrapReport), BootstrapError> {
    permissions::create_private_dir(&config.data_dir).map_err(|e| BootstrapError::DataDir {
        path: config.data_dir.display().to_string(),
        reason: e.to_string(),
    })?;
    // The database first: a server that cannot open it (a PostgreSQL database that does not
    // exist, an unusable SQLite path) must fail before it makes keys for a ledger it never opens.
    drop(
        config
            .database
            .connect()
            .map_err(|e| BootstrapError::Database {
                database: config.database.shown(),
                // The driver's own words: the sentence already names the database.
                reason: match e {
                    StorageError::Unavailable(cause) => format!("{cause}."),
                    StorageError::InvalidUrl { reason, .. } => format!("{reason}."),
                    other => other.to_string(),
                },
            })?,
    );
    let log_key = config.data_dir.join("log-key.pem");
    let admin_key = config.data_dir.join("admin-key.pem");
    for path in [&log_key, &admin_key] {
        if !path.exists() {
            key_files::write_pem(path, &key_files::generate())?;
        }
    }
    let loose_modes = permissions::loose_modes(&[&config.data_dir, &log_key, &admin_key]);
    for loose in &loose_modes {
        tracing::warn!(
            file = %loose.path.display(),
            mode = %format!("{:04o}", loose.mode),
            "{loose}"
        );
    }
    let log = LogIdentity {
        origin: config.origin.clone(),
        origin_explicit: config.origin_explicit,
        key: key_files::read_pem(&log_key)?,
    };
    let ledger = Ledger::open(&config.database, &config.ledger, log)?;
    let mut report = BootstrapReport {
        log_key,
        admin_key,
        genesis_admin: None,
        log_size: ledger.head().await?.size,
        loose_modes,
    };
    if report.log_size > 0 {
        return Ok((ledger, report));
    }

    let key = key_files::read_pem(&report.admin_key)?;
    let admin = Uuid::new_v4();
    let envelope = Draft::registry(
        Uuid::new_v4(),
        Kind::ActorRegistered,
        admin,
        &format_timestamp(Utc::now()),
        json!({
            "actor": admin,
            "org": "Ledger operator",
            "name": "First admin",
            "roles": ["admin"],
            "public_key": key_files::public_key_base64(&key),
        }),
    )
    .sign(&key)
    .map_err(|e| LedgerError::Internal(e.to_string()))?;
    let signed = parse_signed_event(&envelope).map_err(LedgerError::Rejected)?;
    match ledger.record_one(signed).await {
        Ok(_) => report.genesis_admin = Some(admin),
        // Another process sharing the database wrote its genesis first: that one stands.
        Err(LedgerError::Rejected(_)) => {}
        Err(error) => return Err(error.into()),
    }
    report.log_size = ledger.head().await?.size;
    Ok((ledger, report))
}
