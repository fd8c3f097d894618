//! SHA-256 digests and the RFC 9162 leaf hash.

use sha2::{Digest, Sha256};
use std::fmt;

/// A SHA-256 digest. Shown as lowercase hex in our JSON (docs/api.md).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash32(pub [u8; 32]);

impl Hash32 {
    /// The all-zero hash that stands for "no previous entry" (docs/ledger-format.md §2).
    pub const ZERO: Hash32 = Hash32([0; 32]);

    /// Parses 64 lowercase hex digits; uppercase is refused so that one hash has one spelling.
    pub fn from_hex(text: &str) -> Option<Hash32> {
        if text.len() != 64 || text.bytes().any(|b| b.is_ascii_uppercase()) {
            return None;
        }
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes).ok()?;
        Some(Hash32(bytes))
    }

    /// Builds a hash from a byte slice of exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Hash32> {
        bytes.try_into().ok().map(Hash32)
    }

    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// SHA-256 of `bytes`.
    pub fn sha256(bytes: &[u8]) -> Hash32 {
        Hash32(Sha256::digest(bytes).into())
    }
}

impl fmt::Display for Hash32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Hash32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash32({})", self.to_hex())
    }
}

/// The leaf hash of a log entry: `SHA-256(0x00 || entry bytes)` (RFC 9162 §2.1.1).
pub fn leaf_hash(entry_bytes: &[u8]) -> Hash32 {
    let mut hasher = Sha256::new();
    hasher.update([0u8]);
    hasher.update(entry_bytes);
    Hash32(hasher.finalize().into())
}

/// Lowercase hex, as everywhere in our JSON (stored records use it too).
impl serde::Serialize for Hash32 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for Hash32 {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Hash32, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Hash32::from_hex(&text)
            .ok_or_else(|| serde::de::Error::custom("a hash is 64 lowercase hex digits"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaf_hash_of_empty_entry_is_rfc9162_empty_leaf() {
        // RFC 9162 §2.1.1: MTH({d(0)}) = SHA-256(0x00 || d(0)); for the empty string this is
        // the well-known 6e340b9c... value used by every CT implementation's test suite.
        assert_eq!(
            leaf_hash(b"").to_hex(),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    #[test]
    fn hex_round_trip_and_refusals() {
        let hash = Hash32::sha256(b"abc");
        assert_eq!(Hash32::from_hex(&hash.to_hex()), Some(hash));
        assert_eq!(Hash32::from_hex(&hash.to_hex().to_uppercase()), None);
        assert_eq!(Hash32::from_hex("00"), None);
        assert_eq!(Hash32::from_hex(&"g".repeat(64)), None);
    }
}
