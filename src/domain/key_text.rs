//! What a piece of text that should have been a key is, so that an error can say what was
//! given without echoing it (issue 13 item 6). `serve` names the log's private key file on the
//! line above its verifier key; a regulator who passes that file to `audit verify --log-key`
//! must get "this is a private key" on stderr, never the key itself, where terminal scrollback,
//! CI logs and bug reports would keep it. No error of the ledger quotes text that failed to
//! parse as a key: it names the kind found here instead.

use base64::Engine;
use std::fmt;

/// The kind of key-like text found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyText {
    /// `-----BEGIN PRIVATE KEY-----` (PKCS#8) or any other PEM `… PRIVATE KEY`.
    PrivateKeyPem,
    /// `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo).
    PublicKeyPem,
    /// Some other PEM block (a certificate, an encrypted key…).
    OtherPem,
    /// The base64 body of a PKCS#8 private key without its PEM lines.
    PrivateKeyDer,
    /// The base64 body of a SubjectPublicKeyInfo without its PEM lines.
    PublicKeyDer,
    /// 32 bytes in base64 or hex: a bare Ed25519 key, public or private (they look alike).
    BareKey,
    /// Binary data (a DER file, for instance).
    Binary,
    /// Anything else.
    Other,
}

/// The DER prefix of an Ed25519 PKCS#8 v1/v2 private key: SEQUENCE, INTEGER version (0 or 1),
/// then the AlgorithmIdentifier of id-Ed25519 (1.3.101.112, RFC 8410 §7).
const PKCS8_ED25519_ALGORITHM: [u8; 7] = [0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70];
/// The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4).
const SPKI_ED25519: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

impl KeyText {
    /// Classifies `text` (never keeping or returning any of it).
    pub fn of(text: &str) -> KeyText {
        let trimmed = text.trim();
        if trimmed.contains("-----BEGIN") {
            return if trimmed.contains("PRIVATE KEY-----") {
                KeyText::PrivateKeyPem
            } else if trimmed.contains("-----BEGIN PUBLIC KEY-----") {
                KeyText::PublicKeyPem
            } else {
                KeyText::OtherPem
            };
        }
        let compact: String = trimmed.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.len() == 64 && compact.chars().all(|c| c.is_ascii_hexdigit()) {
            return KeyText::BareKey;
        }
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(&compact)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&compact))
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(&compact));
        match decoded {
            Ok(bytes) if bytes.len() == 32 => KeyText::BareKey,
            Ok(bytes) if bytes.starts_with(&SPKI_ED25519) => KeyText::PublicKeyDer,
            Ok(bytes) if is_pkcs8(&bytes) => KeyText::PrivateKeyDer,
            _ => KeyText::Other,
        }
    }

    /// Classifies bytes read from a file: text as [`KeyText::of`], anything else as binary.
    pub fn of_bytes(bytes: &[u8]) -> KeyText {
        match std::str::from_utf8(bytes) {
            Ok(text) => KeyText::of(text),
            Err(_) => KeyText::Binary,
        }
    }

    /// Whether the text may hold a secret: a private key, or bytes that might be one.
    pub fn may_be_secret(self) -> bool {
        match self {
            KeyText::PrivateKeyPem
            | KeyText::OtherPem
            | KeyText::PrivateKeyDer
            | KeyText::BareKey
            | KeyText::Binary => true,
            KeyText::PublicKeyPem | KeyText::PublicKeyDer | KeyText::Other => false,
        }
    }
}

/// A DER PKCS#8 private key of Ed25519: SEQUENCE { INTEGER 0|1, AlgorithmIdentifier, … }.
fn is_pkcs8(der: &[u8]) -> bool {
    // 0x30 len, 0x02 0x01 version, then the algorithm (short-form lengths: Ed25519 keys are
    // 48 bytes in v1 and 83 in v2 with the public key).
    der.len() > 5 + PKCS8_ED25519_ALGORITHM.len()
        && der[0] == 0x30
        && der[2..4] == [0x02, 0x01]
        && der[4] <= 1
        && der[5..].starts_with(&PKCS8_ED25519_ALGORITHM)
}

impl fmt::Display for KeyText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyText::PrivateKeyPem => "a private key (PEM)",
            KeyText::PublicKeyPem => "a public key in PEM",
            KeyText::OtherPem => "a PEM block",
            KeyText::PrivateKeyDer => "a private key (the PKCS#8 text inside a PEM file)",
            KeyText::PublicKeyDer => {
                "a public key (the SubjectPublicKeyInfo text inside a PEM file)"
            }
            KeyText::BareKey => "a bare 32-byte key (a public key or a private seed)",
            KeyText::Binary => "binary data (a DER key file?)",
            KeyText::Other => "text of no key format",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `openssl genpkey -algorithm ed25519` (RFC 8410 §10.3's example key).
    const PEM: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n";

    #[test]
    fn kinds_of_key_text() {
        assert_eq!(KeyText::of(PEM), KeyText::PrivateKeyPem);
        let body = "MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC";
        assert_eq!(KeyText::of(body), KeyText::PrivateKeyDer);
        assert_eq!(
            KeyText::of("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----"),
            KeyText::PublicKeyPem
        );
        assert_eq!(
            KeyText::of("MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE="),
            KeyText::PublicKeyDer
        );
        assert_eq!(
            KeyText::of("Gb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE="),
            KeyText::BareKey
        );
        assert_eq!(KeyText::of(&"ab".repeat(32)), KeyText::BareKey);
        assert_eq!(KeyText::of("not a key"), KeyText::Other);
        assert_eq!(
            KeyText::of_bytes(&[0x30, 0x2e, 0xff, 0xfe]),
            KeyText::Binary
        );
        assert!(KeyText::PrivateKeyDer.may_be_secret());
        assert!(!KeyText::Other.may_be_secret());
        assert!(!KeyText::of(PEM).to_string().contains("MC4C"));
    }
}
