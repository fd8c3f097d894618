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
