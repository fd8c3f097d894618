//! The export format (docs/audit.md): newline-delimited JSON that a regulator verifies offline.
//!
//! ```text
//! {"export":"ewaste-ledger/v1","log_key":"<verifier key>","origin":"…","size":N}
//! <the exact bytes of entry 0>
//! …
//! {"checkpoint":"<signed note, with cosignatures>","consistency":{"from":m,"path":["hex",…]}}
//! …
//! ```
//!
//! Entry lines are the entries' exact bytes (JCS has no raw newlines), so leaf hashes can be
//! recomputed from the file. Each checkpoint line follows the entry that completes its tree,
//! and carries the RFC 9162 consistency proof from the previous checkpoint (absent on the
//! first). The export ends with the checkpoint of its `size`.

use super::hash::Hash32;
use serde::{Deserialize, Serialize};

/// The format name in the header line.
pub const EXPORT_FORMAT: &str = "ewaste-ledger/v1";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportHeader {
    pub export: String,
    pub log_key: String,
    pub origin: String,
    pub size: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyStep {
    pub from: u64,
    pub path: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointLine {
    pub checkpoint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consistency: Option<ConsistencyStep>,
}

/// One line of an export, as read.
#[derive(Debug)]
pub enum ExportLine<'a> {
    Entry(&'a [u8]),
    Checkpoint(CheckpointLine),
}

/// Classifies a line: entries are the only lines that start with `{"event":` (JCS puts
/// `event` first), everything else must be a checkpoint line.
pub fn classify(line: &[u8]) -> Result<ExportLine<'_>, String> {
    if line.starts_with(b"{\"event\":") {
        return Ok(ExportLine::Entry(line));
    }
    super::json::parse(line)
        .map_err(|e| e.to_string())
        .and_then(|value| serde_json::from_value(value).map_err(|e| e.to_string()))
        .map(ExportLine::Checkpoint)
        .map_err(|e| format!("neither an entry nor a checkpoint line: {e}"))
}

/// Hex-encodes a proof path for the JSON forms.
pub fn hex_path(path: &[Hash32]) -> Vec<String> {
    path.iter().map(Hash32::to_hex).collect()
}

/// Parses a hex proof path; `None` names no position, the caller reports the line.
pub fn parse_path(path: &[String]) -> Option<Vec<Hash32>> {
    path.iter().map(|h| Hash32::from_hex(h)).collect()
}
