//! The optional configuration file of `serve` (TOML, `--config FILE` or `EWASTE_CONFIG`).
//! Flags and environment variables override it; it overrides the defaults. Unknown keys and
//! bad values are refused at start with the file, the key and the reason. docs/operations.md
//! shows a complete file.

use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub bind: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub public_url: Option<String>,
    pub origin: Option<String>,
    /// HTTP worker threads.
    pub workers: Option<usize>,
    #[serde(default)]
    pub limits: LimitsFile,
    #[serde(default)]
    pub ledger: LedgerFile,
}

/// `[limits]`: request limits.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsFile {
    pub single_body_bytes: Option<usize>,
    pub batch_body_bytes: Option<usize>,
    pub batch_items: Option<usize>,
    pub body_timeout_seconds: Option<u64>,
}

/// `[ledger]`: the writer and the readers.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerFile {
    pub max_batch_events: Option<usize>,
    pub queue_depth: Option<usize>,
    pub reader_connections: Option<u32>,
    pub clock_skew_seconds: Option<i64>,
}

/// Why a configuration file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    #[error("cannot read the configuration file {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("the configuration file {path} is not valid: {reason}")]
    Parse { path: PathBuf, reason: String },
    #[error("the configuration file {path}: `{key}` {reason}")]
    Value {
        path: PathBuf,
        key: &'static str,
        reason: String,
    },
}

impl ConfigFile {
    /// Reads and checks a file.
    pub fn read(path: &Path) -> Result<ConfigFile, ConfigFileError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigFileError::Read {
            path: path.into(),
            reason: e.to_string(),
        })?;
        ConfigFile::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<ConfigFile, ConfigFileError> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| ConfigFileError::Parse {
            path: path.into(),
            reason: e.to_string().trim().replace('\n', " "),
        })?;
        let positive = [
            ("workers", file.workers.map(|v| v as u64)),
            (
                "limits.single_body_bytes",
                file.limits.single_body_bytes.map(|v| v as u64),
            ),
            (
                "limits.batch_body_bytes",
                file.limits.batch_body_bytes.map(|v| v as u64),
            ),
            (
                "limits.batch_items",
                file.limits.batch_items.map(|v| v as u64),
            ),
            (
                "limits.body_timeout_seconds",
                file.limits.body_timeout_seconds,
            ),
            (
                "ledger.max_batch_events",
                file.ledger.max_batch_events.map(|v| v as u64),
            ),
            (
                "ledger.queue_depth",
                file.ledger.queue_depth.map(|v| v as u64),
            ),
            (
                "ledger.reader_connections",
                file.ledger.reader_connections.map(u64::from),
            ),
        ];
        if let Some((key, _)) = positive.iter().find(|(_, value)| *value == Some(0)) {
            return Err(ConfigFileError::Value {
                path: path.into(),
                key,
                reason: "must be at least 1".into(),
            });
        }
        if let Some(skew) = file.ledger.clock_skew_seconds {
            if !(0..=86_400).contains(&skew) {
                return Err(ConfigFileError::Value {
                    path: path.into(),
                    key: "ledger.clock_skew_seconds",
                    reason: format!("must be between 0 and 86400, not {skew}"),
                });
            }
        }
        Ok(file)
    }
}

impl ConfigFile {
    /// Sets what the file gives of the tuning (limits, writer, readers, workers).
    pub fn apply(&self, config: &mut crate::config::ServerConfig) {
        let limits = &mut config.limits;
        let set = |target: &mut usize, value: Option<usize>| {
            if let Some(value) = value {
                *target = value;
            }
        };
        set(&mut limits.single_body_bytes, self.limits.single_body_bytes);
        set(&mut limits.batch_body_bytes, self.limits.batch_body_bytes);
        set(&mut limits.batch_items, self.limits.batch_items);
        if let Some(seconds) = self.limits.body_timeout_seconds {
            limits.body_timeout = std::time::Duration::from_secs(seconds);
        }
        let ledger = &mut config.ledger;
        set(&mut ledger.max_batch_events, self.ledger.max_batch_events);
        set(&mut ledger.queue_depth, self.ledger.queue_depth);
        if let Some(readers) = self.ledger.reader_connections {
            ledger.reader_connections = readers;
        }
        if let Some(seconds) = self.ledger.clock_skew_seconds {
            ledger.clock_skew = chrono::Duration::seconds(seconds);
        }
        set(&mut config.workers, self.workers);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ConfigFile, ConfigFileError> {
        ConfigFile::parse(Path::new("ewaste.toml"), text)
    }

    #[test]
    fn a_complete_file_parses_and_mistakes_are_named() {
        let file = parse("bind = \"0.0.0.0:9000\"\nworkers = 4\n[limits]\nbatch_items = 500\n[ledger]\nclock_skew_seconds = 60\n").unwrap();
        assert_eq!(file.bind.as_deref(), Some("0.0.0.0:9000"));
        assert_eq!(
            (
                file.workers,
                file.limits.batch_items,
                file.ledger.clock_skew_seconds
            ),
            (Some(4), Some(500), Some(60))
        );
        let unknown = parse("bnd = \"x\"\n").unwrap_err().to_string();
        assert!(
            unknown.contains("ewaste.toml") && unknown.contains("bnd"),
            "{unknown}"
        );
        let typed = parse("[limits]\nbatch_items = \"many\"\n")
            .unwrap_err()
            .to_string();
        assert!(typed.contains("batch_items"), "{typed}");
        let zero = parse("[ledger]\nqueue_depth = 0\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            zero,
            "the configuration file ewaste.toml: `ledger.queue_depth` must be at least 1"
        );
        let skew = parse("[ledger]\nclock_skew_seconds = -5\n")
            .unwrap_err()
            .to_string();
        assert!(skew.contains("between 0 and 86400"), "{skew}");
    }
}
