//! Log entries (docs/ledger-format.md §2): the JCS bytes of
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

/// Parses entry bytes for a verifier. The event is taken as the exact bytes between
/// `{"event":` and the entry's own `,"prev":"` (the last one: an event's `prev` comes before
/// it), so it is parsed once and its signature is checked over precisely what the entry
/// holds; any other spelling of a signed event breaks its signature. The rest of the entry
/// must be exactly what the ledger writes (checked by writing it again). The error says what
/// is wrong, for the audit report.
pub fn parse_entry(bytes: &[u8]) -> Result<ParsedEntry, String> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Tail {
        prev: String,
        recorded_at: String,
        seq: i64,
        sig: String,
        v: u32,
    }
    const HEAD: &[u8] = b"{\"event\":";
    const PREV: &[u8] = b",\"prev\":\"";
    let malformed = |why: &str| format!("the entry is not in the ledger's format: {why}");
    let event_bytes = bytes
        .strip_prefix(HEAD)
        .ok_or_else(|| malformed("it does not start with the event"))?;
    let split = event_bytes
        .windows(PREV.len())
        .rposition(|window| window == PREV)
        .ok_or_else(|| malformed("there is no prev after the event"))?;
    let (event_bytes, tail_bytes) = event_bytes.split_at(split);
    let mut tail_object = b"{".to_vec();
    tail_object.extend_from_slice(&tail_bytes[1..]);
    let tail: Tail = serde_json::from_slice(&tail_object).map_err(|e| malformed(&e.to_string()))?;
    if tail.v != ENTRY_VERSION {
        return Err(format!("entry version {} is not {ENTRY_VERSION}", tail.v));
    }
    let prev = Hash32::from_hex(&tail.prev).ok_or("prev is not a lowercase hex SHA-256")?;
    let recorded_at = super::event::parse_timestamp("recorded_at", &tail.recorded_at)
        .map_err(|e| e.to_string())?;
    let signature = super::event::parse_signature(&tail.sig).map_err(|e| e.to_string())?;
    let header = EntryHeader {
        seq: tail.seq,
        prev,
        recorded_at: &tail.recorded_at,
        sig: &tail.sig,
    };
    // What the ledger writes after the event (an entry around an empty event, minus the head).
    if entry_bytes(b"", &header)[HEAD.len()..] != *tail_bytes {
        return Err(malformed(
            "the members after the event are not written as the ledger writes them",
        ));
    }
    let value = super::json::parse(event_bytes).map_err(|e| malformed(&e.to_string()))?;
    let event = super::event::parse_event(&value).map_err(|e| e.to_string())?;
    Ok(ParsedEntry {
        seq: tail.seq,
        prev,
        recorded_at,
        signed: super::event::SignedEvent {
            event,
            canonical: event_bytes.to_vec(),
            signature,
            signature_b64: tail.sig,
        },
        leaf_hash: leaf_hash(bytes),
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

    #[test]
    fn parse_entry_round_trips_and_refuses_other_spellings() {
        use crate::domain::draft::Draft;
        use crate::domain::kinds::Kind;
        let key = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
        let draft = Draft {
            id: uuid::Uuid::from_u128(1),
            kind: Kind::PlacedOnMarket,
            actor: uuid::Uuid::from_u128(2),
            occurred_at: "2026-11-28T10:00:00.000Z".into(),
            city: Some("DEBER".into()),
            product: Some(uuid::Uuid::from_u128(3)),
            // The event's own `prev` must not be taken for the entry's.
            prev: Some(Hash32::sha256(b"head")),
            data: json!({}),
        };
        let envelope = draft.sign(&key).unwrap();
        let signed = crate::domain::event::parse_signed_event(&envelope).unwrap();
        let header = EntryHeader {
            seq: 7,
            prev: Hash32::sha256(b"previous"),
            recorded_at: "2026-11-28T10:00:01.000Z",
            sig: &signed.signature_b64,
        };
        let entry = Entry::new(&signed.canonical, &header);
        let parsed = parse_entry(&entry.bytes).unwrap();
        assert_eq!(
            (parsed.seq, parsed.prev, parsed.leaf_hash),
            (7, header.prev, entry.leaf_hash)
        );
        assert_eq!(parsed.signed.canonical, signed.canonical);
        assert_eq!(parsed.signed.event, signed.event);
        let text = String::from_utf8(entry.bytes).unwrap();
        for other in [
            text.replace("\"v\":1}", "\"v\":2}"),
            text.replace("\"seq\":7", "\"seq\": 7"),
            text.replace("\"seq\":7", "\"seq\":07"),
            text.replacen("{\"event\":", "{ \"event\":", 1),
            text.replace(",\"v\":1}", ",\"v\":1,\"x\":0}"),
        ] {
            assert!(parse_entry(other.as_bytes()).is_err(), "{other}");
        }
    }
}
