//! An inclusion proof bundle (docs/audit.md): one entry's bytes, its inclusion proof in a tree
//! (RFC 9162 §2.1.3) and the log's signed checkpoint of that tree. Whoever holds the log's
//! verifier key can check it offline. It has two spellings:
//!
//! - JSON, as `audit prove` prints it and `GET /v1/log/proof/event/{id}` serves it:
//!   `{"entry", "inclusion": {"seq", "size", "leaf_hash", "root", "path"}, "checkpoint"}`;
//! - the compact text a receipt's QR code holds (`GET /r/{seq}`): [`QR_PREFIX`] then the
//!   base45 (RFC 9285) of the binary form below.
//!
//! Binary form, version 1 (integers are unsigned LEB128, shortest form only):
//!
//! ```text
//! 0x01 · seq · size · root (32 bytes) · n (1 byte) · n path hashes (32 bytes each)
//!      · entry length · entry bytes · checkpoint note (UTF-8, the rest)
//! ```
//!
//! The leaf hash is not stored: it is the hash of the entry bytes. Hashes are raw, not hex,
//! and base45 text uses a QR code's alphanumeric mode (5.5 bits a character): together about
//! half the size of the JSON. So the proof of an entry in a log of 2^20 entries and more fits
//! one QR code at error correction M: a version 40 code at M holds 3,391 alphanumeric
//! characters, 2,256 bytes here; 20 path hashes, the fixed fields and a checkpoint note with the
//! log's signature take about 950, which leaves about 1,300 bytes for the entry (an intake's
//! entry is 500 to 700 bytes). The tests pin this budget. Cosignatures are left out of the
//! compact form ([`log_signature_only`]): `verify-proof` checks the log's signature alone, and
//! each witness's line would cost about 130 bytes.

use super::base45::{self, Base45Error};
use super::checkpoint::verify_checkpoint;
use super::export::parse_path;
use super::hash::{leaf_hash, Hash32};
use super::merkle;
use super::note::{NoteError, SignedNote, VerifierKey};
use serde_json::Value;

/// What a receipt's QR text starts with: this ledger's proof, compact form version 1. Upper
/// case, a digit and a colon: all in a QR code's alphanumeric set, as base45 is.
pub const QR_PREFIX: &str = "EWLP1:";

/// The binary form's version byte.
const VERSION: u8 = 1;

/// The longest path a tree of fewer than 2^64 entries can need.
const MAX_PATH: usize = 64;

/// An entry, its inclusion proof and the checkpoint that signs the proof's root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InclusionBundle {
    /// The entry exactly as logged.
    pub entry: Vec<u8>,
    pub seq: u64,
    pub size: u64,
    pub leaf_hash: Hash32,
    pub root: Hash32,
    pub path: Vec<Hash32>,
    /// The signed checkpoint note of the tree of `size` entries.
    pub checkpoint: String,
}

