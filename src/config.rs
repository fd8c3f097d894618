//! Validated configuration for `serve` and `init`, built once from flags and environment and
//! passed down (no globals).

use crate::ledger::LedgerSettings;
use crate::storage::{DatabaseTarget, StorageError};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything a server needs.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    pub database: DatabaseTarget,
    /// Base of label URIs, without a trailing slash.
    pub public_url: String,
    /// The log's checkpoint origin (also the key name of its signed notes).
    pub origin: String,
    /// Whether `--origin` was given. If not, a database that already has a log keeps the
    /// origin it was created with (the default depends on the address, which may change).
    pub origin_explicit: bool,
    pub ledger: LedgerSettings,
    pub limits: Limits,
    pub workers: usize,
}

/// Why the configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Database(#[from] StorageError),
    #[error("--public-url `{0}` must start with http:// or https://.")]
    PublicUrl(String),
    #[error("--origin `{0}` must be a non-empty line without spaces or `+` (a C2SP key name).")]
    Origin(String),
}

impl ServerConfig {
    /// Builds and checks the configuration. The database defaults to SQLite in the data directory.
    pub fn new(
        bind: SocketAddr,
        data_dir: PathBuf,
        database_url: Option<&str>,
        public_url: Option<&str>,
        origin: Option<&str>,
    ) -> Result<ServerConfig, ConfigError> {
        let database = match database_url {
            Some(url) => DatabaseTarget::parse(url)?,
            None => DatabaseTarget::Sqlite(data_dir.join("ledger.sqlite")),
        };
        let public_url = public_url
            .map(|u| u.trim_end_matches('/').to_string())
            .unwrap_or_else(|| format!("http://{bind}"));
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(ConfigError::PublicUrl(public_url));
        }
        let origin_explicit = origin.is_some();
        let origin = origin.map(str::to_string).unwrap_or_else(|| {
            public_url
                .split("://")
                .nth(1)
                .unwrap_or("ewaste-ledger")
                .to_string()
                + "/log"
        });
        if origin.is_empty() || origin.contains(char::is_whitespace) || origin.contains('+') {
            return Err(ConfigError::Origin(origin));
        }
        Ok(ServerConfig {
            bind,
            data_dir,
            database,
            public_url,
            origin,
            origin_explicit,
            ledger: LedgerSettings::default(),
            limits: Limits::default(),
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
        })
    }
}

/// Request limits (documented in docs/api.md).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest body of `POST /v1/events`.
    pub single_body_bytes: usize,
    /// Largest body of `POST /v1/events/batch`.
    pub batch_body_bytes: usize,
    /// Most events in one batch request.
    pub batch_items: usize,
    /// Longest time to receive a body.
    pub body_timeout: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            single_body_bytes: 64 * 1024,
            batch_body_bytes: 32 * 1024 * 1024,
            batch_items: 10_000,
            body_timeout: std::time::Duration::from_secs(30),
        }
    }
}
