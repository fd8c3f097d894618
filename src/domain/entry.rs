//! Log entries (PRODUCT.md §4.2): the JCS bytes of
//! `{"event", "prev", "recorded_at", "seq", "sig", "v": 1}` and their leaf hash.

use super::hash::{leaf_hash, Hash32};

/// The entry format version written in `v`.
pub const ENTRY_VERSION: u32 = 1;

/// The parts of an entry besides the event itself.
#[derive(Clone, Debug)]
pub struct EntryHeader<'a> {
    pub seq: i64,
    /// Leaf hash of entry `seq - 1`, or zeros for the first entry.
    pub prev: Hash32,
    /// RFC 3339 UTC with a `Z`, as written by [`super::event::format_timestamp`].
    pub recorded_at: &'a str,
    /// Canonical padded base64 of the signature.
    pub sig: &'a str,
}

/// Builds the entry bytes around an already canonical event.
///
/// The member names are already in JCS order (`event` < `prev` < `recorded_at` < `seq` < `sig`
/// < `v`), and every string written here is hex, base64 or a timestamp, none of which needs
/// escaping, so concatenation yields exactly the RFC 8785 bytes without re-canonicalising the
/// event (a test checks this against the general canonicaliser).
pub fn entry_bytes(canonical_event: &[u8], header: &EntryHeader<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(canonical_event.len() + 256);
    out.extend_from_slice(b"{\"event\":");
    out.extend_from_slice(canonical_event);
    out.extend_from_slice(b",\"prev\":\"");
    out.extend_from_slice(header.prev.to_hex().as_bytes());
    out.extend_from_slice(b"\",\"recorded_at\":\"");
    out.extend_from_slice(header.recorded_at.as_bytes());
    out.extend_from_slice(b"\",\"seq\":");
    out.extend_from_slice(header.seq.to_string().as_bytes());
    out.extend_from_slice(b",\"sig\":\"");
    out.extend_from_slice(header.sig.as_bytes());
    out.extend_from_slice(b"\",\"v\":");
    out.extend_from_slice(ENTRY_VERSION.to_string().as_bytes());
    out.push(b'}');
    out
}

/// An entry's bytes together with its leaf hash.
#[derive(Clone, Debug)]
pub struct Entry {
    pub seq: i64,
    pub bytes: Vec<u8>,
    pub leaf_hash: Hash32,
}

impl Entry {
    /// Builds the entry and hashes it.
    pub fn new(canonical_event: &[u8], header: &EntryHeader<'_>) -> Entry {
        let bytes = entry_bytes(canonical_event, header);
        Entry {
            seq: header.seq,
            leaf_hash: leaf_hash(&bytes),
            bytes,
        }
    }
}

/// An entry read back from its bytes, with everything a verifier needs.
#[derive(Clone, Debug)]
pub struct ParsedEntry {
    pub seq: i64,
    pub prev: Hash32,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    pub signed: super::event::SignedEvent,
    pub leaf_hash: Hash32,
}

/// Parses entry bytes and checks that they are exactly the bytes the ledger would have written
/// for their contents (canonical JSON, version 1, canonical timestamp), so one entry has one
/// spelling and its leaf hash one value. The error says what is wrong, for the audit report.
pub fn parse_entry(bytes: &[u8]) -> Result<ParsedEntry, String> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Raw {
        event: serde_json::Value,
        prev: String,
        recorded_at: String,
        seq: i64,
        sig: String,
        v: u32,
    }
    let raw: Raw = serde_json::from_slice(bytes).map_err(|e| format!("not an entry: {e}"))?;
    if raw.v != ENTRY_VERSION {
        return Err(format!("entry version {} is not {ENTRY_VERSION}", raw.v));
    }
    let prev = Hash32::from_hex(&raw.prev).ok_or("prev is not a lowercase hex SHA-256")?;
    let recorded_at = super::event::parse_timestamp("recorded_at", &raw.recorded_at)
        .map_err(|e| e.to_string())?;
    let envelope = serde_json::json!({ "event": raw.event, "sig": raw.sig });
    let signed = super::event::parse_signed_event(&envelope).map_err(|e| e.to_string())?;
    let entry = Entry::new(
        &signed.canonical,
        &EntryHeader {
            seq: raw.seq,
            prev,
            recorded_at: &raw.recorded_at,
            sig: &signed.signature_b64,
        },
    );
    if entry.bytes != bytes {
        return Err("the bytes are not the canonical (RFC 8785) form of the entry".into());
    }
    Ok(ParsedEntry {
        seq: raw.seq,
        prev,
        recorded_at,
        signed,
        leaf_hash: entry.leaf_hash,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::jcs::canonicalize;
    use serde_json::json;

    #[test]
    fn concatenation_equals_general_canonicalisation() {
        let event = json!({"kind": "resold", "id": "x", "data": {"b": 1, "a": "é\u{1}"}});
        let canonical = canonicalize(&event).expect("event is canonicalisable");
        let prev = Hash32::sha256(b"previous");
        let header = EntryHeader {
            seq: 42,
            prev,
            recorded_at: "2026-11-28T10:00:00.123Z",
            sig: "c2lnbmF0dXJl",
        };
        let whole = json!({
            "v": 1, "sig": "c2lnbmF0dXJl", "seq": 42, "recorded_at": "2026-11-28T10:00:00.123Z",
            "prev": prev.to_hex(), "event": event,
        });
        assert_eq!(
            entry_bytes(&canonical, &header),
            canonicalize(&whole).expect("entry is canonicalisable")
        );
    }
}