/// Why a compact text is not a proof bundle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompactError {
    #[error("it does not start with {QR_PREFIX}")]
    Prefix,
    #[error("it is not base45 text: {0}")]
    Base45(#[from] Base45Error),
    #[error("it is version {0} of the compact form; this verifier reads version {VERSION}")]
    Version(u8),
    #[error("it ends inside its {0}")]
    Truncated(&'static str),
    #[error("its {0} is not written in the shortest form")]
    LongInteger(&'static str),
    #[error("its path has {0} hashes; no tree needs more than {MAX_PATH}")]
    PathLength(usize),
    #[error("its checkpoint is not UTF-8 text")]
    CheckpointText,
}

impl InclusionBundle {
    /// Reads the JSON spelling (`audit prove`). The leaf hash must be the entry's.
    pub fn from_json(bundle: &Value) -> Result<InclusionBundle, String> {
        let entry = bundle["entry"].as_str().ok_or("the bundle has no entry")?;
        let proof = &bundle["inclusion"];
        let number = |name: &str| {
            proof[name]
                .as_u64()
                .ok_or(format!("inclusion.{name} is missing"))
        };
        let hash = |name: &str| {
            proof[name]
                .as_str()
                .and_then(Hash32::from_hex)
                .ok_or(format!("inclusion.{name} is not a hex hash"))
        };
        let path: Vec<String> =
            serde_json::from_value(proof["path"].clone()).map_err(|e| e.to_string())?;
        let path = parse_path(&path).ok_or("inclusion.path has a malformed hash")?;
        let checkpoint = bundle["checkpoint"]
            .as_str()
            .ok_or("the bundle has no checkpoint")?;
        Ok(InclusionBundle {
            entry: entry.as_bytes().to_vec(),
            seq: number("seq")?,
            size: number("size")?,
            leaf_hash: hash("leaf_hash")?,
            root: hash("root")?,
            path,
            checkpoint: checkpoint.to_string(),
        })
    }

    /// The compact text: [`QR_PREFIX`] and the base45 of the binary form.
    pub fn to_compact(&self) -> String {
        let mut bytes = vec![VERSION];
        push_integer(&mut bytes, self.seq);
        push_integer(&mut bytes, self.size);
        bytes.extend_from_slice(&self.root.0);
        // A bundle is built from a real proof, whose path is at most 64 hashes long.
        bytes.push(self.path.len().min(MAX_PATH) as u8);
        for hash in self.path.iter().take(MAX_PATH) {
            bytes.extend_from_slice(&hash.0);
        }
        push_integer(&mut bytes, self.entry.len() as u64);
        bytes.extend_from_slice(&self.entry);
        bytes.extend_from_slice(self.checkpoint.as_bytes());
        format!("{QR_PREFIX}{}", base45::encode(&bytes))
    }

    /// Reads the compact text (surrounding whitespace ignored: base45 never ends in a space).
    /// Every bundle has one compact spelling: [`InclusionBundle::to_compact`] gives the text
    /// back.
    pub fn from_compact(text: &str) -> Result<InclusionBundle, CompactError> {
        let body = text
            .trim()
            .strip_prefix(QR_PREFIX)
            .ok_or(CompactError::Prefix)?;
        let bytes = base45::decode(body)?;
        let mut reader = Reader { rest: &bytes };
        let version = reader.take(1, "version")?[0];
        if version != VERSION {
            return Err(CompactError::Version(version));
        }
        let seq = reader.integer("seq")?;
        let size = reader.integer("size")?;
        let root = reader.hash("root")?;
        let count = usize::from(reader.take(1, "path length")?[0]);
        if count > MAX_PATH {
            return Err(CompactError::PathLength(count));
        }
        let path = (0..count)
            .map(|_| reader.hash("path"))
            .collect::<Result<Vec<_>, _>>()?;
        let length = reader.integer("entry length")?;
        let length = usize::try_from(length).map_err(|_| CompactError::Truncated("entry"))?;
        let entry = reader.take(length, "entry")?.to_vec();
        let checkpoint =
            String::from_utf8(reader.rest.to_vec()).map_err(|_| CompactError::CheckpointText)?;
        Ok(InclusionBundle {
            leaf_hash: leaf_hash(&entry),
            entry,
            seq,
            size,
            root,
            path,
            checkpoint,
        })
    }

    /// Checks the bundle: the entry hashes to the leaf, the path leads to the root, and the
    /// checkpoint is the log's and names that root and size. Returns the tree size.
    pub fn verify(&self, log_key: &VerifierKey) -> Result<u64, String> {
        let (seq, size, leaf, root) = (self.seq, self.size, self.leaf_hash, self.root);
        if leaf_hash(&self.entry) != leaf {
            return Err(format!(
                "the entry's leaf hash is {}, not {leaf}",
                leaf_hash(&self.entry)
            ));
        }
        if !merkle::verify_inclusion(seq, size, &leaf, &self.path, &root) {
            return Err(format!(
                "the inclusion proof of seq {seq} in a tree of {size} does not lead to the root {root}"
            ));
        }
        let checkpoint = verify_checkpoint(&self.checkpoint, log_key)
            .map_err(|e| e.to_string())?
            .checkpoint;
        if (checkpoint.size, checkpoint.root) != (size, root) {
            return Err(format!(
                "the checkpoint is of size {} with root {}, not the proof's size {size} and root {root}",
                checkpoint.size, checkpoint.root
            ));
        }
        Ok(size)
    }
}

/// `note` with only the signature lines of `log_key` (the log's own), for the compact form.
pub fn log_signature_only(note: &str, log_key: &VerifierKey) -> Result<String, NoteError> {
    let mut parsed = SignedNote::parse(note)?;
    parsed
        .signatures
        .retain(|signature| signature.is_by(log_key));
    Ok(parsed.render())
}

/// Appends `value` as unsigned LEB128.
fn push_integer(bytes: &mut Vec<u8>, mut value: u64) {
    loop {
        let low = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            bytes.push(low);
            return;
        }
        bytes.push(low | 0x80);
    }
}

/// Reads the binary form front to back.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], CompactError> {
        if self.rest.len() < n {
            return Err(CompactError::Truncated(what));
        }
        let (taken, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(taken)
    }

    fn hash(&mut self, what: &'static str) -> Result<Hash32, CompactError> {
        let bytes = self.take(32, what)?;
        Hash32::from_slice(bytes).ok_or(CompactError::Truncated(what))
    }

    /// Unsigned LEB128 of at most 10 bytes, shortest form only (no trailing zero groups), so
    /// that a number has one spelling.
    fn integer(&mut self, what: &'static str) -> Result<u64, CompactError> {
        let mut value: u64 = 0;
        for index in 0..10 {
            let byte = self.take(1, what)?[0];
            let bits = u64::from(byte & 0x7f);
            // The tenth byte holds the one bit left of 64.
            if index == 9 && bits > 1 {
                return Err(CompactError::LongInteger(what));
            }
            value |= bits << (7 * index);
            if byte & 0x80 == 0 {
                if index > 0 && bits == 0 {
                    return Err(CompactError::LongInteger(what));
                }
                return Ok(value);
            }
        }
        Err(CompactError::LongInteger(what))
    }
}

#[cfg(test)]
mod tests;
